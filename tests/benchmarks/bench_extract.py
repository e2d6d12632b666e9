"""Extraction quality on two fixture corpora: a fair regex baseline against scraping.extract.

    python tests/benchmarks/bench_extract.py [--quick]

Two corpora, reported apart:
- tuning: tests/scraping/fixtures/sites/ - the sites the extraction rules were written or fixed against:
  the first nine, and every site that was once held out and whose failures were then looked at;
- held-out: tests/scraping/fixtures/sites_heldout/ - sites written from what real company sites do, by
  people who had not read the extractor, scored before any rule was changed for them. When a rule is
  changed because a held-out site failed, that site moves to the tuning set and a new unseen batch
  takes its place, so the held-out figure stays out of sample.

Every site with a truth.json is read offline (its HTML files, minus the paths robots.txt keeps the
crawler from), once by a baseline of regular expressions over the raw HTML (a naive but fair scraper:
it takes og:site_name or the brand part of the title for the name) and once by `extract.build_lead`.
Printed per corpus: precision, recall and F1 per field (name, emails, phones, socials, address, people)
for both, and the count of trap values (placeholders, agency and customer addresses, fax and tax
numbers, share links ...) each reported; then the speed of our extractor and the parse speed of
selectolax against lxml that chose the parser. The last line is the same as one JSON object. Not a
pytest test: figures, not pass/fail. Page discovery (sitemaps, redirects) is the website source's and
is tested against these same sites served on 127.0.0.1 in tests/scraping.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import phonenumbers  # noqa: E402

from scraping.extract import build_lead, parse_page, read_home, region_for, social_profile  # noqa: E402
from scraping.http import decode_body  # noqa: E402
from scraping.normalize import company_key, fold  # noqa: E402
from scraping.types import Criteria  # noqa: E402

FIXTURES = ROOT / "tests" / "scraping" / "fixtures"
CORPORA = {"tuning": FIXTURES / "sites", "held-out": FIXTURES / "sites_heldout"}
FIELDS = ("name", "emails", "phones", "socials", "address", "people")


@dataclass
class Site:
    host: str
    truth: dict[str, Any]
    pages: list[tuple[str, str]]  # (URL, HTML), homepage first


def load_corpus(root: Path) -> list[Site]:
    sites = []
    if not root.is_dir():
        return sites
    for directory in sorted(path for path in root.iterdir() if (path / "truth.json").exists()):
        truth = json.loads((directory / "truth.json").read_text())
        pages = []
        home = directory / truth.get("start", "/").strip("/") / "index.html"
        files = sorted(
            (*directory.rglob("*.html"), *directory.rglob("*.htm")),
            key=lambda path: (path != home, str(path)),
        )
        for file in files:
            path = "/" + str(file.relative_to(directory)).removesuffix(".html").removesuffix(
                ".htm"
            ).removesuffix("index")
            if any(path.startswith(blocked) for blocked in truth.get("never_fetched", [])):
                continue
            text, _ = decode_body(file.read_bytes(), "text/html")
            text = text.replace("{{BASE}}", f"https://{directory.name}")
            pages.append((f"https://{directory.name}{path}", text))
        sites.append(Site(directory.name, truth, pages))
    return sites


# --- the two extractors -----------------------------------------------------------------------------


def ours(site: Site) -> dict[str, Any]:
    (home_url, home_html), *rest = site.pages
    home, region = read_home(home_html, home_url, site.truth["geography"])
    facts = [home, *(parse_page(html, url, region) for url, html in rest)]
    lead = build_lead(facts, Criteria(geography=site.truth["geography"]), f"https://{site.host}/")
    return {
        "name": lead.company_name,
        "emails": set(lead.emails),
        "phones": set(lead.phones),
        "socials": set(lead.socials.items()),
        "address": lead.address,
        "people": [_person(person) for person in lead.to_payload()["people"]],
        # Other organisations' addresses are kept in the payload under a name that says whose they are.
        "payload": str({**lead.to_payload(), "extra": _without(lead.extra, *LABELLED_OTHERS)}),
    }


# Payload keys that keep other organisations' values under a name that says whose they are.
LABELLED_OTHERS = ("other_organisations_emails", "credited_domains")


def _without(mapping: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {name: value for name, value in mapping.items() if name not in keys}


def _person(person: Any) -> tuple[str, str]:
    """(name, LinkedIn URL) of a person as a lead or a truth.json lists it: a profile URL or a record."""
    if isinstance(person, str):
        return "", person
    return person.get("name", ""), person.get("linkedin", "")


_BASE_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_BASE_PHONE = re.compile(r"\+?\(?\d[\d\s().-]{7,}\d")
_BASE_SOCIAL = re.compile(
    r"https?://(?:[\w-]+\.)?(?:linkedin\.com|twitter\.com|x\.com|facebook\.com|"
    r"instagram\.com|youtube\.com|github\.com)/[^\s\"'<>]+"
)
_BASE_ADDRESS = re.compile(r"\d+\s+[A-Z][a-z]+\s+(?:Street|St|Road|Rd|Avenue|Ave)\b[^<\n]{0,40}")
_NETWORKS = {
    "linkedin.com": "linkedin",
    "twitter.com": "twitter",
    "x.com": "twitter",
    "facebook.com": "facebook",
    "instagram.com": "instagram",
    "youtube.com": "youtube",
    "github.com": "github",
}


_BASE_PERSON = re.compile(r"https?://(?:[\w-]+\.)?linkedin\.com/in/[\w%-]+")
_BASE_OG_NAME = re.compile(r"<meta[^>]+property=[\"']og:site_name[\"'][^>]+content=[\"']([^\"']+)", re.I)
_BASE_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.S | re.I)
_BASE_GENERIC = re.compile(r"^(home|homepage|start|startseite|accueil|inicio|welcome.*|willkommen.*)$", re.I)


def _baseline_name(html: str) -> str:
    """og:site_name, else the brand part of the title ("Home | Acme" and "Acme - Widgets" give Acme)."""
    og_name = _BASE_OG_NAME.search(html)
    if og_name:
        return og_name.group(1).strip()
    title = _BASE_TITLE.search(html)
    if not title:
        return ""
    parts = [part.strip() for part in re.split(r"\s+[|\-–—:·]\s+", title.group(1).strip()) if part.strip()]
    brands = [part for part in parts if not _BASE_GENERIC.match(part)]
    return (brands or parts or [""])[0]


def baseline(site: Site) -> dict[str, Any]:
    """What a regex-only scraper finds in the raw HTML, lightly normalised so format alone is not a miss."""
    region = region_for(site.truth["geography"])
    raw = "\n".join(html for _, html in site.pages)
    name = _baseline_name(site.pages[0][1])
    emails = {match.lower() for match in _BASE_EMAIL.findall(raw)}
    phones = set()
    for match in _BASE_PHONE.findall(raw):
        try:
            number = phonenumbers.parse(match, region)
            phones.add(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
        except phonenumbers.NumberParseException:
            phones.add(re.sub(r"[^\d+]", "", match))
    socials = set()
    for url in _BASE_SOCIAL.findall(raw):
        host = re.sub(r"^https?://(?:[\w-]+\.)?", "", url).split("/", 1)[0]
        network = _NETWORKS.get(host, host)
        profile = social_profile(url)  # the canonical form, so only detection is compared
        socials.add((network, profile[1] if profile else url.rstrip("/").lower()))
    address = _BASE_ADDRESS.search(re.sub(r"<[^>]+>", " ", raw))
    people = [("", url.rstrip("/").lower()) for url in sorted(set(_BASE_PERSON.findall(raw)))]
    return {
        "name": name,
        "emails": emails,
        "phones": phones,
        "socials": socials,
        "address": address.group(0).strip() if address else "",
        "people": people,
        "payload": str([name, emails, phones, socials, address and address.group(0), people]),
    }


# --- scoring ----------------------------------------------------------------------------------------


def _tokens(text: str) -> set[str]:
    return set(re.findall(r"\w+", fold(text)))


def same_address(found: str, expected: str) -> bool:
    found_tokens, expected_tokens = _tokens(found), _tokens(expected)
    if not found_tokens or not expected_tokens:
        return False
    return len(found_tokens & expected_tokens) / len(found_tokens | expected_tokens) >= 0.8


def expected_socials(truth: dict[str, Any]) -> set[tuple[str, str]]:
    """The truth's profiles in canonical form (case, trailing slash, twitter.com/x.com): one profile one
    way, as the extractor and the baseline both report them."""
    return {social_profile(url) or (network, url) for network, url in truth["socials"].items()}


def score_site(found: dict[str, Any], truth: dict[str, Any]) -> dict[str, tuple[int, int, int]]:
    """(true positives, false positives, false negatives) per field."""
    counts = {}
    for field_name, found_set, expected in (
        ("emails", found["emails"], set(truth["emails"])),
        ("phones", found["phones"], set(truth["phones"])),
        ("socials", found["socials"], expected_socials(truth)),
    ):
        counts[field_name] = (len(found_set & expected), len(found_set - expected), len(expected - found_set))
    counts["people"] = _score_people(found["people"], [_person(person) for person in truth.get("people", [])])
    name_ok = company_key(found["name"]) == company_key(truth["company_name"])
    counts["name"] = (int(name_ok), int(bool(found["name"]) and not name_ok), int(not name_ok))
    address_ok = same_address(found["address"], truth["address"])
    counts["address"] = (
        int(address_ok),
        int(bool(found["address"]) and not address_ok),
        int(bool(truth["address"]) and not address_ok),
    )
    return counts


def _score_people(found: list[tuple[str, str]], expected: list[tuple[str, str]]) -> tuple[int, int, int]:
    """A found person is right when the name (folded) or the LinkedIn profile is a listed person's."""
    remaining = list(expected)
    hits = 0
    for name, profile in found:
        for index, (true_name, true_profile) in enumerate(remaining):
            if (name and fold(name) == fold(true_name)) or (
                profile and profile.lower() == true_profile.lower()
            ):
                hits += 1
                del remaining[index]
                break
    return hits, len(found) - hits, len(remaining)


