"""Phone numbers: tel: links and text, parsed with the job's region, as E.164.

Numbers labelled fax are kept apart (a site's fax is not its phone); dates, versions, order, tax and
registration numbers are not phones: a label before the number ("ABN", "VAT", "order no."), or a
letter or sign glued to it ("v2.10.4", "#100987654"), rules it out.

Whose a number is starts here: each hit carries the words of its line that name another organisation
(`named_organisation`: the part of the line nearest the number decides), and whether it sits in running
prose; `site.build_lead` weighs them across the site's pages against the company's own name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

import phonenumbers
from selectolax.lexbor import LexborNode

# "Fax", "Telefax", "Fax2Email", "Faks", "Téléc.", "FAX：", "传真": a prefix is enough.
_FAX_LABEL = re.compile(
    r"\b(?:tele)?(?:fax|faks)|\bfacsimile|\bfac[- ]?simil|\bt[ée]l[ée]c(?:opie(?:ur)?|\.)|\btelecopia|"
    r"факс|φαξ|פקס|فاكس|ファックス|ＦＡＸ|传真|팩스",
    re.I,
)
# "Tel./Fax", "Phone & fax", "Telefon und Fax": one line for both, a phone first.
_PHONE_AND_FAX = re.compile(
    r"\b(?:tel|phone|telefon|tlf|t[ée]l[ée]phone)\.?(?:\s*[/&+]\s*|\s+(?:and|und|et|y|e|a|og|och|en)\s+)"
    r"(?:tele)?fax\b",
    re.I,
)
_PHONE_LABEL = re.compile(
    r"\b(phone|tel|telephone|telefon|teléfono|telefono|tlf|mobile|mobil|móvil|movil|"
    r"call|ph|hotline|helpline|infolinia|whatsapp|fon|toll[- ]?free|freephone|cell|cellphone|celular|cel)\b",
    re.I,
)
# Identifiers printed beside contacts: company, tax, bank and licence numbers in the languages LeadEngine
# meets. A number right after one of these is that identifier, whatever its digits look like.
_NOT_PHONE_LABEL = re.compile(
    r"(?:\b(?:abn|acn|arbn|vat|tva|btw|iva|p\.?\s?iva|mwst|ust|ust-?id(?:nr)?|uid|cif|nif|nie|c\.?f|gst|gstin|"
    r"hst|qst|pst|bn|ein|tin|pan|cin|llpin|uen|nzbn|cro|kra|pin|rfc|curp|cnpj|cpf|ie|inscri[cç][aã]o|"
    r"nip|regon|krs|cvr|org\.?\s?nr|organisationsnummer|y-?tunnus|vkn|mersis|siret|siren|rcs|naf|ape|"
    r"kvk|rsin|handelsregister|amtsgericht|hrb|hra|registergericht|rea|registro|nit|ruc|rut|cuit|vergi|reg(?:istration)?|"
    r"company\s+(?:no|number|reg)|corporate\s+number|法人番号|tax|steuer(?:nummer)?|st\.?-?nr|"
    r"iban|bic|swift|sort\s+code|account|konto|kto|blz|bankgiro|plusgiro|paybill|till|"
    r"order|invoice|ref|reference|version|build|release|isbn|licen[cs]e|lic|nmls|permit|"
    r"postcode|zip|cap\.?\s*soc|capital|e\.g|z\.\s?b|p\.\s?ex|ej|esempio|beispiel|example)\b\.?|例[)）]?)"
    r"(?:\s+[a-z]{2,6}\b\.?)?"  # "Licence RBQ : 1234-5678-01"
    r"[\s:#.\-–]*(?:no\.?|nr\.?|number|n[ºo°]\.?|#)?[\s:#.]*"
    r"(?:e\s+c\.?\s?f\.?\s*)?\Z",
    re.I,
)
# A run of ten or more digits with no separator, written without "+": an identifier, not a phone
# (phones are printed in groups; tel: links and structured data are read apart).
_BARE_DIGITS = re.compile(r"^\d{10,}$")
# Running prose: a phone in a sentence this long is often someone else's ("the council's helpline ...").
PROSE_WORDS = 14
CONTACT_LINE_WORDS = 8
_IBAN_BEFORE = re.compile(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4})*\s?[A-Z0-9]{0,4}\s?\Z")
# Dates and year ranges as people write them: "2024-05-12", "12.05.2024", "5/12/24", "2019 - 2024"; not
# a Japanese number, "0568-32-7715", whose groups are no year, month and day.
_DAY, _MONTH, _YEAR = r"(?:0?[1-9]|[12]\d|3[01])", r"(?:0?[1-9]|1[0-2])", r"(?:19|20)\d\d"
_DATE = re.compile(
    rf"^\s*(?:{_YEAR}([./-]){_MONTH}\1{_DAY}|{_DAY}([./-]){_DAY}\2(?:{_YEAR}|\d\d)|{_YEAR}\s*[-–]\s*{_YEAR})\s*$"
)


# Words that name an organisation: legal forms and the kinds of organisation whose numbers sites print
# beside their own (suppliers, hotels, chambers, authorities). A number after one is that
# organisation's unless the words are the company's own name (`site.site_phones` decides).
ORGANISATION = re.compile(
    # Two-letter forms only in capitals: "AS" is a Norwegian company, "as" an English word.
    r"(?-i:\b(?:AG|BV|NV|OY|AB|AS|KK)\b)|"
    r"(?:\b(?:gmbh|ltd|limited|inc|llc|corp|pty|plc|sarl|sas|spa|srl)\b|"
    r"\b(?:s\.a\.|s\.l\.|s\.p\.a\.|s\.r\.l\.|s\.r\.o\.|sp\. z o\.o\.|co\.)|"
    r"\b(?:hotel|chamber|association|council|authority|ministry|bank|university|hospital|supplier|"
    r"group|holdings?|gruppe|groupe|grupo|gruppo|konzern|organi[sz]ation|institute|foundation|federation|"
    r"agency|agenzia|agence|agencia|agentur|firma|empresa|entreprise|soci[ée]t[ée]|societ[àa]|spole[čc]nost|"
    r"[şs]irket|aliad[oa]|parceir[oa]|partenaire|socio|alojamento|alojamiento|hospedaje|accommodation|"
    r"h[ée]bergement|unterkunft|taxi|"
    r"distributor|dealer|wholesaler?|hurtownia|verband|kammer|lieferant|h[äa]ndler|c[áa]mara|"
    r"chambre|asociaci[óo]n|associa[çc][ãa]o|distribuidor|proveedor|fornecedor|fournisseur)\b|"
    # A partner, in compounds too ("samarbejdspartner", "partnerünk", "Kooperationspartner").
    r"partner|"
    # Chinese and Japanese kinds, written without spaces: association, bank, hospital, university,
    # organiser, distributor, agent.
    r"協會|协会|協会|公會|銀行|银行|醫院|医院|病院|大學|大学|主辦|主办|經銷|经销|代理商|販売店|代理店|"
    # Japanese public offices and lenders: secretariat, job centre, chamber, credit union, city hall.
    r"事務局|ハローワーク|商工会|信用金庫|市役所|税務署|組合)",
    re.I,
)


# A sentence that gives the number as the company's own: "text us on", "call our maintenance line on".
_OURS = re.compile(
    r"\b(?:call|text|ring|phone|contact|reach|message|sms|whatsapp)\s+us\b|"
    r"\bour\s+(?:[\w-]+\s+){0,3}(?:line|number|hotline|helpline|phone|office|team|desk|mobile)\b|"
    r"\b(?:rufen\s+sie\s+uns|appelez[- ]nous|ll[aá]m[ae]nos|chiamaci|bel\s+ons|ring\s+oss)\b",
    re.I,
)
_FORMER = re.compile(
    r"\b(?:old|former|previous|ehemalige[nr]?|alte|bisherige|ancien(?:ne)?|antiguo|anterior|vecchio|precedente)"
    r"\s+(?:[\w-]+\s+){0,2}(?:number|phone|line|nummer|telefon\w*|num[ée]ro|n[úu]mero|linea)\b",
    re.I,
)
# A brand or an acronym in running words before a number ("Call GreenSky at", "NICEIC on", "med ADP
# Fredericia Havn (tlf."): a word in capitals or with a capital inside, or a registered-mark sign.
_BRAND = re.compile(r"(?<!\w)(?:[A-Z]{3,}|[A-Z][a-z]+[A-Z][A-Za-z]*)(?!\w)|[®™]")
# "handled by Example Pet Emergency Service": a number given on someone else's behalf.
_BY_NAME = re.compile(r"\b(?:by|von|par|por|door)\s+(?:the\s+)?[A-Z]")
# Capitals that are no organisation: labels, time zones, countries, titles.
_NOT_BRANDS = set(
    "GSM SMS MMS CET CEST GMT UTC EST EDT CST CDT PST PDT AEST AEDT ACST AWST NZST NZDT IST JST KST HKT SGT "
    "WAT EAT CAT SAST USA UAE FAQ VAT GST CEO CFO CTO COO TOLL FREE NOW CALL TEXT TODAY AND ASAP".split()
)
# Three capitalised words in a row after a verb or a preposition: an organisation's name ("please call
# Southeast Pet Emergency Service on"); a person's name is mostly two, and a name with a role after
# it ("Jane Example Managing Director") follows no verb.
_ORGANISATION_NAME = re.compile(
    r"\b(?i:call|contact|ring|by|from|with|via|at|to|through)\s+(?:the\s+)?(?:[A-ZÀ-ÖØ-Þ][\w'’&.-]*\s+){2}"
    r"[A-ZÀ-ÖØ-Þ]|(?:[A-ZÀ-ÖØ-Þ][\w'’&.-]*\s+){2}[A-ZÀ-ÖØ-Þ][\w'’&.-]*\s*\((?i:tel|ph|phone|t)\b"
)

_SENTENCE_END = re.compile(r"[.!?|•·]\s+(?=[A-Z0-9])|[|•·]")


def named_organisation(before: str) -> str:
    """The words before a number on its line from the last part that names an organisation: a legal
    form or a kind of organisation, or a brand in running words (a heading in capitals, "SALES OFFICE:",
    is a label, not a brand). "" when none does.

    "Acme Tiles · Order line of our partner: 0123" gives "Order line of our partner: ": the part nearest
    the number says whose it is.
    """
    if not re.search(r"[^\W\d_]", before):
        return ""  # no word before the number: a plain contact line
    ends = [0, *(match.end() for match in _SENTENCE_END.finditer(before))]

    for start, end in reversed(list(zip(ends, [*ends[1:], len(before)], strict=True))):
        segment = before[start:end]
        running = re.search(r"(?<!\w)[a-zà-ÿ]{2,}(?!\w)", segment)
        brands = [
            brand
            for brand in _BRAND.findall(segment)
            if not (_PHONE_LABEL.fullmatch(brand) or _FAX_LABEL.fullmatch(brand))
            and brand.upper() not in _NOT_BRANDS
        ]
        named = _BY_NAME.search(segment) or _ORGANISATION_NAME.search(segment) or brands
        if ORGANISATION.search(segment) or (running and named):
            return before[start:]
        if running and len(segment.split()) >= 4:
            return ""  # a sentence of its own that names no one: the number is given plainly
    return ""


def names_by_kind(words: str) -> bool:
    """Whether words name an organisation by a legal form or a kind, or as the one a number is given by:
    the strict test, for lines where capitals are often a person's titles ("Jane Example, CPA")."""
    return bool(ORGANISATION.search(words) or _BY_NAME.search(words))


