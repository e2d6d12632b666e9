"""The landing page at / and the API docs (Swagger UI, ReDoc): served by LeadEngine itself, no CDN."""

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client

DOC_PAGES = ["/api/docs/", "/api/redoc/"]


class _Assets(HTMLParser):
    """The URLs a page loads by itself: scripts, stylesheets and icons, images."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "img") and attrs.get("src"):
            self.urls.append(attrs["src"])
        if tag == "link" and attrs.get("href"):
            self.urls.append(attrs["href"])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])


def parse(html: str) -> _Assets:
    parser = _Assets()
    parser.feed(html)
    return parser


def static_assets(client: Client, page: str) -> list[str]:
    response = client.get(page)
    assert response.status_code == 200, page
    urls = parse(response.content.decode()).urls
    foreign = [url for url in urls if urlsplit(url).netloc or url.startswith("//")]
    assert foreign == [], f"{page} loads from another host"
    return urls


@pytest.mark.django_db
@pytest.mark.parametrize("page", DOC_PAGES)
def test_the_docs_pages_load_their_assets_from_this_server(client, settings, page):
    urls = static_assets(client, page)
    assert any(url.endswith(".js") for url in urls)
    for url in urls:
        assert url.startswith("/static/drf_spectacular_sidecar/"), url
        assert finders.find(url.removeprefix("/static/")), url


@pytest.mark.django_db
def test_the_docs_assets_answer_200_as_runserver_serves_them(settings):
    # DEBUG runserver and runembedded: whitenoise serves the apps' static directories (finders).
    settings.WHITENOISE_USE_FINDERS = True
    client = Client()
    for page in DOC_PAGES:
        for url in static_assets(client, page):
            response = client.get(url)
            assert response.status_code == 200, url
            assert int(response.headers["Content-Length"]) > 0, url


@pytest.mark.django_db
def test_the_docs_assets_answer_200_after_collectstatic(settings, tmp_path):
    # Production: collectstatic copies them into STATIC_ROOT under hashed names (the manifest storage
    # of DEBUG=0), and whitenoise serves them from there.
    settings.STATIC_ROOT = str(tmp_path)
    settings.WHITENOISE_USE_FINDERS = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", "--noinput", verbosity=0)
    assert (tmp_path / "drf_spectacular_sidecar" / "redoc" / "bundles" / "redoc.standalone.js").exists()
    client = Client()
    for page in DOC_PAGES:
        for url in static_assets(client, page):
            assert re.search(r"\.[0-9a-f]{12}\.", url), url  # the manifest's hashed name
            assert client.get(url).status_code == 200, url


@pytest.mark.django_db
def test_the_landing_page_links_every_surface_for_anyone(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    page = parse(html)
    assert {"/admin/", "/api/v1/", "/api/docs/", "/api/redoc/", "/healthz"} <= set(page.links)
    assert page.urls == []  # no script, stylesheet or font from anywhere
    assert "make run" in html and "var/dev-login.txt" in html


@pytest.mark.django_db
def test_the_landing_page_greets_a_signed_in_user(client, admin_user):
    client.force_login(admin_user)
    html = client.get("/").content.decode()
    assert "Signed in as <strong>admin</strong>" in html and "make run" not in html


@pytest.mark.django_db
def test_every_landing_link_answers(client, admin_user):
    client.force_login(admin_user)
    for link in parse(client.get("/").content.decode()).links:
        # /healthz says 503 when a part is down: it answers, which is what the link promises.
        assert client.get(link).status_code in ((200, 503) if link == "/healthz" else (200,)), link


@pytest.mark.django_db
def test_the_admins_view_site_link_goes_to_the_landing_page(client, admin_user):
    client.force_login(admin_user)
    html = client.get("/admin/").content.decode()
    assert '<a href="/">View site</a>' in html
