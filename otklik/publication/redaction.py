"""Automatic removal of personal data from texts that may reach a public page (E1, E2).

`redact()` runs before a moderator ever sees a draft, and again on every save, so a
complaint book entry or a story can only hold text that went through it.

What is replaced, in this order (an earlier rule wins where two overlap):
- links with a path or query ("t.co/CnctL7G1ef", "vk.com/id123") → "[link]"; a bare
  domain ("beeline.ru") stays, it names a company, not a person;
- e-mail addresses, also "ivan (at) mail (dot) ru" and "ivan собака mail.ru" → "[e-mail]";
- @handles → "[handle]", except the organization's own (`allowed_handles`);
- the identifier after an order/booking/account word ("order #12345", "заказ № 12345",
  "замовлення №4521", "conf #ggqzqd") → "[number]", the word itself stays;
- 13–19 digits that pass the Luhn check → "[card]";
- phone numbers (+7 (999) 123-45-67, 8 999 123 45 67, +380 44 123 4567, (555) 123-4567,
  555.123.4567, 123-45-67) → "[phone]";
- any other run of 8 or more digits, also grouped or inside a token ("AB12345678") → "[number]";
- the case's known names (customer, staff), in any letter case and, for Cyrillic names, in
  any grammatical case (Иван, Ивана, Ивану; Мария, Марии), → "[name]";
- capitalized common first names from data/first_names.txt, their Cyrillic case forms, and
  Russian/Ukrainian patronymics, plus the capitalized word right after such a name (most
  often the surname: "Сергей Рыбаков", "Julie Andrews") → "[name]".

What stays readable on purpose: dates (24.02.2015, 2/24/2015, 2015-02-24), year ranges
(2014-2015), times (11:35),
amounts written with thousands separators ("1 500 000 руб", "$1,234"), numbers under 8
digits ("500 руб", "seat 4C"), and flight numbers ("flight 1234", "UA1459", "VX 27"), which
hundreds of passengers share.

The text is NFC-normalized first, look-alike forms (fullwidth, mathematical letters) are
folded to plain ones, and invisible format characters (zero-width spaces,
soft hyphens, direction marks) are dropped, so "ｉｖａｎ＠ｍａｉｌ．ｒｕ" or "Iv\u200ban" cannot
slip past; Latin/Cyrillic/Greek look-alike letters are folded when names are compared, so
"Ivаn" with a Cyrillic "а" is still "Ivan".

Known limits: lower-case first names that are not the case's known names ("thanks cathy"),
rare first names not in the list, surnames without a first name before them, names written
with initials ("Петров И. И."), numbers spelled out in words, 7-digit numbers without
separators, and identifiers without digits that follow no order word are not caught. The
moderator reads every draft before it is published.
"""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

PLACEHOLDERS = {
    "link": "[link]",
    "email": "[e-mail]",
    "handle": "[handle]",
    "card": "[card]",
    "phone": "[phone]",
    "number": "[number]",
    "name": "[name]",
}

NAMES_FILE = Path(__file__).parent / "data" / "first_names.txt"


@dataclass(frozen=True)
class Finding:
    """One piece of personal data that was replaced; `original` is kept in memory only, never stored."""

    kind: str
    start: int
    end: int
    original: str


# --- normalization -----------------------------------------------------------------------

_JOINER_BETWEEN_LETTERS = re.compile(r"(?<=\w)\u200d(?=\w)")
_COMBINING_ACCENTS = re.compile("[\u0300-\u036f]")


# Look-alike forms folded to plain letters and digits: fullwidth and halfwidth forms,
# mathematical letters (𝐈𝐯𝐚𝐧), circled and parenthesized digits, super- and subscripts,
# small and fullwidth "@". Full NFKC would also turn "№" into "No" and "…" into "...".
_FOLDED_RANGES = ((0xFF01, 0xFFEE), (0x1D400, 0x1D7FF), (0x2460, 0x24FF), (0x2070, 0x209F), (0xFE50, 0xFE6B))
_FOLDED_CHARS = set("¹²³")


def _fold(ch: str) -> str:
    code = ord(ch)
    if ch in _FOLDED_CHARS or any(low <= code <= high for low, high in _FOLDED_RANGES):
        return unicodedata.normalize("NFKC", ch)
    return ch


def _normalize(text: str) -> str:
    text = "".join(_fold(ch) for ch in unicodedata.normalize("NFC", text))
    text = _JOINER_BETWEEN_LETTERS.sub("", text)
    # Stress marks and other combining accents left after NFC would split a word in two.
    text = _COMBINING_ACCENTS.sub("", text)
    # Format characters (Cf) are invisible; keep only the joiner that glues emoji together.
    return "".join(ch for ch in text if ch == "\u200d" or unicodedata.category(ch) != "Cf")


