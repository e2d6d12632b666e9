"""One page read into `PageFacts`: its head, structured data, links and text.

`parse_page(html, url, region)` parses with selectolax's Lexbor engine: parsing a 100 KB page, listing
its links and taking its text takes it about 70% of lxml's time (1.2 ms against 1.7 ms in
tests/benchmarks/bench_extract.py), and it parses broken markup as browsers do. Links and text are
read after the structured data, so a page's facts keep that order (JSON-LD, microdata, links, text).

Credits: e-mail addresses, domains and profiles near "website by ...", "diseñado por ..." belong to
the agency that made the site; they are kept apart (`credited`, `credited_domains`,
`credited_socials`) for `site.build_lead` to judge.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urljoin

from selectolax.lexbor import LexborHTMLParser, LexborNode

from scraping.extract.addresses import find_addresses
from scraping.extract.emails import (
    EMAIL_PATTERN,
    EmailHit,
    clean_email,
    decode_cfemail,
    emails_in_text,
    words_emails_in_text,
)
from scraping.extract.facts import PageFacts
from scraping.extract.names import footer_name
from scraping.extract.people import people_in_html
from scraping.extract.phones import anchor_label, anchor_owner, names_by_kind, parse_phone, phones_in_text
from scraping.extract.regions import region_for
from scraping.extract.socials import social_profile
from scraping.extract.structured import read_json_ld, read_microdata
from scraping.normalize import registrable_domain

_CREDIT = re.compile(
    r"\b(?:web\s*site|web\s*design|site|design(?:ed)?|developed|built|made|crafted|created|powered|"
    r"hosted|hosting|webdesign|realisiert|umgesetzt|gestaltet|dise[nñ]ad[oa]|desarrollad[oa]|"
    r"dise[nñ]o\s+web|sitio\s+web|template|levert|laget|utviklet|lavet|udviklet|skapad|utvecklad|"
    r"gemaakt|ontwikkeld|realizzato|sviluppato|desenvolvido|criado|wykonanie)\s+(?:and\s+\w+\s+)?"
    r"(?:by|von|durch|por|av|af|door|da|przez)\b"
    r"|\btheme\b[\s:]+(?:\w+\s+){0,3}by\b"  # "Theme: Example by Example Themes"
    # "Design: Studio X", "Webdesign & SEO: ...", "Réalisation : ...", "Credits: ..."
    r"|\b(?:(?:web\s*)?design|r[ée]alisation|conception|cr[ée]dits?|gestaltung|umsetzung)"
    r"(?:\s*(?:&|and|\+|und|et|y)\s*\w+)?\s*:"
    r"|(?:제작|制作|网站建设)\s*[:：]",  # Korean, Japanese, Chinese "made by:"
    re.I,
)


_WHATSAPP = re.compile(
    r"^https?://(?:wa\.me/|(?:api|web)\.whatsapp\.com/send/?\?(?:.*&)?phone=)\+?(\d{8,15})\b", re.I
)


def join_url(base: str, href: str) -> str:
    """`href` made absolute against `base`; "" for what no URL parser reads ("http://[x/")."""
    try:
        return urljoin(base, href)
    except ValueError:
        return ""


def read_home(html: str, url: str, geography: str) -> tuple[PageFacts, str | None]:
    """A site's home page read, and the phone region to read the site's pages with.

    The region is the job's geography's; a job that names no country ("Remote", "Worldwide") takes the
    site's own: its country-code domain, its "+CC" numbers, the country of its postal address
    (structured data, else the first address in its text).
    """
    region = region_for(geography, url)
    home = parse_page(html, url, region)
    if region is None:
        address_country = home.country or next(filter(None, map(region_for, home.text_addresses)), "")
        region = region_for(geography, url, phone_countries=home.phones, address_country=address_country)
        if region is not None:
            home = parse_page(html, url, region)
    return home, region


def parse_page(html: str, url: str, region: str | None = None) -> PageFacts:
    """Read one HTML page. Tolerates broken markup; never raises on content."""
    tree = LexborHTMLParser(html)
    facts = PageFacts(url=url)
    _read_head(tree, facts)
    read_json_ld(tree, facts, region)
    read_microdata(tree, facts, region)
    # Code samples (<pre>, <code>) show made-up records: no contact is in them. A <noscript> stays: it
    # is what a reader without JavaScript sees (an address a script would have written).
    tree.strip_tags(["script", "style", "template", "svg", "pre", "code"])
    _drop_hidden(tree)
    _read_quoted(tree, facts, region)
    facts.staff.extend(people_in_html(tree, url))
    _read_links(tree, facts, region)
    links = _links_by_block(tree, region)
    _flatten_inline(tree)
    body = tree.body or tree.root
    facts.text = body.text(separator="\n") if body is not None else ""
    _read_email_blocks(tree, facts, region, links)
    _read_row_owners(tree, facts, region)
    _read_text(facts, region)
    return facts


# Inline elements join their text to the words around them: "quotes<span>@</span>example.com" is one
# address, "<b>02</b> 9000 1234" one number. Block elements (and <br>) still end a line.
_INLINE = [
    "span",
    "a",
    "strong",
    "b",
    "em",
    "i",
    "small",
    "font",
    "abbr",
    "mark",
    "u",
    "sup",
    "sub",
    "bdi",
    "bdo",
    "cite",
    "code",
    "q",
    "s",
    "time",
    "var",
    "data",
    "label",
    "wbr",
]


def _drop_hidden(tree: LexborHTMLParser) -> None:
    """Text a browser does not show: "info<span style="display:none">null</span>@..." is a trap for bots."""
    for node in tree.css("[hidden], [style*=display]"):
        style = re.sub(r"\s+", "", (node.attributes.get("style") or "").lower())
        if node.attributes.get("hidden") is not None or "display:none" in style:
            node.decompose()
    # A word hidden by a stylesheet class inside running text ("devis<span class="hidden">nospam</span>@")
    # is the same trap; block elements with such classes (menus, tabs) are left alone.
    for node in tree.css(
        ",".join(f"{tag}[class]" for tag in ("span", "b", "i", "em", "small", "font", "strong"))
    ):
        if _HIDDEN_CLASSES & set((node.attributes.get("class") or "").lower().split()):
            node.decompose()


_HIDDEN_CLASSES = {"hidden", "d-none", "hide", "is-hidden", "display-none"}


def _flatten_inline(tree: LexborHTMLParser) -> None:
    root = tree.body or tree.root
    if root is None:
        return
    for node in list(root.traverse(include_text=False)):
        if node.tag == "-comment":
            node.decompose()
    tree.unwrap_tags(_INLINE)
    tree.merge_text_nodes()


# What customers and others say about the company: their contacts are theirs, not the company's.
_QUOTED = (
    "blockquote, q, [class*=testimonial], [class*=Testimonial], [class*=review], [class*=Review], "
    "[class*=quote], [class*=Quote], [id*=testimonial], [class*=kundenstimme], [class*=temoignage], "
    "[class*=depoimento], [class*=testimonio], [class*=referenz], [class*=opinion]"
)


def _read_quoted(tree: LexborHTMLParser, facts: PageFacts, region: str | None) -> None:
    """Contacts inside testimonials and quotes are kept apart as others', then the quotes are removed."""
    for node in tree.css(_QUOTED):
        if node.parent is None:  # inside a quote already removed
            continue
        if node.parent.tag == "figure":  # the quote's caption names who said it
            node = node.parent
        text = node.text(separator="\n")
        facts.quoted_emails.update(hit.address for hit in emails_in_text(" ".join(text.split())))
        for anchor in node.css("a[href]"):
            href = (anchor.attributes.get("href") or "").strip()
            if href.lower().startswith("mailto:"):
                address = clean_email(href[7:])
                if address:
                    facts.quoted_emails.add(address)
        facts.others_phones.update(hit.e164 for hit in phones_in_text(text, region))
        node.decompose()


