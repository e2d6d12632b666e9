"""Contacts and company facts out of HTML, and one Lead out of the pages of one site.

`parse_page(html, url, ...)` reads one page into `PageFacts`; `build_lead(pages, criteria, ...)`
merges the facts of a site's pages into one `Lead`. Parsing uses selectolax's Lexbor engine: parsing
a 100 KB page, listing its links and taking its text takes it about 70% of lxml's time (1.2 ms
against 1.7 ms in tests/benchmarks/bench_extract.py), and it parses broken markup as browsers do.
extruct would parse every page a second time with lxml for the few fields needed, so JSON-LD and
microdata are read here from the same tree.

Rules, each with a test in tests/scraping/test_extract.py:

- Company name: schema.org Organization / LocalBusiness (JSON-LD, then microdata), else og:site_name,
  else the <title> without "Home |", "Welcome to" and page names, else the legal name in the footer
  ("(c) 2025 Acme Analytics Pty Ltd").
- E-mails: mailto: links, text, entities, `name [at] domain [dot] com` and `name(at)domain.com`,
  Cloudflare `data-cfemail`, JSON-LD and microdata; validated and lowercased. Dropped: asset names
  (logo@2x.png), placeholders (you@example.com), and addresses of organisations credited on the page
  ("Website by Pixel Agency, hello@pixelagency.com.au"); when the site has addresses at its own
  domain, addresses at other domains are someone else's and dropped. The words-only form ("name at domain dot
  com") is taken only for the site's own domain. The site's own domain ranks first.
- Phones: tel: links and text, parsed with the region of the job's geography (else the site's
  country-code TLD), E.164. Numbers labelled fax, and dates, versions, order and tax numbers are not
  phones.
- Socials: canonical profile URLs of LinkedIn company pages, X/Twitter, Facebook, Instagram, YouTube
  and GitHub; share links are not profiles; LinkedIn /in/ profiles are people.
- Address: schema.org PostalAddress (JSON-LD, microdata), else the first address-shaped text
  (street, number and postcode in the Australian, British, American, German or Spanish style).

Confidence, in [0, 1], is the sum of:
  0.25  company name (0.25 from structured data or og:site_name, 0.15 from the title or footer)
  0.25  an e-mail address (0.25 at the site's own domain, 0.10 elsewhere)
  0.20  a phone number
  0.10  a postal address
  0.10  at least one social profile
  0.10  the share of the job's keywords found on the site (the full 0.10 when the job has none)
"""

from __future__ import annotations

import html as htmllib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from selectolax.lexbor import LexborHTMLParser, LexborNode

from scraping.normalize import fold, hostname, registrable_domain
from scraping.types import Criteria, Lead

# --- organisations in structured data --------------------------------------------------------------

_ORG_TYPES = {
    "organization",
    "corporation",
    "localbusiness",
    "professionalservice",
    "ngo",
    "store",
    "restaurant",
    "educationalorganization",
    "governmentorganization",
    "medicalorganization",
    "sportsorganization",
    "newsmediaorganization",
    "onlinebusiness",
    "onlinestore",
    "legalservice",
    "financialservice",
    "accountingservice",
    "attorney",
    "dentist",
    "realestateagent",
    "travelagency",
    "employmentagency",
    "insuranceagency",
    "homeandconstructionbusiness",
    "automotivebusiness",
    "foodestablishment",
    "lodgingbusiness",
    "hotel",
    "medicalbusiness",
    "healthandbeautybusiness",
    "entertainmentbusiness",
    "emergencyservice",
    "airline",
    "consortium",
    "library",
}
# Not "service": schema.org/Service is what a company offers, not the company.
_ORG_SUFFIXES = ("business", "organization", "store", "agency")
# Organisations nested under these keys are someone else (a parent company, a brand, a member).
_FOREIGN_KEYS = {
    "parentorganization",
    "suborganization",
    "memberof",
    "member",
    "brand",
    "sponsor",
    "funder",
    "alumni",
    "founder",
    "employee",
    "review",
    "author",
    "creator",
    "seller",
}


def _is_org_type(value: Any) -> bool:
    types = value if isinstance(value, list) else [value]
    for item in types:
        name = str(item).rsplit("/", 1)[-1].lower()
        if name in _ORG_TYPES or name.endswith(_ORG_SUFFIXES):
            return True
    return False


def _json_ld_blocks(tree: LexborHTMLParser) -> list[Any]:
    blocks = []
    for script in tree.css('script[type="application/ld+json"]'):
        raw = (script.text(deep=True) or "").strip()
        raw = re.sub(r"^\s*(<!--|//\s*<!\[CDATA\[)|(-->|//\s*\]\]>)\s*$", "", raw)
        for attempt in (raw, re.sub(r",\s*([}\]])", r"\1", raw)):
            try:
                blocks.append(json.loads(attempt, strict=False))
                break
            except ValueError:
                continue
    return blocks


def _org_nodes(value: Any, nested: bool = False) -> Iterator[dict[str, Any]]:
    """The organisation objects of a JSON-LD document that describe the site's owner."""
    if isinstance(value, list):
        for item in value:
            yield from _org_nodes(item, nested)
        return
    if not isinstance(value, dict):
        return
    if _is_org_type(value.get("@type")):
        yield value
    for key, child in value.items():
        if key == "@graph" or key.lower() in ("publisher", "provider", "mainentity", "about"):
            yield from _org_nodes(child, nested=True)
        elif key.lower() not in _FOREIGN_KEYS and isinstance(child, (dict, list)) and not nested:
            yield from (node for node in _org_nodes(child, True) if node is not value)