def traps_reported(found: dict[str, Any], truth: dict[str, Any]) -> int:
    return sum(1 for trap in truth["traps"] if trap in found["payload"])


SHOW_MISSES = False


def print_misses(site: Site, found: dict[str, Any]) -> None:
    """What one site got wrong: missed and wrong values per field, and the traps reported."""
    truth = site.truth
    lines = []
    for field_name, expected in (
        ("emails", set(truth["emails"])),
        ("phones", set(truth["phones"])),
        ("socials", expected_socials(truth)),
    ):
        missed, wrong = expected - found[field_name], found[field_name] - expected
        if missed or wrong:
            lines.append(f"  {field_name}: missed {sorted(missed)} wrong {sorted(wrong)}")
    if company_key(found["name"]) != company_key(truth["company_name"]):
        lines.append(f"  name: {found['name']!r} expected {truth['company_name']!r}")
    if not same_address(found["address"], truth["address"]):
        lines.append(f"  address: {found['address']!r} expected {truth['address']!r}")
    people = _score_people(found["people"], [_person(person) for person in truth.get("people", [])])
    if people[1] or people[2]:
        lines.append(f"  people: found {found['people']} expected {len(truth.get('people', []))}")
    traps = [trap for trap in truth["traps"] if trap in found["payload"]]
    if traps:
        lines.append(f"  traps: {traps}")
    if lines:
        print(site.host, *lines, sep="\n")