_BLOCKS = "p, li, dd, td, address, div"


def _links_by_block(tree: LexborHTMLParser, region: str | None) -> dict[int, tuple[set[str], set[str]]]:
    """(addresses, numbers) of the mailto:, Cloudflare and tel: links inside each block and table row:
    "<a href="tel:...">call them</a>" shows no digits, a protected address no "@"."""
    found: dict[int, tuple[set[str], set[str]]] = {}
    block_tags = {*_BLOCKS.split(", "), "tr"}
    for link in tree.css('a[href^="tel:"], a[href^="mailto:"], a[href*="email-protection#"], [data-cfemail]'):
        href = link.attributes.get("href") or ""
        if href.startswith("tel:"):
            kind, value = 1, parse_phone(href[4:], region)
        elif href.startswith("mailto:"):
            kind, value = 0, clean_email(href[7:])
        else:
            encoded = link.attributes.get("data-cfemail") or href.rsplit("#", 1)[-1]
            kind, value = 0, clean_email(decode_cfemail(encoded))
        node = link.parent
        while value and node is not None:
            if node.tag in block_tags:
                found.setdefault(node.mem_id, (set(), set()))[kind].add(value)
            node = node.parent
    return found


def _read_email_blocks(
    tree: LexborHTMLParser, facts: PageFacts, region: str | None, links: dict[int, tuple[set[str], set[str]]]
) -> None:
    """The innermost blocks (and table rows: one record a row) that give an e-mail address, with the
    numbers beside it.

    Whose the numbers are is decided for the whole site (`site.site_phones`): beside another
    organisation's address they are that organisation's.
    """
    blocks = [block for block in tree.css(_BLOCKS) if len(block.css(_BLOCKS)) <= 1]  # itself only
    for block in blocks + tree.css("tr"):
        text = block.text(separator="\n")
        linked_addresses, linked_numbers = links.get(block.mem_id, (set(), set()))
        if ("@" not in text and not linked_addresses) or len(text) > 600:
            continue
        addresses = (
            frozenset(hit.address for hit in emails_in_text(" ".join(text.split()))) | linked_addresses
        )
        phones = frozenset([hit.e164 for hit in phones_in_text(text, region)]) | linked_numbers
        postal = tuple(find_addresses(text))
        if addresses and (phones or postal):
            facts.email_blocks.append((addresses, phones, postal))