def _text_values(value: Any) -> list[str]:
    if isinstance(value, list):
        return [text for item in value for text in _text_values(item)]
    if isinstance(value, dict):
        return _text_values(value.get("@value") or value.get("name") or "")
    return [str(value).strip()] if value not in (None, "") else []


def format_postal_address(address: Any) -> str:
    """A schema.org PostalAddress (dict) or plain string as one line."""
    if isinstance(address, list):
        address = address[0] if address else ""
    if isinstance(address, str):
        return " ".join(address.split())
    if not isinstance(address, dict):
        return ""
    country = address.get("addressCountry", "")
    if isinstance(country, dict):
        country = country.get("name", "")
    country = _first(country)
    locality, region, postcode = (
        _first(address.get(key)) for key in ("addressLocality", "addressRegion", "postalCode")
    )
    if _REGIONS.get(fold(country)) in _POSTCODE_AFTER_LOCALITY or not country:
        town = [locality, region, postcode]
    else:
        town = [postcode, locality, region]  # "70565 Stuttgart", "28013 Madrid"
    parts = [_first(address.get("streetAddress")), " ".join(part for part in town if part), country]
    return ", ".join(" ".join(part.split()) for part in parts if part)


def _first(value: Any) -> str:
    values = _text_values(value)
    return values[0] if values else ""


# --- e-mail addresses -------------------------------------------------------------------------------

_EMAIL = re.compile(
    r"(?<![\w.+%-])([a-z0-9][a-z0-9._%+-]{0,63}@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
    r"(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*\.[a-z]{2,24})(?![\w-])",
    re.I,
)
_OPEN, _CLOSE = r"[\[\(\{<]", r"[\]\)\}>]"
_BRACKETED = re.compile(
    rf"(?<![\w.+-])([a-z0-9][a-z0-9._%+-]*)\s*{_OPEN}\s*(?:at|@)\s*{_CLOSE}\s*"
    rf"([a-z0-9-]+(?:\s*(?:{_OPEN}\s*(?:dot|punkt|punto|point|\.)\s*{_CLOSE}|\.)\s*[a-z0-9-]+)+)",
    re.I,
)
_WORDS = re.compile(
    r"(?<![\w.+-])([a-z0-9][a-z0-9._%+-]*)\s+at\s+([a-z0-9-]+(?:\s+dot\s+[a-z0-9-]+)+)(?![\w-])", re.I
)
_DOT_TOKEN = re.compile(rf"\s*(?:{_OPEN}\s*(?:dot|punkt|punto|point|\.)\s*{_CLOSE}|\s+dot\s+|\.)\s*", re.I)
_ASSET_SUFFIXES = (
    "png",
    "jpg",
    "jpeg",
    "gif",
    "svg",
    "webp",
    "avif",
    "ico",
    "bmp",
    "tif",
    "tiff",
    "css",
    "js",
    "mjs",
    "json",
    "xml",
    "pdf",
    "woff",
    "woff2",
    "ttf",
    "mp4",
    "webm",
    "zip",
)
_PLACEHOLDER_DOMAINS = {
    "example.com",
    "example.org",
    "example.net",
    "example.edu",
    "domain.com",
    "yourdomain.com",
    "yourcompany.com",
    "company.com",
    "email.com",
    "mysite.com",
    "yoursite.com",
    "website.com",
    "mydomain.com",
    "sentry.io",
    "sentry-next.wixpress.com",
    "sentry.wixpress.com",
    "test.com",
}
_PLACEHOLDER_LOCALS = {
    "you",
    "your",
    "yourname",
    "your.name",
    "name",
    "email",
    "user",
    "username",
    "someone",
    "firstname",
    "firstname.lastname",
    "first.last",
    "john.doe",
    "jane.doe",
    "johndoe",
    "janedoe",
    "example",
    "test",
    "youremail",
    "your.email",
    "ihre.email",
    "tu.correo",
    "max.mustermann",
}
_ROLE_LOCALS = (
    "info",
    "contact",
    "hello",
    "office",
    "sales",
    "enquiries",
    "inquiries",
    "kontakt",
    "mail",
    "team",
    "hola",
    "contacto",
    "admin",
    "support",
)
_CREDIT = re.compile(
    r"\b(?:web\s*site|web\s*design|site|design(?:ed)?|developed|built|made|crafted|created|powered|"
    r"hosted|webdesign|realisiert|umgesetzt|gestaltet|dise[nñ]ad[oa]|desarrollad[oa]|"
    r"dise[nñ]o\s+web|sitio\s+web)\s+(?:and\s+\w+\s+)?(?:by|von|durch|por)\b",
    re.I,
)


def _clean_email(raw: str) -> str | None:
    address = unquote(raw).strip().strip(".,;:").lower()
    address = address.removeprefix("mailto:").split("?", 1)[0]
    if address.count("@") != 1:
        return None
    local, domain = address.split("@")
    if domain.rsplit(".", 1)[-1] in _ASSET_SUFFIXES or re.search(r"@\d+x\.", address):
        return None
    if domain in _PLACEHOLDER_DOMAINS or domain.endswith((".example.com", ".wixpress.com")):
        return None
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return None
    return address


def decode_cfemail(encoded: str) -> str:
    """Cloudflare e-mail protection: the first byte is the key, every other byte XOR key is a character."""
    try:
        data = bytes.fromhex(encoded.strip())
    except ValueError:
        return ""
    if len(data) < 2:
        return ""
    key = data[0]
    return bytes(byte ^ key for byte in data[1:]).decode("utf-8", "replace")


# --- phones -----------------------------------------------------------------------------------------

