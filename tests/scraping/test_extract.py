"""Extraction rules, one behaviour a test, on small pages."""

from __future__ import annotations

import pytest

from scraping.extract import (
    build_lead,
    clean_title,
    decode_cfemail,
    find_address,
    matched_keywords,
    parse_page,
    read_home,
    region_for,
    social_profile,
)
from scraping.normalize import company_key
from scraping.types import Criteria, Person

SITE = "https://www.acme-analytics.com.au/"


def lead_of(
    *bodies: str,
    geography: str = "Sydney, Australia",
    keywords: tuple[str, ...] = (),
    site: str = SITE,
    pages: tuple[str, ...] = (),
):
    region = region_for(geography, site)
    paths = pages or ["", *(f"page{index}" for index in range(1, len(bodies)))]
    pages = [parse_page(body, f"{site}{path}", region) for body, path in zip(bodies, paths, strict=True)]
    return build_lead(pages, Criteria(geography=geography, keywords=keywords), site)


def cf(address: str, key: int = 0x42) -> str:
    return f"{key:02x}" + "".join(f"{ord(char) ^ key:02x}" for char in address)


# --- names ------------------------------------------------------------------------------------------


def test_of_several_parts_in_every_title_the_one_named_like_the_domain_is_the_name():
    page = "<title>{} · Data for Sydney · Acme Analytics</title>"
    assert lead_of(page.format("Home"), page.format("About")).company_name == "Acme Analytics"
    arabic = "<title>أكمي للتحليلات | {} - Acme Analytics</title>"
    assert lead_of(arabic.format("Home"), arabic.format("About")).company_name == "Acme Analytics"


def test_the_town_the_titles_add_to_the_name_is_not_part_of_it():
    page = "<title>{} | Acme Analytics Sydney</title>"
    assert lead_of(page.format("Home"), page.format("About")).company_name == "Acme Analytics"
    page = "<title>{} - Bank of Sydney</title>"
    assert lead_of(page.format("Home"), page.format("About")).company_name == "Bank of Sydney"


def test_the_english_pages_name_wins_over_the_korean_pages_name():
    korean = "<title>{} | (주)아크메정밀</title>"
    english = "<title>{} | ACME PRECISION</title>"
    pages = [korean.format(page) for page in ("메인", "회사소개", "오시는 길", "사업분야")]
    pages += [english.format(page) for page in ("Home", "About", "Contact")]
    assert lead_of(*pages, site="https://www.acme.co.kr/").company_name == "ACME PRECISION"


def test_a_full_width_dash_separates_a_chinese_title_from_its_page_name():
    assert clean_title("首頁－竹威精密工業股份有限公司") == "竹威精密工業股份有限公司"


def test_a_full_width_bar_separates_a_japanese_title():
    page = "<title>{}｜株式会社アクメ分析</title>"
    lead = lead_of(page.format("会社概要"), page.format("お問い合わせ"), site="https://www.acme.co.jp/")
    assert lead.company_name == "株式会社アクメ分析"
    assert company_key(lead.company_name) == company_key("アクメ分析")


def test_name_comes_from_json_ld_first():
    html = """<title>Home | Something Else</title><meta property="og:site_name" content="OG Name">
    <script type="application/ld+json">{"@context":"https://schema.org","@type":"ProfessionalService",
    "name":"Acme Analytics"}</script>"""
    assert lead_of(html).company_name == "Acme Analytics"


def test_name_ignores_organisations_nested_as_members_or_brands():
    html = """<script type="application/ld+json">{"@type":"WebPage","name":"Page",
    "mainEntity":{"@type":"Organization","name":"Acme Analytics",
    "memberOf":{"@type":"Organization","name":"Chamber of Commerce"}}}</script>"""
    assert lead_of(html).company_name == "Acme Analytics"


def test_name_comes_from_microdata():
    html = """<div itemscope itemtype="http://schema.org/LocalBusiness"><h1 itemprop="name">Acme Bakery</h1>
    <div itemprop="review" itemscope itemtype="http://schema.org/Review">
    <span itemprop="name">Great</span></div></div>"""
    assert lead_of(html).company_name == "Acme Bakery"


def test_name_falls_back_to_og_site_name_then_title_then_footer():
    og_page = '<meta property="og:site_name" content="Acme"><title>Home | X</title>'
    assert lead_of(og_page).company_name == "Acme"
    assert lead_of("<title>Home | Acme Analytics</title>").company_name == "Acme Analytics"
    assert lead_of("<title>Welcome to Acme Analytics</title>").company_name == "Acme Analytics"
    assert (
        lead_of("<title>Home</title><footer>(c) 2025 Acme Analytics Pty Ltd</footer>").company_name
        == "Acme Analytics Pty Ltd"
    )