def _read_row_owners(tree: LexborHTMLParser, facts: PageFacts, region: str | None) -> None:
    """A number in a table row whose earlier cells name another organisation ("Calgary (agent terminal)
    | Operated by Example Cartage Ltd., ... | (403) ...") is that organisation's: the row is its line."""
    for row in tree.css("tr"):
        if row.css_first("table") is not None:
            continue  # a layout table's row holds a page, not a record
        cells = [" ".join((cell.text(separator=" ") or "").split()) for cell in row.css("td, th")]
        line = " · ".join(cells)
        if len(cells) < 2 or len(line) > 400 or sum(char.isdigit() for char in line) < 7:
            continue  # no record, or no number in it

        facts.named_phones.extend(
            (hit.e164, hit.named) for hit in phones_in_text(line, region) if names_by_kind(hit.named)
        )


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
                facts.meta_refresh = join_url(facts.url, match.group(1).strip())
        elif key == "og:site_name" and content:
            facts.og_site_name = content
        elif key in ("description", "og:description") and content and not facts.description:
            facts.description = " ".join(content.split())
        elif key == "og:url" and content:
            facts.structured_urls.append(content)
    for link in tree.css("link[rel][href]"):
        if "canonical" in (link.attributes.get("rel") or "").lower().split():
            facts.canonical = join_url(facts.url, link.attributes.get("href") or "")