# After lower-casing, Cyrillic and Greek letters that look like Latin ones (also in capitals:
# В/B, Н/H, Т/T, М/M) become the Latin letter, so a name typed in mixed scripts still matches.
_LOOKALIKES = str.maketrans("авеёкмнорстухіјѕԁαβεικμνορτυχ", "abeekmhopctyxijsdabeikmnoptyx")


def _skeleton(word: str) -> str:
    """A comparison key that folds case, ё/е and Latin/Cyrillic/Greek look-alike letters."""
    return word.lower().translate(_LOOKALIKES)


# --- links, e-mails, handles ---------------------------------------------------------------

_URL = re.compile(
    r"(?i)(?:\bhttps?://|\bwww\.|(?<![\w@.-])(?=[\w.-]+\.(?:com|net|org|ru|ua|by|kz|io|me|co|ly|su|рф|укр)/))"
    r"[^\s<>\"'«»]+"
)
_URL_TRAILING = ".,!?;:)]}»\"'…”“’"

_TLDS = r"com|net|org|ru|ua|by|kz|de|uk|io|info|biz|edu|gov|me|co|us|su|рф|укр"
# A top-level domain is Latin or one of the Cyrillic ones, so "mail@beeline.ru.Проверим" keeps its last word.
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]*\w@[\w-]+(?:\.[\w-]+)*\.(?:[a-zA-Z]{2,24}|рф|укр|рус|бел|срб|қаз)(?![\w@])")
_AT = r"(?:\s+@\s*|\s*@\s+|\s*[(\[{<]\s*(?:at|собака|собачка|равлик)\s*[)\]}>]\s*|\s+(?:at|собака|собачка|равлик)\s+)"
_DOT = r"(?:\s*[(\[{<]\s*(?:dot|точка|крапка)\s*[)\]}>]\s*|\s+(?:dot|точка|крапка)\s+|\.)"
_OBFUSCATED_EMAIL = re.compile(rf"(?i)(?<![\w.+-])[\w.+-]*\w{_AT}[\w-]+(?:{_DOT}[\w-]+)*?{_DOT}(?:{_TLDS})(?!\w)")
# E-mails are gone when handles are looked for, so "@megafon@LevVolfson" is two handles.
_HANDLE = re.compile(r"@(\w{1,30})")

# --- numbers ---------------------------------------------------------------------------------

_ORDER_WORDS = (
    r"orders?|booking|reservation|confirmation|conf|ticket|invoice|account|acct|tracking|claim|"
    r"receipt|ref|reference|pnr|record\s+locator|loyalty|member(?:ship)?|"
    r"заказ\w*|договор\w*|сч[её]т\w*|квитанц\w*|накладн\w*|билет\w*|бронь|брони|бронирован\w*|"
    r"лицев\w*|чек\w*|замовлен\w*|рахун\w*|квит(?:ок|ка|ку)|бронюван\w*|посилк\w*|відправлен\w*|"
    r"договір\w*|трек\w*"
)
_ORDER_LEAD = re.compile(
    rf"(?i)(?<!\w)(?:{_ORDER_WORDS})\b(?:['’]s)?"
    r"(?:\s*(?:numbers?\b|nos?\.|nos?\b|nr\b\.?|num\b\.?|ids?\b|codes?\b|номер\w*|№|n°|#(?:['’]?s\b)?|:))*\s*"
)
_ID_TOKEN = re.compile(r"[^\W_][\w-]*")
_ID_SEPARATOR = re.compile(r"\s*(?:,|&amp;|&|\band\b|\bи\b|\bі\b|\bта\b|/)\s*", re.IGNORECASE)

_DATE = re.compile(r"(?<![\d.,/-])(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})(?![\d])|(?<!\d)\d{4}-\d{2}-\d{2}(?!\d)")
_YEAR_RANGE = re.compile(r"(?<![\d.,/-])(?:19|20)\d\d[-–](?:19|20)\d\d(?![\d])")
_TIME = re.compile(r"(?<!\d)\d{1,2}:\d{2}(?::\d{2})?(?!\d)")

_CARD = re.compile(r"(?<!\w)(?:\d[ -]?){12,18}\d(?!\w)")
_SEP = r"[^\S\r\n]{1,2}|[^\S\r\n]?[.\-–][^\S\r\n]?"
_PHONE = re.compile(
    rf"(?<![\w+])(?:\+[^\S\r\n]?\d{{1,3}}|\(\+?\d{{1,5}}\)|\d{{1,5}})(?:(?:{_SEP})?(?:\(\d{{1,5}}\)|\d{{1,5}})){{1,7}}(?!\w)"
)
_THOUSANDS = re.compile(r"\d{1,3}(?:([ \u00a0\u202f,.])\d{3})(?:\1\d{3})*")
_GROUPED_NUMBER = re.compile(r"(?<![\w])\d(?:[ \-]?\d){7,}(?!\w)")
_TOKEN_WITH_DIGITS = re.compile(r"(?<![\w-])[^\W_]*\d[^\W_]*(?![\w])")