def evaluate(extractor, corpus: list[Site]) -> dict[str, Any]:
    totals = {field_name: [0, 0, 0] for field_name in FIELDS}
    traps = 0
    for site in corpus:
        found = extractor(site)
        for field_name, counts in score_site(found, site.truth).items():
            for index, count in enumerate(counts):
                totals[field_name][index] += count
        traps += traps_reported(found, site.truth)
        if SHOW_MISSES and extractor is ours:
            print_misses(site, found)
    result: dict[str, Any] = {"traps": traps}
    for field_name, (tp, fp, fn) in totals.items():
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        result[field_name] = {
            "precision": round(precision, 3),
            "recall": round(recall, 3),
            "f1": round(f1, 3),
        }
    return result


# --- speed ------------------------------------------------------------------------------------------


def pages_per_second(corpus: list[Site], rounds: int) -> float:
    pages = sum(len(site.pages) for site in corpus) * rounds
    started = time.perf_counter()
    for _ in range(rounds):
        for site in corpus:
            ours(site)
    return pages / (time.perf_counter() - started)


def _body_of(html: str) -> str:
    """What lies between <body ...> and </body> (string search: a lazy regex is quadratic here)."""
    start = html.lower().find("<body")
    start = html.find(">", start) + 1 if start >= 0 else 0
    end = html.lower().rfind("</body>")
    return html[start : end if end >= 0 else len(html)]