def _read_links(tree: LexborHTMLParser, facts: PageFacts, region: str | None) -> None:
    for element in tree.css("[data-cfemail]"):
        address = clean_email(decode_cfemail(element.attributes.get("data-cfemail") or ""))
        if address:
            facts.emails.append(EmailHit(address, "cfemail", _in_credit(element)))
    # A frameset's pages are parts of the page: the crawl reads them as it follows a refresh.
    for frame in tree.css("frame[src], iframe[src]"):
        absolute = join_url(facts.url, (frame.attributes.get("src") or "").strip())
        if absolute.startswith(("http://", "https://")):
            facts.frames.append(absolute.split("#", 1)[0])

    for anchor in tree.css("a[href]"):
        href = (anchor.attributes.get("href") or "").strip()
        lowered = href.lower()
        credited = _in_credit(anchor)
        if lowered.startswith("mailto:"):
            for part in unquote(href[7:].split("?", 1)[0]).split(","):
                address = clean_email(part)
                if address:
                    facts.emails.append(EmailHit(address, "mailto", credited))
            continue
        if lowered.startswith(("tel:", "callto:")):
            number = parse_phone(href.split(":", 1)[1], region)
            if number and anchor_label(anchor) == "fax":
                facts.faxes.add(number)
            elif number:
                facts.phones.append(number)
                if owner := anchor_owner(anchor):
                    facts.named_phones.append((number, owner))
            continue
        whatsapp = _WHATSAPP.search(href)
        if whatsapp:
            number = parse_phone("+" + whatsapp.group(1), region)
            if number:
                facts.phones.append(number)
            continue
        if "/cdn-cgi/l/email-protection#" in lowered:
            address = clean_email(decode_cfemail(href.rsplit("#", 1)[1]))
            if address:
                facts.emails.append(EmailHit(address, "cfemail", credited))
            continue
        absolute = join_url(facts.url, href)
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
            if profile[1] not in facts.profile_links:
                facts.profile_links.append(profile[1])
        else:
            if facts.socials.setdefault(*profile) != profile[1]:
                facts.more_socials.append(profile)


def _in_credit(node: LexborNode) -> bool:
    """Whether a link sits in a "website by ..." credit: its own text or the words just before it
    (a credit after a row of profile icons does not claim them)."""
    parts = [node.text(separator=" ") or ""]
    current: LexborNode | None = node
    while current is not None and sum(map(len, parts)) < 160:
        sibling = current.prev
        while sibling is not None and sum(map(len, parts)) < 160:
            parts.insert(0, sibling.text(separator=" ") or "")
            sibling = sibling.prev
        current = current.parent
    return bool(_CREDIT.search(" ".join(parts)[-160:]))


def _read_text(facts: PageFacts, region: str | None) -> None:
    text = facts.text
    flat = " ".join(text.split())
    credit_windows = [flat[match.start() : match.end() + 120] for match in _CREDIT.finditer(flat)]
    for window in credit_windows:
        for match in EMAIL_PATTERN.finditer(window):
            facts.credited_domains.add(match.group(1).split("@", 1)[1].lower())
        for match in re.finditer(r"\b((?:[a-z0-9-]+\.)+[a-z]{2,})\b", window, re.I):
            if "@" not in window[max(0, match.start() - 1) : match.start()]:
                facts.credited_domains.add(registrable_domain(match.group(1)))
        # The agency's own line ("Website by Example Studio, 02 9000 5555 | ..."), not what follows it.
        own_line = re.split(r"\s[|·•]\s|\.\s+(?=[A-ZÀ-Þ])", window, maxsplit=1)[0]
        facts.others_phones.update(hit.e164 for hit in phones_in_text(own_line, region))
    facts.emails.extend(emails_in_text(flat))

    facts.words_emails.extend(words_emails_in_text(flat))
    for hit in phones_in_text(text, region):
        if hit.fax:
            facts.faxes.add(hit.e164)
        else:
            (facts.prose_phones if hit.prose else facts.phones).append(hit.e164)
            if hit.named:
                facts.named_phones.append((hit.e164, hit.named))

    facts.footer_name = footer_name(flat)
    facts.text_addresses = find_addresses(text)