@pytest.mark.parametrize(
    "title,expected",
    [
        ("Home | Acme Analytics", "Acme Analytics"),
        ("Acme Analytics - Home", "Acme Analytics"),
        ("Contact us – Acme", "Acme"),
        ("Welcome to Acme Analytics", "Acme Analytics"),
        ("Startseite - Müller Maschinenbau", "Müller Maschinenbau"),
        ("Inicio", ""),
    ],
)
def test_titles_are_cleaned(title, expected):
    assert clean_title(title) == expected


# --- e-mails ----------------------------------------------------------------------------------------


def test_an_address_a_script_would_write_is_read_from_its_noscript():
    lead = lead_of(
        "<p>E-mail: <script>document.write('sales' + '&#64;' + 'acme-analytics.com.au')</script>"
        "<noscript>sales＠acme-analytics.com.au (please change ＠ to @)</noscript></p>"
    )
    assert lead.emails == ["sales@acme-analytics.com.au"]


def test_an_address_with_a_star_for_the_at_sign():
    lead = lead_of("<p>E-mail: info★acme-analytics.com.au (please replace ★ with @)</p><p>Rated ★ 4.9</p>")
    assert lead.emails == ["info@acme-analytics.com.au"]


def test_a_framesets_pages_are_its_parts():
    page = parse_page('<frameset><frame src="menu.htm"><frame src="/home.htm"></frameset>', f"{SITE}", "AU")
    assert page.frames == [f"{SITE}menu.htm", f"{SITE}home.htm"]


def test_emails_from_mailto_text_entities_and_json_ld():
    lead = lead_of("""<a href="mailto:Sales@Acme-Analytics.com.au?subject=Hi">write</a>
    <p>info@acme-analytics.com.au</p><p>press&#64;acme-analytics.com.au</p>
    <script type="application/ld+json">
    {"@type":"Organization","email":"mailto:jobs@acme-analytics.com.au"}</script>""")
    assert set(lead.emails) == {
        "sales@acme-analytics.com.au",
        "info@acme-analytics.com.au",
        "press@acme-analytics.com.au",
        "jobs@acme-analytics.com.au",
    }


@pytest.mark.parametrize(
    "text",
    [
        "info [at] acme-analytics [dot] com [dot] au",
        "info(at)acme-analytics.com.au",
        "info {at} acme-analytics {dot} com {dot} au",
        "info (at) acme-analytics (dot) com (dot) au",
        "info at acme-analytics dot com dot au",
    ],
)
def test_obfuscated_emails_are_read(text):
    assert lead_of(f"<p>Write to {text}.</p>").emails == ["info@acme-analytics.com.au"]


def test_the_words_only_form_needs_the_sites_own_domain():
    lead = lead_of("<p>Meet us at noon dot com. See you at eventbrite dot com.</p>")
    assert lead.emails == []


def test_another_domain_is_taken_from_the_contact_page_when_the_site_has_no_address_of_its_own():
    home = "<p>Our partner: partners [at] partner-co [dot] com</p>"
    contact = "<p>Bookings: bookings [at] agency-bookings [dot] com</p>"
    lead = lead_of(home, contact, pages=("", "contact"))
    assert lead.emails == ["bookings@agency-bookings.com"]
    assert lead.extra["other_organisations_emails"] == ["partners@partner-co.com"]


def test_another_domain_on_an_ordinary_page_is_not_the_companys():
    lead = lead_of("<p>Bookings: bookings [at] agency-bookings [dot] com</p>")
    assert lead.emails == []
    assert lead.extra["other_organisations_emails"] == ["bookings@agency-bookings.com"]


def test_cloudflare_protected_emails_are_decoded():
    encoded = cf("hello@acme-analytics.com.au")
    assert decode_cfemail(encoded) == "hello@acme-analytics.com.au"
    lead = lead_of(
        f'<a href="/cdn-cgi/l/email-protection#{encoded}"><span class="__cf_email__" '
        f'data-cfemail="{encoded}">[email&#160;protected]</span></a>'
    )
    assert lead.emails == ["hello@acme-analytics.com.au"]


def test_asset_names_and_placeholders_are_not_emails():
    lead = lead_of("""<p>logo@2x.png icon@3x.webp sprite@2x.jpg</p>
    <p>e.g. you@example.com, name@domain.com, email@example.com, john.doe@company.com</p>
    <p>your.name@gmail.com</p>""")
    assert lead.emails == []