# --- names -----------------------------------------------------------------------------------

_WORD = re.compile(r"[^\W\d_]+")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_STRIPPABLE_ENDING = "аяйьоеиыуюєії"
_CASE_ENDINGS = "а я у ю е є і ї и ы о ом ем єм ой ей ою ею ові еві єві ым им ого ому ую ая ий ій ої ую".split()
_PATRONYMIC = re.compile(
    r"[А-ЯЁІЇЄҐ][а-яёіїєґ'’]+(?:ович|евич|євич|овна|евна|ична|івна|ївна)(?:а|у|ем|ом|ой|ою|ы|і|и|е|ем)?"
)
_BLANK = "\x00"  # fills spans already replaced, so later rules cannot reuse their characters


def _name_forms(name: str) -> set[str]:
    """The skeletons of a name and, for a Cyrillic name, of its case forms."""
    forms = {_skeleton(name)}
    if _CYRILLIC.search(name) and len(name) >= 3:
        stem = name[:-1] if name[-1].lower() in _STRIPPABLE_ENDING else name
        forms.update(_skeleton(stem + ending) for ending in _CASE_ENDINGS)
    return forms


@lru_cache(maxsize=1)
def common_first_names() -> frozenset[str]:
    """Skeletons of the shipped first names and their case forms."""
    forms: set[str] = set()
    for line in NAMES_FILE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            forms |= _name_forms(line)
    return frozenset(forms)


def _known_name_forms(known_names: Iterable[str]) -> set[str]:
    forms: set[str] = set()
    for full_name in known_names:
        for part in _WORD.findall(_normalize(full_name or "")):
            if len(part) >= 2:
                forms |= _name_forms(part)
    return forms


# --- the scan ---------------------------------------------------------------------------------


class _Scan:
    """The text plus what is already replaced; rules propose spans, the first taker wins."""

    def __init__(self, text: str):
        self.text = text
        self.chars = list(text)
        self.findings: list[Finding] = []

    @property
    def view(self) -> str:
        return "".join(self.chars)

    def free(self, start: int, end: int) -> bool:
        return _BLANK not in self.chars[start:end]

    def take(self, kind: str, start: int, end: int) -> None:
        if start >= end or not self.free(start, end):
            return
        self.findings.append(Finding(kind=kind, start=start, end=end, original=self.text[start:end]))
        self.chars[start:end] = _BLANK * (end - start)

    def protect(self, start: int, end: int) -> None:
        """Hide a date or time from the number rules without replacing it."""
        self.chars[start:end] = "\x01" * (end - start)

    def result(self) -> str:
        out, position = [], 0
        for finding in sorted(self.findings, key=lambda f: f.start):
            out.append(self.text[position : finding.start])
            out.append(PLACEHOLDERS[finding.kind])
            position = finding.end
        out.append(self.text[position:])
        return "".join(out)


def _digits(text: str) -> str:
    return "".join(str(unicodedata.digit(ch)) for ch in text if ch.isdigit())


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _is_date(match: re.Match) -> bool:
    if match.group(1) is None:
        return True  # ISO yyyy-mm-dd
    first, second = int(match.group(1)), int(match.group(3))
    return (1 <= first <= 31 and 1 <= second <= 12) or (1 <= first <= 12 and 1 <= second <= 31)


def _links(scan: _Scan) -> None:
    for match in _URL.finditer(scan.text):
        url = match.group().rstrip(_URL_TRAILING)
        rest = re.sub(r"(?i)^(?:https?://)?[^/?#]*", "", url)
        if rest.strip("/"):  # a path or a query may name a person; a bare domain names a company
            scan.take("link", match.start(), match.start() + len(url))


def _emails(scan: _Scan) -> None:
    for pattern in (_EMAIL, _OBFUSCATED_EMAIL):
        for match in pattern.finditer(scan.view):
            scan.take("email", match.start(), match.end())


def _handles(scan: _Scan, allowed: set[str]) -> None:
    for match in _HANDLE.finditer(scan.view):
        if match.group(1).lower() not in allowed:
            scan.take("handle", match.start(), match.end())


def _looks_like_id(token: str, *, attached: bool) -> bool:
    if len(token) < 4:
        return False
    if any(ch.isdigit() for ch in token):
        return True
    # Booking codes (PNR) are 5–8 capitals, or anything glued to '#'/'№' ("conf #ggqzqd").
    return 5 <= len(token) <= 8 and (token.isupper() or attached)


