"""The browsable API driven as a browser drives it: sign in on its login page, fill in the HTML form
of /api/v1/jobs/scrape/ and post it (multipart, as the page does, and urlencoded), with CSRF checks
on; post the Raw data tab's example body as JSON. Jobs are created with their lists parsed, bad
input shows its errors in the form and stores nothing, and the session stays signed in.
"""

import json
from urllib.parse import urlencode

import lxml.html
import pytest
from django.test import Client

from leadengine.jobs.models import ScrapeJob
from leadengine.jobs.serializers import EXAMPLE

JOBS = "/api/v1/jobs/scrape/"
HTML = {"HTTP_ACCEPT": "text/html"}


@pytest.fixture
def browser(user) -> Client:
    """A client that checks CSRF as Django does for a browser, signed in through the login form."""
    client = Client(enforce_csrf_checks=True)
    login = lxml.html.fromstring(client.get("/api/auth/login/?next=" + JOBS).content)
    token = login.forms[0].fields["csrfmiddlewaretoken"]
    response = client.post(
        "/api/auth/login/",
        {"username": "ana", "password": "pw-ana-123456", "csrfmiddlewaretoken": token, "next": JOBS},
    )
    assert response.status_code == 302 and response["Location"] == JOBS
    return client


def job_form(page: bytes) -> lxml.html.FormElement:
    """The page's HTML form that creates a job (not the Raw data form)."""
    doc = lxml.html.fromstring(page)
    (form,) = doc.xpath('//div[@id="post-object-form"]//form')
    return form


def filled(form: lxml.html.FormElement, **values) -> dict:
    """What the browser sends for `form` after the user typed `values` (lists: checkboxes ticked)."""
    fields = dict(form.form_values())
    fields.pop("source_types", None)
    for name, value in values.items():
        fields[name] = value
    return fields


def test_the_page_shows_a_form_with_textareas_checkboxes_and_a_valid_raw_example(browser):
    page = browser.get(JOBS, **HTML)
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    form = job_form(page.content)
    assert form.method == "POST" and form.get("enctype") == "multipart/form-data"
    assert {name: form.inputs[name].tag for name in ("urls", "keywords", "filters")} == dict.fromkeys(
        ("urls", "keywords", "filters"), "textarea"
    )
    boxes = form.xpath('.//input[@type="checkbox" and @name="source_types"]')
    assert [box.get("value") for box in boxes] == ["crunchbase", "google", "linkedin", "website"]
    assert [box.get("value") for box in boxes if box.checked] == ["website"]
    assert form.inputs["max_results"].value == "100" and form.inputs["enrich"].checked
    assert "not supported in HTML input" not in page.content.decode()

    raw = lxml.html.fromstring(page.content).xpath('//textarea[@name="_content"]')[0].text
    assert json.loads(raw) == EXAMPLE


def test_the_html_form_posted_multipart_creates_a_job_with_its_lists_parsed(browser, user):
    form = job_form(browser.get(JOBS, **HTML).content)
    body = filled(
        form,
        search_query="saas companies sydney",
        urls="https://acme.example/\r\nhttps://beta.example/about\r\n\r\n",
        keywords="B2B\r\nenterprise software",
        filters='{"company_size": "11-50"}',
        max_results="40",
        source_types=["google", "website"],  # ticked, in the page's order
    )
    response = browser.post(JOBS, body, **HTML)  # the test client posts a dict as multipart
    assert response.status_code == 201, response.content.decode()[:3000]
    assert "HTTP 201 Created" in response.content.decode()
    job = ScrapeJob.objects.get()
    assert job.owner == user and job.status == "queued"
    assert job.urls == ["https://acme.example/", "https://beta.example/about"]
    assert job.keywords == ["B2B", "enterprise software"]
    assert job.source_types == ["google", "website"]
    assert job.filters == {"company_size": "11-50"} and job.max_results == 40 and job.enrich is True
    # After a successful post the form starts empty again, ready for the next job.
    again = job_form(response.content)
    assert again.inputs["urls"].value == "" and again.inputs["search_query"].value == ""


def test_the_html_form_posted_urlencoded_takes_comma_separated_items(browser, settings):
    settings.SEARXNG_URL = "http://127.0.0.1:9/"
    form = job_form(browser.get(JOBS, **HTML).content)
    body = filled(
        form, keywords="B2B, fintech , ", urls="https://acme.example/", source_types="website, google"
    )
    body.pop("enrich")  # an unticked checkbox is not sent
    response = browser.post(JOBS, urlencode(body, doseq=True), "application/x-www-form-urlencoded", **HTML)
    assert response.status_code == 201, response.content.decode()[:3000]
    job = ScrapeJob.objects.get()
    assert job.keywords == ["B2B", "fintech"] and job.urls == ["https://acme.example/"]
    assert job.source_types == ["website", "google"] and job.enrich is False and job.filters == {}