def test_an_agencys_credit_is_not_the_companys_email():
    lead = lead_of("""<p>info@acme-analytics.com.au</p>
    <footer><p>Website by <a href="https://pixelagency.com.au">Pixel Agency</a>, hello@pixelagency.com.au</p>
    <p>Designed by Studio North (<a href="mailto:studio@north.design">studio@north.design</a>)</p>
    </footer>""")
    assert lead.emails == ["info@acme-analytics.com.au"]


def test_an_agency_credit_is_dropped_even_when_the_site_has_no_own_address():
    lead = lead_of("""<p>Call us.</p><footer>Website by Pixel Agency - hello@pixelagency.com.au</footer>""")
    assert lead.emails == []


def test_the_sites_own_domain_and_role_addresses_rank_first():
    lead = lead_of("""<p>jane.smith@gmail.com</p><p>jane@acme-analytics.com.au</p>
    <p>info@acme-analytics.com.au</p>""")
    assert lead.email == "info@acme-analytics.com.au"
    assert lead.emails == ["info@acme-analytics.com.au", "jane@acme-analytics.com.au"]


def test_other_organisations_addresses_give_way_to_the_sites_own():
    lead = lead_of("<p>info@acme-analytics.com.au. Our association: office@retail-assoc.org.au</p>")
    assert lead.emails == ["info@acme-analytics.com.au"]


def test_canonical_link_tells_the_own_domain_of_a_site_served_elsewhere():
    page = '<link rel="canonical" href="https://acme.com.au/"><p>hi@acme.com.au, x@other-firm.com</p>'
    lead = lead_of(page, site="http://127.0.0.1:8000/")
    assert lead.emails == ["hi@acme.com.au"]


# --- phones -----------------------------------------------------------------------------------------


def test_phones_from_tel_links_and_text_as_e164():
    lead = lead_of('<a href="tel:+61-2-9000-1234">call</a><p>Mobile: 0412 345 678</p>')
    assert lead.phones == ["+61290001234", "+61412345678"]


def test_labelled_fax_numbers_are_not_phones():
    lead = lead_of("""<p>Phone: (02) 9000 1234 Fax: (02) 9000 1235</p>
    <p>Telefax <a href="tel:+61290001236">(02) 9000 1236</a></p>""")
    assert lead.phones == ["+61290001234"]


def test_one_number_for_phone_and_fax_is_a_phone():
    lead = lead_of("<p>Tel./Fax workshop: (02) 9000 1234</p><p>Telefax: (02) 9000 1235</p>")
    assert lead.phones == ["+61290001234"]


def test_more_lines_of_one_exchange_written_as_their_last_digits():
    lead = lead_of("<p>Ph: (02) 9000 1234, 9000 1240</p><p>Phone: +61 2 9000 2000 / 01</p>")
    assert lead.phones == ["+61290001234", "+61290001240", "+61290002000", "+61290002001"]
    # a year after a number is not another line
    assert lead_of("<p>Phone: (02) 90001234, 2019</p>").phones == ["+61290001234"]


def test_an_example_in_a_form_is_not_a_phone():
    assert lead_of("<p>Your phone (e.g. 02 9000 1234)</p>").phones == []
    japanese = lead_of(
        "<p>電話番号 例）03-1234-5678</p>", geography="Nagoya, Japan", site="https://www.acme.co.jp/"
    )
    assert japanese.phones == []


def test_a_second_line_written_in_full_after_a_slash():
    assert lead_of("<p>Ph: (02) 9000 1234 / 9000 1240</p>").phones == ["+61290001234", "+61290001240"]


def test_a_north_american_toll_free_line_on_a_site_abroad():
    lead = lead_of(
        "<p>Teléfonos: +52 (951) 514 22 78 / 514 22 79</p>"
        "<p>Desde EUA y Canadá: 1 (888) 283 4410 (sin costo)</p>",
        geography="Oaxaca, México",
        site="https://www.acme.mx/",
    )
    assert lead.phones == ["+529515142278", "+529515142279", "+18882834410"]


def test_a_japanese_number_is_not_a_date():
    lead = lead_of("<p>TEL: 0568-32-7715</p>", geography="Nagoya, Japan", site="https://www.acme.co.jp/")
    assert lead.phones == ["+81568327715"]


@pytest.mark.parametrize(
    "text",
    [
        "Published 15/03/2024",
        "Updated 2024-03-15",
        "Version 2.10.4",
        "v10.2.33.1",
        "Order #100234567",
        "Invoice no. 20240315-0042",
        "ABN 12 345 678 901",
        "ACN 123 456 789",
        "USt-IdNr.: DE 123456789",
        "VAT GB 123 4567 89",
        "Company No. 09876543",
        "1998-2025",
        "Posted 31.12.2023",
        "12/31/2024",
        "IBAN DE89 3704 0044 0532 0130 00",
    ],
)
def test_dates_versions_and_registration_numbers_are_not_phones(text):
    assert lead_of(f"<p>{text}</p>").phones == []


