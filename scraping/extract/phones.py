"""Phone numbers: tel: links and text, parsed with the job's region, as E.164.

Numbers labelled fax are kept apart (a site's fax is not its phone); dates, versions, order, tax and
registration numbers are not phones: a label before the number ("ABN", "VAT", "order no."), or a
letter or sign glued to it ("v2.10.4", "#100234567"), rules it out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

import phonenumbers
from selectolax.lexbor import LexborNode

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
class PhoneHit:
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


def phones_in_text(text: str, region: str | None) -> list[PhoneHit]:
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
        hits.append(PhoneHit(_e164(match.number), fax=label == "fax"))
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


def anchor_label(anchor: LexborNode) -> str:
    """The label of a tel: link ("fax", "phone", "other" or ""), from the words before it or its parent."""
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