_FAX_LABEL = re.compile(r"\b(fax|telefax|facsimile|fac[- ]?simil)\b", re.I)
_PHONE_LABEL = re.compile(
    r"\b(phone|tel|telephone|telefon|teléfono|telefono|tlf|mobile|mobil|móvil|movil|"
    r"call|ph|hotline|whatsapp|fon)\b",
    re.I,
)
_NOT_PHONE_LABEL = re.compile(
    r"\b(abn|acn|vat|ust|ust-?id(?:nr)?|uid|cif|nif|gst|ein|tax|steuer(?:nummer)?|hrb|hra|registro|"
    r"reg(?:istration)?|company\s+no|order|invoice|ref|version|build|release|isbn|iban|bic|swift|"
    r"account|konto|blz|kvk|siret|siren|handelsregister|amtsgericht|postcode|zip)\b\W*(?:no\.?|nr\.?|"
    r"number|n[ºo°])?\W*\Z",
    re.I,
)
_DATE = re.compile(r"^\s*(\d{1,4}[./-]\d{1,2}[./-]\d{1,4}|\d{4}\s*[-–]\s*\d{4})\s*$")


@dataclass
class _PhoneHit:
    e164: str
    fax: bool


def _label_before(text: str, start: int) -> str:
    """The nearest label in the few characters before a number: "fax", "phone", "other" or ""."""
    window = text[max(0, start - 32) : start]
    candidates = []
    for kind, pattern in (("fax", _FAX_LABEL), ("phone", _PHONE_LABEL)):
        for match in pattern.finditer(window):
            candidates.append((match.end(), kind))
    if _NOT_PHONE_LABEL.search(window):
        candidates.append((len(window), "other"))
    return max(candidates)[1] if candidates else ""


def _phones_in_text(text: str, region: str | None) -> list[_PhoneHit]:
    hits = []
    for match in phonenumbers.PhoneNumberMatcher(text, region or "ZZ"):
        raw = match.raw_string
        digits = re.sub(r"\D", "", raw)
        if len(digits) < 8 or _DATE.match(raw):
            continue
        before = text[max(0, match.start - 2) : match.start]
        # "v2.10.4", "#100234567", "no. 12345678": numbers glued to a letter or sign are identifiers.
        if re.search(r"[A-Za-z#/]\Z|[.,]\d\Z", before):
            continue
        label = _label_before(text, match.start)
        if label == "other":
            continue
        hits.append(_PhoneHit(_e164(match.number), fax=label == "fax"))
    return hits