@dataclass
class PhoneHit:
    e164: str
    fax: bool
    prose: bool = False  # inside a long sentence, not in a contact line
    named: str = ""  # the words before it from the part naming an organisation ("Hotel X (TEL ...)"), or ""


def _label_before(text: str, start: int) -> str:
    """The nearest label in the few characters before a number: "fax", "phone", "other" or ""."""
    # A label is on the number's line, or alone on the line before ("Fax:" in a <dt>, the number in a <dd>).
    lines = text[max(0, start - 40) : start].split("\n")
    window = lines[-1] if lines[-1].strip() or len(lines) < 2 else lines[-2] + " "
    candidates = []
    for kind, pattern in (("fax", _FAX_LABEL), ("phone", _PHONE_LABEL), ("phone", _PHONE_AND_FAX)):
        for match in pattern.finditer(window):
            candidates.append((match.end(), kind))
    if _NOT_PHONE_LABEL.search(window):
        candidates.append((len(window), "other"))
    return max(candidates)[1] if candidates else ""


def phones_in_text(text: str, region: str | None) -> list[PhoneHit]:
    hits = []
    for match in phonenumbers.PhoneNumberMatcher(text, region or "ZZ"):
        if (
            match.number.country_code != 1
            and _NORTH_AMERICAN_FREE.match(match.raw_string)
            and re.search(r"(?<!\d)1[\s.-]*\Z", text[max(0, match.start - 3) : match.start])
        ):
            # "1 (888) 283 4410" on a Mexican site is the toll-free line from the US and Canada.
            number = phonenumbers.parse(match.raw_string, "US")
            match = phonenumbers.PhoneNumberMatch(match.start, match.raw_string, number)
        raw = match.raw_string
        digits = re.sub(r"\D", "", raw)
        if len(digits) < 8 or _DATE.match(raw):
            continue
        before = text[max(0, match.start - 2) : match.start]
        # "v2.10.4", "#100987654", "no. 12345678": numbers glued to a letter or sign are identifiers.
        if re.search(r"[A-Za-z#/]\Z|[.,]\d\Z", before):
            continue
        if _BARE_DIGITS.match(raw.strip()) and not raw.strip().startswith("+"):
            continue
        if _IBAN_BEFORE.search(text[max(0, match.start - 40) : match.start]):
            continue  # "IBAN NL00 BANK 0123 4567 89": the tail of a bank account
        label = _label_before(text, match.start)
        if label == "other":
            continue
        line_start = text.rfind("\n", 0, match.start) + 1
        line_end = text.find("\n", match.end)
        line = text[line_start : line_end if line_end >= 0 else len(text)]
        words = len(line.replace(raw, " ").split())
        # Unlabelled numbers count in short contact lines only ("Aluminium 2024/5083, steel 303/304..."
        # or "our finance partner, X (0861 000 111)" are not the company's phone).
        before_on_line = text[line_start : match.start]
        named = named_organisation(before_on_line)
        part = _SENTENCE_END.split(before_on_line)[-1]
        if _FORMER.search(part):
            continue  # "our old number ... is no longer in use"
        ours = not named and _OURS.search(part)
        if not (named or ours) and _foreign(match.number, region) and _PROPER_NAME.search(part):
            # Another country's number after a name ("Germany – Example Weinhaus, Munich –"): a
            # distributor's or a partner's unless the name is the company's (`site.named_elsewhere`);
            # an office of its own is given as one ("US: +1 ...", "From the US and Canada: 1 888 ...").
            named = part
        prose = not ours and (words >= PROSE_WORDS or (label != "phone" and words > CONTACT_LINE_WORDS))
        for number in [match.number, *_same_exchange(text, match)]:
            hits.append(PhoneHit(_e164(number), fax=label == "fax", prose=prose, named=named))
    return hits