def parser_speed(corpus: list[Site], rounds: int) -> dict[str, float]:
    """Parse, list every link and take the text of a 100 KB page, in microseconds: extraction's base work.

    lxml is the yardstick only: it comes with requirements/bench.txt; without it selectolax is timed alone.
    """
    from selectolax.lexbor import LexborHTMLParser

    try:
        import lxml.html
    except ImportError:
        lxml = None

    pages = [html for site in corpus for _, html in site.pages]
    # Fixture pages are small; a real homepage is nearer 100 KB, where parser speed starts to matter.
    bodies = "".join(_body_of(html) for html in pages)
    copies = 100_000 // len(bodies) + 1
    body = (bodies * copies)[:100_000]  # the corpus now holds more than 100 KB of pages: cut it there
    large = "<html><head><title>Large</title></head><body>" + body + "</body></html>"
    documents = [large] * rounds

    def with_selectolax(html: str) -> None:
        tree = LexborHTMLParser(html)
        [anchor.attributes.get("href") for anchor in tree.css("a[href]")]
        tree.body.text(separator="\n") if tree.body else ""

    def with_lxml(html: str) -> None:
        tree = lxml.html.fromstring(html)
        [anchor.get("href") for anchor in tree.iter("a")]
        tree.text_content()

    timings = {}
    parsers = [("selectolax", with_selectolax)] + ([("lxml", with_lxml)] if lxml is not None else [])
    for name, parse in parsers:
        started = time.perf_counter()
        for html in documents:
            parse(html)
        timings[name] = round((time.perf_counter() - started) / len(documents) * 1e6, 1)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="fewer timing rounds (for CI)")
    parser.add_argument("--misses", action="store_true", help="print what each site got wrong")
    arguments = parser.parse_args()
    rounds = 3 if arguments.quick else 30
    global SHOW_MISSES
    SHOW_MISSES = arguments.misses
    corpora = {name: load_corpus(root) for name, root in CORPORA.items()}
    results: dict[str, Any] = {}
    for corpus_name, corpus in corpora.items():
        scores = {"baseline": evaluate(baseline, corpus), "ours": evaluate(ours, corpus)}
        results[corpus_name] = {"sites": len(corpus), **scores}
        pages = sum(len(site.pages) for site in corpus)
        print(f"{corpus_name} corpus: {len(corpus)} sites, {pages} pages")
        print(f"{'field':<10}{'baseline P':>12}{'R':>7}{'F1':>7}{'ours P':>10}{'R':>7}{'F1':>7}")
        for field_name in FIELDS:
            base, mine = scores["baseline"][field_name], scores["ours"][field_name]
            print(
                f"{field_name:<10}{base['precision']:>12.3f}{base['recall']:>7.3f}{base['f1']:>7.3f}"
                f"{mine['precision']:>10.3f}{mine['recall']:>7.3f}{mine['f1']:>7.3f}"
            )
        print(f"{'traps':<10}{scores['baseline']['traps']:>26}{scores['ours']['traps']:>24}\n")
    corpus = corpora["tuning"] + corpora["held-out"]
    results["pages_per_second"] = round(pages_per_second(corpus, rounds))
    results["parse_us_100kb_page"] = parser_speed(corpus, rounds)
    print(
        f"ours: {results['pages_per_second']} pages/s; "
        f"parse a 100 KB page (us): {results['parse_us_100kb_page']}"
    )
    print(json.dumps(results, sort_keys=True))


if __name__ == "__main__":
    main()