@pytest.mark.parametrize(
    "geography,expected",
    [
        ("Sydney, Australia", "AU"),
        ("London, UK", "GB"),
        ("Berlin", "DE"),
        ("Madrid, España", "ES"),
        ("Austin, Texas", "US"),
        ("Zürich, Schweiz", "CH"),
        ("somewhere, NZ", "NZ"),
        ("", None),
    ],
)
def test_geography_gives_the_phone_region(geography, expected):
    assert region_for(geography) == expected


def test_the_sites_country_domain_gives_the_region_without_a_geography():
    assert region_for("", "https://www.brightwave.co.uk/") == "GB"
    lead = lead_of("<p>Tel: 020 7946 0123</p>", geography="", site="https://www.brightwave.co.uk/")
    assert lead.phones == ["+442079460123"]


# --- socials ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url,expected",
    [
        (
            "https://www.linkedin.com/company/acme-analytics/about/",
            ("linkedin", "https://www.linkedin.com/company/acme-analytics"),
        ),
        ("https://au.linkedin.com/in/jane-citizen", ("person", "https://www.linkedin.com/in/jane-citizen")),
        ("https://twitter.com/AcmeAnalytics", ("twitter", "https://x.com/acmeanalytics")),
        ("https://x.com/acme?lang=en", ("twitter", "https://x.com/acme")),
        ("https://m.facebook.com/AcmeAU/", ("facebook", "https://www.facebook.com/acmeau")),
        ("https://instagram.com/acme.au", ("instagram", "https://www.instagram.com/acme.au")),
        ("https://www.youtube.com/@Acme", ("youtube", "https://www.youtube.com/@acme")),
        ("https://www.youtube.com/channel/UC123abc", ("youtube", "https://www.youtube.com/channel/UC123abc")),
        ("https://github.com/acme/pipeline", ("github", "https://github.com/acme")),
        ("https://www.facebook.com/sharer/sharer.php?u=x", None),
        ("https://www.facebook.com/sharer.php?u=x", None),
        ("https://twitter.com/intent/tweet?url=x", None),
        ("https://twitter.com/share?url=x", None),
        ("https://www.linkedin.com/shareArticle?mini=true", None),
        ("https://www.youtube.com/watch?v=abc", None),
        ("https://www.instagram.com/p/Cxyz/", None),
        ("https://notlinkedin.com/company/acme", None),
    ],
)
def test_social_links_become_canonical_profiles(url, expected):
    assert social_profile(url) == expected


def test_people_go_to_people_and_share_links_are_ignored():
    lead = lead_of("""<a href="https://www.linkedin.com/in/jane-citizen/">Jane Citizen</a>
    <a href="https://www.linkedin.com/in/someone-else/">profile</a>
    <a href="https://www.linkedin.com/company/acme-analytics">LinkedIn</a>
    <a href="https://twitter.com/intent/tweet?url=x">Tweet</a>""")
    assert lead.people == [Person(name="Jane Citizen", linkedin="https://www.linkedin.com/in/jane-citizen")]
    assert lead.extra["unattributed_profiles"] == ["https://www.linkedin.com/in/someone-else"]
    assert lead.socials == {"linkedin": "https://www.linkedin.com/company/acme-analytics"}


# --- address, description, keywords, confidence -----------------------------------------------------


def test_address_from_json_ld_postal_address_and_location_from_it():
    lead = lead_of(
        """<script type="application/ld+json">{"@type":"LocalBusiness","name":"Acme",
    "address":{"@type":"PostalAddress","streetAddress":"12 George Street","addressLocality":"Sydney",
    "addressRegion":"NSW","postalCode":"2000","addressCountry":"AU"}}</script>""",
        geography="Australia",
    )
    assert lead.address == "12 George Street, Sydney NSW 2000, AU"
    assert lead.location == "Sydney, AU"


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Visit us: 12 George Street, Sydney NSW 2000. Open daily.", "12 George Street, Sydney NSW 2000"),
        ("Studio: 1 Example Street, London EC1A 1BB", "1 Example Street, London EC1A 1BB"),
        ("Anfahrt: Industriestraße 12, 70565 Stuttgart", "Industriestraße 12, 70565 Stuttgart"),
        ("Dirección: Calle Mayor 5, 28013 Madrid", "Calle Mayor 5, 28013 Madrid"),
        (
            "Office: 1 S Church Ave, Suite 1200, Tucson, AZ 85701",
            "1 S Church Ave, Suite 1200, Tucson, AZ 85701",
        ),
        ("Founded in 2012, 24 people, 3 offices.", ""),
    ],
)
def test_address_shaped_text_is_found(text, expected):
    assert find_address(text) == expected


