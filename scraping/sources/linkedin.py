"""The `linkedin` source: LinkedIn company pages found through web search, never by fetching LinkedIn.

The job's criteria are searched with `site:linkedin.com/company` through the search backends of
`scraping.sources.search` (SearXNG, SerpApi or Brave). Each result on a company page becomes one lead
built from the result alone:

- the name from the title ("Example Widgets | LinkedIn", "Example Widgets - LinkedIn");
- the company page URL made canonical (`https://www.linkedin.com/company/<slug>`: no locale
  subdomain, no /about or /jobs tail, no query; the website source's form) as `source_url` and
  `socials["linkedin"]`;
- industry, location and size from the snippet when it shows them, in the forms search engines
  print for these pages: "Industry: ...", "Headquarters: ...", "Company size: 11-50 employees",
  "Software Development · Berlin, Germany · 1K followers", "1,234 followers on LinkedIn".

LinkedIn forbids automated access to its pages, so nothing here requests linkedin.com; a lead has no
website and its identity is its name and location (see `normalize.identity`).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

from scraping.extract import social_profile
from scraping.normalize import hostname
from scraping.sources.common import keywords_in, lead_confidence
from scraping.sources.registry import SourceContext, register
from scraping.sources.search import SearchResult, criteria_query, search_leads
from scraping.types import Criteria, Lead

SITE_FILTER = "site:linkedin.com/company"

_TITLE_SUFFIX = re.compile(r"(?:^|\s*[|\-–—]\s*)LinkedIn\s*$", re.I)
_TITLE_TAIL = re.compile(r":\s*(overview|about|about us|jobs|people|posts|life)\s*$", re.I)
_FOLLOWERS = re.compile(r"(\d[\d.,]*\s*[KkMm]?)\+?\s+(?:followers|follower)\b", re.I)
_EMPLOYEES = re.compile(r"(\d[\d.,]*\s*(?:-|–|to)\s*\d[\d.,]*|\d[\d.,]*\+?)\s+employees\b", re.I)
_INDUSTRY = re.compile(r"\bIndustr(?:y|ies)\s*:\s*([^|·;\n]+?)(?:\.\s|[|·;\n]|$)", re.I)
_LOCATION = re.compile(r"\b(?:Headquarters|Location)\s*:\s*([^|·;\n]+?)(?:\.\s|[|·;\n]|$)", re.I)


@register("linkedin")
async def run(criteria: Criteria, ctx: SourceContext) -> AsyncIterator[list[Lead]]:
    text = criteria_query(criteria)
    query = f"{SITE_FILTER} {text}" if text else ""
    async for batch in search_leads(
        query, criteria, ctx, lambda result: lead_from_result(result, criteria), lambda lead: lead.source_url
    ):
        yield batch


def canonical_company_url(url: str) -> str:
    """`https://de.linkedin.com/company/Widgets/about?trk=x` -> `https://www.linkedin.com/company/widgets`.

    The form the website source gives LinkedIn links (`extract.social_profile`), so a company's
    profile is one URL whichever source found it; "" when the URL is not a LinkedIn company page.
    """
    host = hostname(url)
    if host != "linkedin.com" and not host.endswith(".linkedin.com"):
        return ""  # checked here: social_profile takes any host ending in "linkedin.com"
    profile = social_profile(url)
    if profile is None or profile[0] != "linkedin" or "/company/" not in profile[1]:
        return ""
    return profile[1]


def company_name(title: str, url: str) -> str:
    """The company's name from a result title, else from the page's slug."""
    name = _TITLE_SUFFIX.sub("", title).strip()
    name = name.split(" | ")[0].strip()
    name = _TITLE_TAIL.sub("", name).strip()
    if name:
        return name
    slug = url.rstrip("/").rsplit("/", 1)[-1]
    return " ".join(word.capitalize() for word in re.split(r"[-_]+", slug) if word)


def snippet_facts(snippet: str) -> dict[str, str | int]:
    """Industry, location, follower count and company size, as far as the snippet shows them."""
    facts: dict[str, str | int] = {}
    if match := _INDUSTRY.search(snippet):
        facts["industry"] = match.group(1).strip(" .")
    if match := _LOCATION.search(snippet):
        facts["location"] = match.group(1).strip(" .")
    if match := _FOLLOWERS.search(snippet):
        facts["followers"] = _count(match.group(1))
    if match := _EMPLOYEES.search(snippet):
        facts["employees"] = re.sub(r"\s*(?:–|to)\s*|\s*-\s*", "-", match.group(1).strip())
    parts = [part.strip() for part in snippet.split("·")]
    for index, part in enumerate(parts):
        # "Industry · Location · N followers": the two parts before the follower count.
        if index >= 2 and _FOLLOWERS.search(part):
            facts.setdefault("industry", re.split(r"\s\|\s|\.\s", parts[index - 2])[-1].strip(" ."))
            facts.setdefault("location", parts[index - 1].strip(" ."))
            break
    return facts


def _count(text: str) -> int:
    """ "1,234" -> 1234, "2.345" -> 2345, "1.2K" -> 1200, "3M" -> 3000000."""
    text = text.strip().replace(" ", "")
    multiplier = {"k": 1_000, "m": 1_000_000}.get(text[-1:].lower(), 1)
    if multiplier > 1:
        return int(float(text[:-1].replace(",", ".")) * multiplier)
    return int(re.sub(r"[.,]", "", text))


def lead_from_result(result: SearchResult, criteria: Criteria) -> Lead | None:
    """The lead a company-page result describes, or None for any other LinkedIn page."""
    url = canonical_company_url(result.url)
    if not url:
        return None
    facts = snippet_facts(result.snippet)
    extra: dict[str, object] = {"search_backend": result.backend, "search_title": result.title}
    for key in ("followers", "employees"):
        if key in facts:
            extra[key] = facts[key]
    lead = Lead(
        source="linkedin",
        company_name=company_name(result.title, url),
        industry=str(facts.get("industry", "")),
        location=str(facts.get("location", "")),
        description=result.snippet,
        source_url=url,
        socials={"linkedin": url},
        matched_keywords=keywords_in(criteria.keywords, result.title, result.snippet),
        extra=extra,
    )
    lead.confidence = lead_confidence(lead, criteria)
    return lead