def _order_numbers(scan: _Scan) -> None:
    view = scan.view
    for lead in _ORDER_LEAD.finditer(view):
        if lead.start() and view[lead.start() - 1] == "#":
            continue  # a hashtag ("#loyalty #rewards"), not an order word
        position = lead.end()
        attached = view[lead.end() - 1] in "#№"
        while True:
            token = _ID_TOKEN.match(view, position)
            if token is None or not _looks_like_id(token.group(), attached=attached):
                break
            scan.take("number", token.start(), token.end())
            separator = _ID_SEPARATOR.match(view, token.end())
            if separator is None:
                break
            position, attached = separator.end(), False


def _dates_and_times(scan: _Scan) -> None:
    view = scan.view
    for match in _DATE.finditer(view):
        if _is_date(match):
            scan.protect(match.start(), match.end())
    for pattern in (_YEAR_RANGE, _TIME):
        for match in pattern.finditer(scan.view):
            scan.protect(match.start(), match.end())


def _cards(scan: _Scan) -> None:
    for match in _CARD.finditer(scan.view):
        if luhn_valid(_digits(match.group())):
            scan.take("card", match.start(), match.end())


def _is_phone(candidate: str) -> bool:
    digits = _digits(candidate)
    if not 7 <= len(digits) <= 15:
        return False
    has_separator = bool(re.search(r"[^\d+]", candidate))
    if not has_separator:
        # A bare run is a phone only in the shapes that are unmistakable; others go to "[number]".
        return candidate.startswith("+") or (len(digits) == 11 and digits[0] in "78") or digits.startswith("380")
    if _THOUSANDS.fullmatch(candidate):
        return False  # "1 500 000" is an amount
    groups = re.findall(r"\d+", candidate)
    if re.fullmatch(r"\d{3}[.-]\d{4}", candidate):
        return True  # a local number: 555-1234
    return candidate.startswith("+") or "(" in candidate or len(groups) >= 3 or len(digits) >= 10


def _phones(scan: _Scan) -> None:
    for match in _PHONE.finditer(scan.view):
        if _is_phone(match.group()):
            scan.take("phone", match.start(), match.end())


def _long_numbers(scan: _Scan) -> None:
    for match in _GROUPED_NUMBER.finditer(scan.view):
        if not _THOUSANDS.fullmatch(match.group()):
            scan.take("number", match.start(), match.end())
    for match in _TOKEN_WITH_DIGITS.finditer(scan.view):
        if len(_digits(match.group())) >= 8:
            scan.take("number", match.start(), match.end())


_NOT_SURNAMES = frozenset(
    "at in on of to from for and or the a an is was at via with thanks thank please "
    "и в во на из у с к по за от для спасибо і та з до від".split()
)


def _names(scan: _Scan, known: set[str]) -> None:
    common = common_first_names()
    words = list(_WORD.finditer(scan.view))
    follow_until = -1  # the last word index that may be a surname after a found first name
    for index, word in enumerate(words):
        text = word.group()
        key = _skeleton(text)
        capitalized = text[0].isupper()
        is_name = key in known or (capitalized and (key in common or _PATRONYMIC.fullmatch(text) is not None))
        gap = scan.text[words[index - 1].end() : word.start()] if index else ""
        is_surname = (
            index <= follow_until
            and capitalized
            and not text.isupper()  # "Travis PHL": an airport code, not a surname
            and text.lower() not in _NOT_SURNAMES
            and gap in (" ", "\u00a0", "-")
        )
        if is_name or is_surname:
            scan.take("name", word.start(), word.end())
            if is_name:
                follow_until = index + 2  # "Сергей Иванович Петров": patronymic and surname
        else:
            follow_until = -1


def redact(
    text: str, *, known_names: Iterable[str] = (), allowed_handles: Iterable[str] = ()
) -> tuple[str, list[Finding]]:
    """Replace personal data in `text` with placeholders such as "[name]" and "[phone]".

    `known_names` are full names that must never appear (the customer's, the staff's); each part
    is matched in any letter case and grammatical case. `allowed_handles` are the organization's
    own @handles, kept as they are. Returns the redacted text (NFKC-normalized, without invisible
    characters) and what was replaced, in order of appearance. Redacting twice changes nothing.
    """
    scan = _Scan(_normalize(text or ""))
    _links(scan)
    _emails(scan)
    _handles(scan, {handle.lower().lstrip("@") for handle in allowed_handles if handle})
    _order_numbers(scan)
    _dates_and_times(scan)
    _cards(scan)
    _phones(scan)
    _long_numbers(scan)
    _names(scan, _known_name_forms(known_names))
    findings = sorted(scan.findings, key=lambda f: f.start)
    return scan.result(), findings


def finding_kinds(findings: Iterable[Finding]) -> list[str]:
    """The kinds found, once each, in placeholder order: for a short message to the moderator."""
    found = {finding.kind for finding in findings}
    return [kind for kind in PLACEHOLDERS if kind in found]