_NORTH_AMERICAN_FREE = re.compile(r"\(?8(?:00|33|44|55|66|77|88)\)?[\s.-]*\d{3}[\s.-]*\d{4}$")

# "040-2756 3184, 2756 3185" and "2756 3184 / 85": more lines of one exchange, written as the digits
# that differ from the number before.
_NEXT_LINE = re.compile(r"\s*(?:/\s*(\d{2,3})(?![\d-]|\s\d)|[,/]\s*(\d[\d -]{2,10}\d)(?![\d-]))")


def _same_exchange(text: str, match: phonenumbers.PhoneNumberMatch) -> list[phonenumbers.PhoneNumber]:
    numbers = []
    national = phonenumbers.national_significant_number(match.number)
    shape = re.sub(r"\d", "0", match.raw_string)
    end = match.end
    while more := _NEXT_LINE.match(text, end):
        written = more.group(1) or more.group(2)
        tail = re.sub(r"\D", "", written)
        # Past two or three digits, only a tail written like the number's own last groups ("2756 3185"
        # after "2756 3184"): "0221 123456, 2019" is a number and a year.
        written_shape = re.sub(r"\d", "0", written)
        if len(tail) >= len(national) or (
            more.group(2) and not re.search(rf"(?<![0-9]){re.escape(written_shape)}\Z", shape)
        ):
            break
        number = phonenumbers.parse(f"+{match.number.country_code}{national[: -len(tail)]}{tail}")
        if not phonenumbers.is_valid_number(number):
            break
        numbers.append(number)
        end = more.end()
    return numbers


# Two capitalised words in a row after the first word: a proper name ("Example Weinhaus", "Tuscan Cellars").
_PROPER_NAME = re.compile(r"(?<=[\s,;:–—(])[A-ZÀ-ÖØ-Þ][\w'’&.-]*\s+[A-ZÀ-ÖØ-Þ][\w'’&.-]*")


def _foreign(number: phonenumbers.PhoneNumber, region: str | None) -> bool:
    return bool(region) and number.country_code != phonenumbers.country_code_for_region(region)


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


def anchor_owner(anchor: LexborNode) -> str:
    """The words before a tel: link in its paragraph when they name another organisation ("handled
    by Example Pet Emergency Service: <a href=tel:...>"), else ""."""
    before = []  # the link's own line: back to a <br> or the start of its block
    node = anchor.prev
    while node is not None and node.tag not in _LINE_BREAKS:
        before.insert(0, node.text(separator=" ") or "")
        node = node.prev
    return named_organisation(" ".join(" ".join(before).split()) + " ")


_LINE_BREAKS = {"br", "p", "div", "li", "tr", "td", "h1", "h2", "h3", "h4", "h5", "h6", "hr"}


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