def _e164(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def parse_phone(raw: str, region: str | None) -> str | None:
    """One phone number as E.164, or None when it is not a valid number."""
    raw = unquote(raw).strip()
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    return _e164(number) if phonenumbers.is_valid_number(number) else None


# --- regions ----------------------------------------------------------------------------------------

# Geography words -> ISO 3166 region for phone parsing. Countries by English and local name, their
# usual abbreviations, and cities that name no country ("Sydney" alone means Australia here).
_REGIONS = {
    "australia": "AU",
    "au": "AU",
    "sydney": "AU",
    "melbourne": "AU",
    "brisbane": "AU",
    "perth": "AU",
    "adelaide": "AU",
    "canberra": "AU",
    "nsw": "AU",
    "victoria": "AU",
    "queensland": "AU",
    "new zealand": "NZ",
    "nz": "NZ",
    "auckland": "NZ",
    "wellington": "NZ",
    "united kingdom": "GB",
    "uk": "GB",
    "gb": "GB",
    "great britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "london": "GB",
    "manchester": "GB",
    "edinburgh": "GB",
    "birmingham": "GB",
    "bristol": "GB",
    "glasgow": "GB",
    "leeds": "GB",
    "ireland": "IE",
    "dublin": "IE",
    "united states": "US",
    "usa": "US",
    "us": "US",
    "u.s.": "US",
    "america": "US",
    "new york": "US",
    "san francisco": "US",
    "los angeles": "US",
    "chicago": "US",
    "boston": "US",
    "seattle": "US",
    "austin": "US",
    "california": "US",
    "texas": "US",
    "canada": "CA",
    "toronto": "CA",
    "vancouver": "CA",
    "montreal": "CA",
    "germany": "DE",
    "deutschland": "DE",
    "de": "DE",
    "berlin": "DE",
    "munich": "DE",
    "munchen": "DE",
    "hamburg": "DE",
    "frankfurt": "DE",
    "koln": "DE",
    "cologne": "DE",
    "stuttgart": "DE",
    "austria": "AT",
    "osterreich": "AT",
    "vienna": "AT",
    "wien": "AT",
    "switzerland": "CH",
    "schweiz": "CH",
    "suisse": "CH",
    "zurich": "CH",
    "geneva": "CH",
    "bern": "CH",
    "spain": "ES",
    "espana": "ES",
    "es": "ES",
    "madrid": "ES",
    "barcelona": "ES",
    "valencia": "ES",
    "sevilla": "ES",
    "seville": "ES",
    "bilbao": "ES",
    "france": "FR",
    "fr": "FR",
    "paris": "FR",
    "lyon": "FR",
    "marseille": "FR",
    "italy": "IT",
    "italia": "IT",
    "rome": "IT",
    "roma": "IT",
    "milan": "IT",
    "milano": "IT",
    "netherlands": "NL",
    "nederland": "NL",
    "holland": "NL",
    "amsterdam": "NL",
    "rotterdam": "NL",
    "belgium": "BE",
    "brussels": "BE",
    "portugal": "PT",
    "lisbon": "PT",
    "lisboa": "PT",
    "sweden": "SE",
    "stockholm": "SE",
    "norway": "NO",
    "oslo": "NO",
    "denmark": "DK",
    "copenhagen": "DK",
    "finland": "FI",
    "helsinki": "FI",
    "poland": "PL",
    "warsaw": "PL",
    "mexico": "MX",
    "ciudad de mexico": "MX",
    "argentina": "AR",
    "buenos aires": "AR",
    "chile": "CL",
    "santiago": "CL",
    "colombia": "CO",
    "bogota": "CO",
    "peru": "PE",
    "lima": "PE",
    "brazil": "BR",
    "brasil": "BR",
    "sao paulo": "BR",
    "india": "IN",
    "mumbai": "IN",
    "bangalore": "IN",
    "singapore": "SG",
    "japan": "JP",
    "tokyo": "JP",
    "south africa": "ZA",
    "cape town": "ZA",
    "johannesburg": "ZA",
    "united arab emirates": "AE",
    "uae": "AE",
    "dubai": "AE",
}


# Countries that write the postcode after the town; most others write it before ("70565 Stuttgart").
_POSTCODE_AFTER_LOCALITY = {"AU", "US", "CA", "GB", "NZ", "IE", "IN", "SG", "BR", "JP"}


def region_for(geography: str, website: str = "") -> str | None:
    """The phone region of a job's geography ("Sydney, Australia" -> "AU"), else of the site's TLD."""
    parts = [part.strip() for part in re.split(r"[,;/()]", fold(geography)) if part.strip()]
    for part in reversed(parts):
        if part in _REGIONS:
            return _REGIONS[part]
        for word in reversed(re.findall(r"[a-z.]+(?: [a-z]+)?", part)):
            if word in _REGIONS:
                return _REGIONS[word]
        if len(part) == 2 and part.upper() in phonenumbers.SUPPORTED_REGIONS:
            return part.upper()
    tld = hostname(website).rsplit(".", 1)[-1].upper() if website else ""
    if tld == "UK":
        return "GB"
    return tld if tld in phonenumbers.SUPPORTED_REGIONS else None


# --- socials ----------------------------------------------------------------------------------------

_SHARE_PATHS = re.compile(
    r"^/(sharer|share|sharearticle|intent|dialog|plugins|home|search|hashtag|i|login|signup|"
    r"watch|embed|results|shorts|p|reel|reels|explore|tr|events|groups|marketplace|legal|about|"
    r"privacy|policies|help|settings|feed|jobs|notifications|messages|sharing|permalink\.php|"
    r"orgs|features|topics|sponsors|pricing|enterprise|site)(?:[/.?]|$)",
    re.I,
)


def social_profile(url: str) -> tuple[str, str] | None:
    """(network, canonical profile URL) for a social link; ("person", url) for a LinkedIn /in/ page."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    host = (parts.hostname or "").lower().removeprefix("www.").removeprefix("m.").removeprefix("mobile.")
    path = re.sub(r"/{2,}", "/", unquote(parts.path)).rstrip("/")
    segments = [segment for segment in path.split("/") if segment]
    if not segments:
        return None
    # Country subdomains (au.linkedin.com) are LinkedIn; notlinkedin.com is not.
    if host == "linkedin.com" or host.endswith(".linkedin.com"):
        if len(segments) >= 2 and segments[0] in ("company", "school", "showcase"):
            return "linkedin", f"https://www.linkedin.com/{segments[0]}/{segments[1].lower()}"
        if len(segments) >= 2 and segments[0] == "in":
            return "person", f"https://www.linkedin.com/in/{segments[1].lower()}"
        return None
    if _SHARE_PATHS.match(path):
        return None
    handle = segments[0]
    if host in ("twitter.com", "x.com"):
        if re.fullmatch(r"[A-Za-z0-9_]{1,15}", handle):
            return "twitter", f"https://x.com/{handle.lower()}"
    elif host in ("facebook.com", "fb.com"):
        if handle == "profile.php":
            return None
        if re.fullmatch(r"[A-Za-z0-9.\-]{2,80}", handle) and not handle.endswith(".php"):
            return "facebook", f"https://www.facebook.com/{handle.lower()}"
    elif host == "instagram.com":
        if re.fullmatch(r"[A-Za-z0-9._]{1,30}", handle):
            return "instagram", f"https://www.instagram.com/{handle.lower()}"
    elif host == "youtube.com":
        if handle in ("channel", "c", "user") and len(segments) >= 2:
            return "youtube", f"https://www.youtube.com/{handle}/{segments[1]}"
        if handle.startswith("@"):
            return "youtube", f"https://www.youtube.com/{handle.lower()}"
    elif host == "github.com":
        if re.fullmatch(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})", handle):
            return "github", f"https://github.com/{handle.lower()}"
    return None


# --- addresses --------------------------------------------------------------------------------------

_STREET_WORDS = (
    r"street|st|road|rd|avenue|ave|lane|ln|drive|dr|boulevard|blvd|place|pl|parade|pde|"
    r"terrace|tce|way|court|ct|highway|hwy|square|sq|crescent|cres|close|row|walk|wharf|quay"
)
_ADDRESS_PATTERNS = [
    # 12 George Street, Level 3, Sydney NSW 2000 / 1 Main St, London EC1A 1BB / 500 Main St, Austin, TX 78701
    re.compile(
        rf"\b(?:(?:level|suite|unit|floor)\s+\d+[a-z]?,?\s+)?\d+[a-z]?(?:[-–]\d+)?\s+"
        rf"(?:[A-Z][\w'.-]*\s+){{1,4}}(?:{_STREET_WORDS})\b\.?"
        rf"(?:,?\s+[A-Z][\w'.-]*(?:\s+[A-Z][\w'.-]*)*){{1,3}},?\s+"
        rf"(?:[A-Z]{{2,3}}\s+\d{{4,5}}|\d{{4,5}}|[A-Z]{{1,2}}\d[A-Z\d]?\s*\d[A-Z]{{2}})\b"
        rf"(?:,?\s+(?:Australia|United Kingdom|UK|USA|United States|New Zealand|Canada|Ireland))?",
        re.I,
    ),
    # Musterstraße 12, 10115 Berlin / Mariahilfer Straße 45 · 1060 Wien / Calle Mayor 5, 2º, 28013 Madrid
    re.compile(
        r"\b(?:(?:[A-ZÄÖÜ][\wäöüß.-]*\s+){0,2}[A-ZÄÖÜ]?[\wäöüß-]*"
        r"(?i:stra(?:ß|ss)e|str\.|weg|platz|allee|gasse|ring|damm|ufer|chaussee)"
        r"|(?:Calle|C/|Avenida|Avda\.?|Av\.|Paseo|Plaza|Carrer|Rambla|Camino|Ronda|Rua|Via|Viale|Rue)"
        r"\s+(?:(?:de|del|la|los|las|da|do|di)\s+)*"
        r"[A-ZÁÉÍÓÚÑ][\wáéíóúñ.-]*(?:\s+[A-ZÁÉÍÓÚÑ][\wáéíóúñ.-]*)*)"
        r"\s+\d+[a-z]?(?:[-–/]\d+)?(?:,\s*[\wº°ª. ]{1,12}?)?\s*[,·|•]?\s+"
        r"\d{4,5}\s+[A-ZÄÖÜÁÉÍÓÚ][\wäöüßáéíóúñ-]+(?:\s+(?:am|an der|de)\s+[A-ZÄÖÜÁÉÍÓÚ][\wäöüß-]+)?"
        r"(?:,?\s+(?:Deutschland|Germany|España|Spain|Österreich|Austria|Schweiz|Switzerland))?"
    ),
]


def find_address(text: str) -> str:
    """The first address-shaped stretch of text, on one line."""
    flat = " ".join(text.split())
    for pattern in _ADDRESS_PATTERNS:
        match = pattern.search(flat)
        if match:
            return re.sub(r"\s*[·|•]\s*", ", ", match.group(0)).strip(" ,")
    return ""


# --- names ------------------------------------------------------------------------------------------

_TITLE_SEPARATORS = re.compile(r"\s+[|\-–—:·•»]\s+|\s*\|\s*|\s+::\s+")
_GENERIC_TITLE = re.compile(
    r"^(home|homepage|home page|welcome|start|startseite|inicio|accueil|contact(?: us)?|about(?: us)?|"
    r"kontakt|impressum|contacto|sobre nosotros|quiénes somos|quienes somos|team|our team|"
    r"official (?:web)?site|index)$",
    re.I,
)
_WELCOME = re.compile(r"^(welcome to|willkommen bei|bienvenidos? a|bienvenue chez)\s+", re.I)
_LEGAL_FORMS = (
    r"Pty\.?\s+Ltd\.?|Pty\.?\s+Limited|Ltd\.?|Limited|LLC|L\.L\.C\.|Inc\.?|Incorporated|Corp\.?|"
    r"Corporation|GmbH(?:\s+&\s+Co\.\s+KG)?|AG|KG|UG(?:\s+\(haftungsbeschränkt\))?|e\.K\.|"
    r"S\.L\.U?\.?|SL|S\.A\.|SA|S\.R\.L\.|SRL|B\.V\.|BV|N\.V\.|PLC|plc|LLP|SAS|S\.A\.S\."
)
_FOOTER_NAME = re.compile(
    rf"(?:©|\(c\)|&copy;|copyright)\s*(?:©\s*)?(?:\d{{4}}(?:\s*[-–]\s*\d{{4}})?\s*)?,?\s*"
    rf"((?:[A-Z0-9ÄÖÜÁÉÍÓÚÑ][\w&'.,äöüßáéíóúñ-]*\s+){{0,5}}?(?:{_LEGAL_FORMS}))(?![\w])",
    re.I,
)


def clean_title(title: str) -> str:
    """ "Home | Acme Analytics" -> "Acme Analytics"; "Welcome to Acme" -> "Acme"."""
    title = " ".join(htmllib.unescape(title).split())
    parts = [_WELCOME.sub("", part).strip() for part in _TITLE_SEPARATORS.split(title)]
    parts = [part for part in parts if part and not _GENERIC_TITLE.match(part)]
    if not parts:
        return ""
    # The brand is usually the shortest part ("Contact our team today | Acme"), the page name the longer.
    return min(parts, key=len) if len(parts) > 1 else parts[0]


def footer_name(text: str) -> str:
    matches = list(_FOOTER_NAME.finditer(text))
    if not matches:
        return ""
    name = matches[-1].group(1)
    name = re.sub(r"^(all rights reserved\.?|by)\s+", "", name.strip(), flags=re.I)
    return " ".join(name.split()).strip(" ,")


# --- one page ---------------------------------------------------------------------------------------


@dataclass
class EmailHit:
    address: str
    how: str  # mailto, text, obfuscated, cfemail, structured
    credited: bool = False  # inside a "website by ..." credit


@dataclass
class PageFacts:
    """What one page says about the company behind the site."""

    url: str
    title: str = ""
    structured_name: str = ""  # JSON-LD or microdata organisation name
    og_site_name: str = ""
    footer_name: str = ""
    description: str = ""
    canonical: str = ""
    structured_urls: list[str] = field(default_factory=list)
    emails: list[EmailHit] = field(default_factory=list)
    words_emails: list[str] = field(default_factory=list)  # "name at domain dot com": own domain only
    credited_domains: set[str] = field(default_factory=set)
    # Profiles linked near a "website by" credit: the agency's, unless named like the site.
    credited_socials: list[tuple[str, str]] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    faxes: set[str] = field(default_factory=set)
    socials: dict[str, str] = field(default_factory=dict)
    people: list[str] = field(default_factory=list)
    structured_address: str = ""
    text_address: str = ""
    locality: str = ""
    country: str = ""
    text: str = ""
    links: list[tuple[str, str]] = field(default_factory=list)  # (absolute URL, link text)
    meta_refresh: str = ""


def parse_page(html: str, url: str, region: str | None = None) -> PageFacts:
    """Read one HTML page. Tolerates broken markup; never raises on content."""
    tree = LexborHTMLParser(html)
    facts = PageFacts(url=url)
    _read_head(tree, facts)
    for block in _json_ld_blocks(tree):
        _read_json_ld(block, facts, region)
    _read_microdata(tree, facts, region)
    tree.strip_tags(["script", "style", "noscript", "template", "svg"])
    body = tree.body or tree.root
    facts.text = body.text(separator="\n") if body is not None else ""
    _read_links(tree, facts, region)
    _read_text(facts, region)
    return facts


def _read_head(tree: LexborHTMLParser, facts: PageFacts) -> None:
    title = tree.css_first("title")
    facts.title = title.text() if title is not None else ""
    for meta in tree.css("meta"):
        attrs = meta.attributes
        key = (attrs.get("property") or attrs.get("name") or "").lower()
        content = (attrs.get("content") or "").strip()
        equiv = (attrs.get("http-equiv") or "").lower()
        if equiv == "refresh":
            match = re.search(r"url\s*=\s*['\"]?([^'\";]+)", content, re.I)
            if match:
                facts.meta_refresh = urljoin(facts.url, match.group(1).strip())
        elif key == "og:site_name" and content:
            facts.og_site_name = content
        elif key in ("description", "og:description") and content and not facts.description:
            facts.description = " ".join(content.split())
        elif key == "og:url" and content:
            facts.structured_urls.append(content)
    for link in tree.css("link[rel][href]"):
        if "canonical" in (link.attributes.get("rel") or "").lower().split():
            facts.canonical = urljoin(facts.url, link.attributes.get("href") or "")


def _read_json_ld(block: Any, facts: PageFacts, region: str | None) -> None:
    for org in _org_nodes(block):
        name = _first(org.get("name")) or _first(org.get("legalName"))
        if name and not facts.structured_name:
            facts.structured_name = " ".join(htmllib.unescape(name).split())
        _add_org_contacts(org, facts, region)
        for point in (
            org.get("contactPoint", [])
            if isinstance(org.get("contactPoint"), list)
            else [org.get("contactPoint")]
            if isinstance(org.get("contactPoint"), dict)
            else []
        ):
            _add_org_contacts(point, facts, region)
        for key in ("url", "@id"):
            value = _first(org.get(key))
            if value.startswith("http"):
                facts.structured_urls.append(value)
        for same_as in _text_values(org.get("sameAs")):
            profile = social_profile(same_as)
            if profile and profile[0] != "person":
                facts.socials.setdefault(*profile)
        if not facts.description:
            facts.description = " ".join(_first(org.get("description")).split())


def _add_org_contacts(node: dict[str, Any], facts: PageFacts, region: str | None) -> None:
    for email in _text_values(node.get("email")):
        cleaned = _clean_email(email)
        if cleaned:
            facts.emails.append(EmailHit(cleaned, "structured"))
    for phone in _text_values(node.get("telephone")):
        number = parse_phone(phone, region)
        if number:
            facts.phones.append(number)
    for fax in _text_values(node.get("faxNumber")):
        number = parse_phone(fax, region)
        if number:
            facts.faxes.add(number)
    address = node.get("address")
    if address and not facts.structured_address:
        facts.structured_address = format_postal_address(address)
        if isinstance(address, dict):
            facts.locality = _first(address.get("addressLocality"))
            country = address.get("addressCountry")
            facts.country = _first(country.get("name") if isinstance(country, dict) else country)


def _read_microdata(tree: LexborHTMLParser, facts: PageFacts, region: str | None) -> None:
    for scope in tree.css("[itemscope][itemtype]"):
        if not _is_org_type(scope.attributes.get("itemtype") or ""):
            continue
        props = _item_props(scope)
        org: dict[str, Any] = {
            key: props[key]
            for key in ("name", "legalName", "email", "telephone", "faxNumber")
            if key in props
        }
        address_node = next(
            (node for node in scope.css('[itemprop="address"]') if _owner_scope(node) == scope), None
        )
        if address_node is not None:
            org["address"] = (
                _item_props(address_node)
                if "itemscope" in address_node.attributes
                else address_node.text(separator=" ")
            )
        name = _first(org.get("name")) or _first(org.get("legalName"))
        if name and not facts.structured_name:
            facts.structured_name = " ".join(name.split())
        _add_org_contacts(org, facts, region)


def _owner_scope(node: LexborNode) -> LexborNode | None:
    parent = node.parent
    while parent is not None and "itemscope" not in (parent.attributes or {}):
        parent = parent.parent
    return parent


def _item_props(scope: LexborNode) -> dict[str, list[str]]:
    props: dict[str, list[str]] = {}
    for node in scope.css("[itemprop]"):
        if _owner_scope(node) != scope:
            continue
        attrs = node.attributes
        value = attrs.get("content") or attrs.get("href") or node.text(separator=" ")
        if node.tag == "a" and (attrs.get("href") or "").startswith(("mailto:", "tel:")):
            value = (attrs.get("href") or "").split(":", 1)[1]
        for name in (attrs.get("itemprop") or "").split():
            props.setdefault(name, []).append(" ".join((value or "").split()))
    return props


def _read_links(tree: LexborHTMLParser, facts: PageFacts, region: str | None) -> None:
    for element in tree.css("[data-cfemail]"):
        address = _clean_email(decode_cfemail(element.attributes.get("data-cfemail") or ""))
        if address:
            facts.emails.append(EmailHit(address, "cfemail", _in_credit(element)))
    for anchor in tree.css("a[href]"):
        href = (anchor.attributes.get("href") or "").strip()
        lowered = href.lower()
        credited = _in_credit(anchor)
        if lowered.startswith("mailto:"):
            for part in unquote(href[7:].split("?", 1)[0]).split(","):
                address = _clean_email(part)
                if address:
                    facts.emails.append(EmailHit(address, "mailto", credited))
            continue
        if lowered.startswith(("tel:", "callto:")):
            number = parse_phone(href.split(":", 1)[1], region)
            if number and _anchor_label(anchor) == "fax":
                facts.faxes.add(number)
            elif number:
                facts.phones.append(number)
            continue
        if "/cdn-cgi/l/email-protection#" in lowered:
            address = _clean_email(decode_cfemail(href.rsplit("#", 1)[1]))
            if address:
                facts.emails.append(EmailHit(address, "cfemail", credited))
            continue
        absolute = urljoin(facts.url, href)
        if not absolute.startswith(("http://", "https://")):
            continue
        profile = social_profile(absolute)
        if credited:
            if profile is not None and profile[0] != "person":
                facts.credited_socials.append(profile)
            else:
                facts.credited_domains.add(registrable_domain(absolute))
            continue
        if profile is None:
            facts.links.append((absolute.split("#", 1)[0], " ".join(anchor.text(separator=" ").split())))
        elif profile[0] == "person":
            if profile[1] not in facts.people:
                facts.people.append(profile[1])
        else:
            facts.socials.setdefault(*profile)


def _anchor_label(anchor: LexborNode) -> str:
    before = []
    node = anchor.prev
    while node is not None and sum(map(len, before)) < 40:
        before.insert(0, node.text(separator=" ") or "")
        node = node.prev
    text = " ".join(before) + " " + (anchor.text() or "") + " "
    label = _label_before(text, len(text))
    if label == "fax" or _FAX_LABEL.search(anchor.text() or ""):
        return "fax"
    if label == "" and anchor.parent is not None:
        parent_text = anchor.parent.text(separator=" ")[:200]
        index = parent_text.find(anchor.text() or "\0")
        if index > 0:
            return _label_before(parent_text, index)
    return label


def _in_credit(node: LexborNode) -> bool:
    """Whether a link sits in a "website by ..." credit: its own text or the words just before it."""
    parent = node.parent
    text = node.text(separator=" ") or ""
    if parent is not None:
        parent_text = parent.text(separator=" ")
        if len(parent_text) < 300:
            index = parent_text.find(text) if text else -1
            text = parent_text[: index + len(text)] if index >= 0 else parent_text
    return bool(_CREDIT.search(text[-160:]))


def _read_text(facts: PageFacts, region: str | None) -> None:
    text = facts.text
    flat = " ".join(text.split())
    credit_windows = [flat[match.start() : match.end() + 120] for match in _CREDIT.finditer(flat)]
    for window in credit_windows:
        for match in _EMAIL.finditer(window):
            facts.credited_domains.add(match.group(1).split("@", 1)[1].lower())
        for match in re.finditer(r"\b((?:[a-z0-9-]+\.)+[a-z]{2,})\b", window, re.I):
            if "@" not in window[max(0, match.start() - 1) : match.start()]:
                facts.credited_domains.add(registrable_domain(match.group(1)))
    for match in _EMAIL.finditer(flat):
        address = _clean_email(match.group(1))
        if address:
            facts.emails.append(EmailHit(address, "text"))
    for match in _BRACKETED.finditer(flat):
        domain = _DOT_TOKEN.sub(".", match.group(2))
        address = _clean_email(f"{match.group(1)}@{domain}")
        if address:
            facts.emails.append(EmailHit(address, "obfuscated"))
    for match in _WORDS.finditer(flat):
        domain = re.sub(r"\s+dot\s+", ".", match.group(2), flags=re.I)
        address = _clean_email(f"{match.group(1)}@{domain}")
        if address:
            facts.words_emails.append(address)
    for hit in _phones_in_text(text, region):
        if hit.fax:
            facts.faxes.add(hit.e164)
        else:
            facts.phones.append(hit.e164)
    facts.footer_name = footer_name(flat)
    facts.text_address = find_address(text)


# --- one site ---------------------------------------------------------------------------------------


def own_domains(pages: Iterable[PageFacts], website: str) -> set[str]:
    """The registrable domains the site calls its own: where it is served, its canonical and og:url."""
    domains = {registrable_domain(website)} if website else set()
    for page in pages:
        for url in [page.canonical, *page.structured_urls]:
            if url:
                domains.add(registrable_domain(url))
    domains.discard("")
    return domains


def rank_emails(addresses: Iterable[str], domains: set[str]) -> list[str]:
    """Own domain first, role addresses (info@, contact@ ...) first within it, then page order."""
    ordered = list(dict.fromkeys(addresses))

    def key(item: tuple[int, str]) -> tuple[int, int, int]:
        index, address = item
        local, domain = address.split("@", 1)
        own = registrable_domain(domain) in domains or domain in domains
        role = local.split(".")[0] in _ROLE_LOCALS
        return (0 if own else 1, 0 if role else 1, index)

    return [address for _, address in sorted(enumerate(ordered), key=key)]


def site_emails(pages: list[PageFacts], domains: set[str]) -> list[str]:
    credited = set().union(*(page.credited_domains for page in pages)) - domains
    found = []
    for page in pages:
        for hit in page.emails:
            local, domain = hit.address.split("@", 1)
            own = registrable_domain(domain) in domains
            # "you@..." or "name@..." at another domain is a form's example text, not a contact.
            if local in _PLACEHOLDER_LOCALS and not own:
                continue
            if hit.credited or domain in credited or registrable_domain(domain) in credited:
                if not own:
                    continue
            found.append(hit.address)
        for address in page.words_emails:
            if registrable_domain(address.split("@", 1)[1]) in domains:
                found.append(address)
    own = [address for address in found if registrable_domain(address.split("@", 1)[1]) in domains]
    # A site with addresses of its own names others' (partners, vendors, associations) only in passing.
    return rank_emails(own or found, domains)


def site_name(pages: list[PageFacts]) -> tuple[str, bool]:
    """(company name, whether it came from structured data or og:site_name)."""
    for attribute in ("structured_name", "og_site_name"):
        for page in pages:
            value = getattr(page, attribute)
            if value:
                return value, True
    for page in pages[:1]:
        title = clean_title(page.title)
        if title:
            return title, False
    for page in pages:
        if page.footer_name:
            return page.footer_name, False
    return "", False


def matched_keywords(keywords: Iterable[str], texts: Iterable[str]) -> list[str]:
    """The keywords found as whole words, ignoring case and accents."""
    haystack = fold(" ".join(texts))
    found = []
    for keyword in keywords:
        folded = fold(keyword)
        if folded and re.search(rf"(?<!\w){re.escape(folded)}(?!\w)", haystack):
            found.append(keyword)
    return found


def build_lead(pages: list[PageFacts], criteria: Criteria, website: str, *, source: str = "website") -> Lead:
    """Merge the facts of one site's pages (homepage first) into one lead."""
    domains = own_domains(pages, website)
    name, structured = site_name(pages)
    emails = site_emails(pages, domains)
    faxes = set().union(*(page.faxes for page in pages))
    found_phones = dict.fromkeys(phone for page in pages for phone in page.phones)
    phones = [phone for phone in found_phones if phone not in faxes]
    socials: dict[str, str] = {}
    people: list[str] = []
    credited = set().union(*(page.credited_domains for page in pages))
    for page in pages:
        for network, url in page.socials.items():
            socials.setdefault(network, url)
        for network, url in page.credited_socials:
            if _named_like(url, domains):
                socials.setdefault(network, url)
        people.extend(person for person in page.people if person not in people)
    address, locality, country = _site_address(pages)
    location = ", ".join(part for part in (locality, country) if part) or criteria.geography
    keywords = matched_keywords(
        criteria.keywords, [name] + [page.description for page in pages[:1]] + [page.text for page in pages]
    )
    lead = Lead(
        source=source,
        company_name=name,
        website=website,
        industry=criteria.industry,
        location=location,
        address=address,
        description=next((page.description for page in pages if page.description), ""),
        email=emails[0] if emails else "",
        phone=phones[0] if phones else "",
        source_url=_source_url(pages, emails, phones, website),
        emails=emails,
        phones=phones,
        socials=socials,
        people=people,
        matched_keywords=keywords,
    )
    lead.confidence = confidence(lead, structured, domains, len(criteria.keywords))
    if credited:
        lead.extra["credited_domains"] = sorted(credited - domains)
    return lead


def _named_like(profile_url: str, domains: set[str]) -> bool:
    """Whether a profile's handle carries a word of the site's domain ("northwind" of northwind-logistics)."""
    handle = re.sub(r"[^a-z0-9]", "", profile_url.rstrip("/").rsplit("/", 1)[-1].lower())
    words = {
        word for domain in domains for word in re.split(r"[^a-z0-9]+", domain.split(".")[0]) if len(word) >= 4
    }
    return any(word in handle for word in words)


def _site_address(pages: list[PageFacts]) -> tuple[str, str, str]:
    for page in pages:
        if page.structured_address:
            return page.structured_address, page.locality, page.country
    for page in pages:
        if page.text_address:
            return page.text_address, "", ""
    return "", "", ""


def _source_url(pages: list[PageFacts], emails: list[str], phones: list[str], website: str) -> str:
    best_email = emails[0] if emails else ""
    for page in pages:
        found_here = {hit.address for hit in page.emails} | set(page.words_emails)
        if best_email in found_here:
            return page.url
    for page in pages:
        if phones and phones[0] in page.phones:
            return page.url
    return website


def confidence(lead: Lead, structured_name: bool, domains: set[str], keyword_count: int) -> float:
    """The score documented in the module docstring."""
    score = 0.0
    if lead.company_name:
        score += 0.25 if structured_name else 0.15
    if lead.email:
        own = registrable_domain(lead.email.split("@", 1)[1]) in domains
        score += 0.25 if own else 0.10
    score += 0.20 if lead.phone else 0.0
    score += 0.10 if lead.address else 0.0
    score += 0.10 if lead.socials else 0.0
    score += 0.10 * (len(lead.matched_keywords) / keyword_count if keyword_count else 1.0)
    return round(min(1.0, score), 3)