def test_the_session_stays_signed_in_after_a_post(browser, user):
    form = job_form(browser.get(JOBS, **HTML).content)
    browser.post(JOBS, filled(form, urls="https://acme.example/", source_types=["website"]), **HTML)
    page = browser.get(JOBS, **HTML)
    assert page.status_code == 200
    doc = lxml.html.fromstring(page.content)
    assert doc.xpath('//form[@id="logoutForm"]') and not doc.xpath('//a[contains(@href, "/api/auth/login/")]')
    listed = browser.get(JOBS, HTTP_ACCEPT="application/json")
    assert listed.status_code == 200 and listed.json()["count"] == 1
    assert job_form(page.content) is not None


def test_a_post_without_the_forms_csrf_token_is_refused(browser):
    form = job_form(browser.get(JOBS, **HTML).content)
    body = filled(form, urls="https://acme.example/", source_types=["website"])
    body.pop("csrfmiddlewaretoken")
    response = browser.post(JOBS, body, HTTP_ACCEPT="application/json")
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]
    assert not ScrapeJob.objects.exists()


def test_bad_input_shows_the_errors_in_the_form_keeps_what_was_typed_and_stores_nothing(browser):
    form = job_form(browser.get(JOBS, **HTML).content)
    typed_urls = "https://acme.example/\r\nftp://files.example/"
    body = filled(
        form,
        urls=typed_urls,
        keywords="B2B",
        filters='{"size": "11-50"}',
        max_results="0",
        source_types=["website"],
    )
    response = browser.post(JOBS, body, **HTML)
    assert response.status_code == 400
    again = job_form(response.content)
    errors = {
        group.xpath(".//*[@name]")[0].get("name"): [e.text_content() for e in group.xpath(".//span")][0]
        for group in again.xpath('.//div[contains(@class, "has-error")]')
    }
    assert errors == {
        "urls": "Item 2 (ftp://files.example/): Only http and https URLs are allowed.",
        "filters": "Unknown filters: size. The known ones are company_size, enrichment.",
        "max_results": "Ensure this value is greater than or equal to 1.",
    }
    assert again.inputs["urls"].value.replace("\r\n", "\n") == typed_urls.replace("\r\n", "\n")
    assert again.inputs["filters"].value == '{"size": "11-50"}'
    assert [box.get("value") for box in again.xpath('.//input[@name="source_types"]') if box.checked] == [
        "website"
    ]
    assert not ScrapeJob.objects.exists()


def test_errors_of_no_one_field_are_shown_above_the_form(browser):
    form = job_form(browser.get(JOBS, **HTML).content)
    response = browser.post(JOBS, filled(form, source_types=["website"]), **HTML)
    assert response.status_code == 400
    (alert,) = job_form(response.content).xpath('.//div[contains(@class, "alert-danger")]')
    assert alert.text_content() == (
        "Nothing to search for: give at least one of search_query, industry, keywords or urls."
    )
    assert not ScrapeJob.objects.exists()


def test_malformed_filters_text_is_a_field_error(browser):
    form = job_form(browser.get(JOBS, **HTML).content)
    body = filled(form, urls="https://acme.example/", filters="company_size=11-50", source_types=["website"])
    response = browser.post(JOBS, body, HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert response.json() == {"filters": ['Enter a JSON object, e.g. {"company_size": "11-50"}.']}


def test_the_raw_data_example_posted_as_json_creates_a_job(browser, user):
    page = browser.get(JOBS, **HTML)
    doc = lxml.html.fromstring(page.content)
    raw = doc.xpath('//textarea[@name="_content"]')[0].text
    (media_type,) = doc.xpath('//select[@name="_content_type"]/option[@selected]/@value')
    assert media_type == "application/json"
    # The page's script sends the tab's content with the CSRF token of its cookie in a header.
    token = browser.cookies["csrftoken"].value
    response = browser.post(JOBS, raw, media_type, HTTP_X_CSRFTOKEN=token, HTTP_ACCEPT="application/json")
    assert response.status_code == 201, response.content
    job = ScrapeJob.objects.get()
    assert job.owner == user
    assert {field: getattr(job, field) for field in EXAMPLE} == EXAMPLE


def test_a_json_body_still_takes_lists_only(browser):
    token = browser.get(JOBS, **HTML).cookies["csrftoken"].value
    body = {**EXAMPLE, "keywords": "B2B, fintech"}
    response = browser.post(JOBS, json.dumps(body), "application/json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 400
    assert response.json() == {"keywords": ['Expected a list of items but got type "str".']}


def test_no_source_ticked_is_an_error_on_the_checkboxes(browser):
    form = job_form(browser.get(JOBS, **HTML).content)
    response = browser.post(JOBS, filled(form, urls="https://acme.example/"), **HTML)
    assert response.status_code == 400
    (group,) = job_form(response.content).xpath('.//div[contains(@class, "has-error")]')
    assert group.xpath('.//input[@type="checkbox"]/@name')[0] == "source_types"
    assert "Choose at least one source." in group.text_content()
    assert not ScrapeJob.objects.exists()