def test_location_falls_back_to_the_jobs_geography():
    assert lead_of("<p>nothing here</p>", geography="Sydney, Australia").location == "Sydney, Australia"


def test_description_from_meta_description():
    page = '<meta name="description" content="  Retail   analytics. ">'
    assert lead_of(page).description == "Retail analytics."


def test_keywords_match_whole_words_ignoring_case_and_accents():
    assert matched_keywords(["logistica", "Data", "ana"], ["Logística y DATA engineering; analytics"]) == [
        "logistica",
        "Data",
    ]


def test_confidence_follows_the_documented_formula():
    full = lead_of(
        """<script type="application/ld+json">{"@type":"Organization","name":"Acme",
    "address":"12 George Street, Sydney NSW 2000"}</script><p>info@acme-analytics.com.au (02) 9000 1234
    retail</p><a href="https://x.com/acme">x</a>""",
        keywords=("retail", "mining"),
    )
    assert full.confidence == pytest.approx(0.25 + 0.25 + 0.2 + 0.1 + 0.1 + 0.05)
    assert lead_of("<title>Acme</title>").confidence == pytest.approx(0.15 + 0.1)
    assert 0.0 <= lead_of("").confidence <= 1.0


def test_malformed_html_is_tolerated():
    lead = lead_of(
        "<html><p>info@acme-analytics.com.au<div><span><table><tr><td>(02) 9000 1234</b></i>"
        "<script>var x = '<p>'"
    )
    assert lead.emails == ["info@acme-analytics.com.au"] and lead.phones == ["+61290001234"]


def test_meta_refresh_target_is_read():
    facts = parse_page('<meta http-equiv="Refresh" content="0; URL=\'/en/\'">', SITE)
    assert facts.meta_refresh == "https://www.acme-analytics.com.au/en/"


def test_a_service_offered_is_not_the_company():
    html = """<title>Acme Roofing</title><script type="application/ld+json">
    {"@type":"Service","name":"Roof repair","provider":{"@type":"LocalBusiness","name":"Acme Roofing Co."}}
    </script>"""
    assert lead_of(html).company_name == "Acme Roofing Co."


def test_a_remote_job_reads_national_numbers_by_the_sites_own_evidence():
    html = "<p>Call (09) 555 0123 or +64 9 555 0199</p>"
    assert region_for("Remote", "https://www.widgets.co.nz/") == "NZ"  # the site's ccTLD
    assert region_for("Remote", "https://www.widgets.com/", phone_countries=["+6495550199"]) == "NZ"
    assert region_for("Worldwide", "https://www.widgets.com/", address_country="Deutschland") == "DE"
    assert region_for("Remote", "https://www.widgets.com/") is None
    lead = lead_of(html, geography="Remote", site="https://www.widgets.co.nz/")
    assert sorted(lead.phones) == ["+6495550123", "+6495550199"]
    assert lead_of(html, geography="Remote", site="https://www.widgets.com/").phones == ["+6495550199"]


def test_a_remote_job_takes_the_region_of_the_address_on_the_home_page():
    html = "<footer><p>Registered office: 1 S Church Ave, Suite 1200, Tucson, AZ 85701</p><p>520.867.3190</p>"
    home, region = read_home(html, "https://www.widgets.com/", "Remote")
    assert region == "US"
    assert home.phones == ["+15208673190"]
    assert read_home("<p>520.867.3190</p>", "https://www.widgets.com/", "Remote") == (
        parse_page("<p>520.867.3190</p>", "https://www.widgets.com/"),
        None,
    )


@pytest.mark.timeout(30)  # a hang guard: backtracking patterns took minutes on this page
def test_hostile_markup_reads_without_raising_or_stalling():
    bad_links = '<a href="http://[x/">x</a><link rel="canonical" href="http://[y/"><a href="/contact">c</a>'
    deep_json = '<script type="application/ld+json">' + "[" * 100_000 + "]" * 100_000 + "</script>"
    prose = "<p>Our office is a 5 minute walk " + ". ".join(["Word Word"] * 1200) + "</p>"
    slug = "<p>" + "-".join(["abc"] * 3000) + "straße 12</p>"
    facts = parse_page(bad_links + deep_json + prose + slug, SITE)
    assert [url for url, _ in facts.links] == [f"{SITE}contact"]
