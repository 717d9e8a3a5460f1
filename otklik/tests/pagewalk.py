"""Walk every staff page a member can GET and read its visible text: the base of the ru/uk render test.

The English-leftover check is deliberately low-noise: a visible text segment without Cyrillic is flagged
when at least two of its words, and two in three, are words of the English interface (the .po msgids) that
no Russian or Ukrainian translation uses; names, words every language shares (NPS, SMS) and Cyrillic pass.
Raw codes are snake_case tokens outside <code>, {placeholders}, @handles and paths.
"""

import re
from html.parser import HTMLParser

from django.urls import URLPattern, URLResolver, get_resolver

from otklik.accounts.models import Organization
from otklik.customers.models import Tag
from otklik.improvements.services import improvement_create
from otklik.insights.services import department_save, themes_discover
from otklik.messaging.models import OutboxMessage
from otklik.publication.services import story_create
from otklik.rules.models import Rule
from otklik.rules.services import rules_ensure_defaults
from otklik.surveys.tests.texts import RU_COMPLAINT
from otklik.testing.factories import make_customer, make_purchase, make_response
from otklik.tests.test_translations import catalog

# Not pages of the staff interface: the admin, the API (JSON), language switching, hooks, exports.
SKIPPED_PREFIXES = ("admin/", "api/", "i18n/", "hooks/", "logout/", "healthz", "u/", "i/", "report/pdf/")
SKIPPED_SUFFIXES = (".svg", ".png", ".csv", "progress/")

SNAKE_CASE = re.compile(r"(?<![{@\w./-])[a-z]+(?:_[a-z0-9]+)+(?![\w}])")
WORD = re.compile(r"[A-Za-zА-Яа-яЁёІіЇїЄєҐґ']+")
CYRILLIC = re.compile(r"[А-Яа-яЁёІіЇїЄєҐґ]")
ATTRIBUTES_SHOWN = ("placeholder", "aria-label", "title", "alt")
# Identifiers a user types or reads in a file, shown as examples in help texts: the CSV columns of a
# complaint import, customer event names from the API, RFM segment codes as the customer base stores them.
INPUT_FORMAT_CODES = {
    "customer_name",
    "customer_email",
    "customer_phone",
    "external_id",
    "received_at",
    "trial_started",
    "support_ticket",
    "support_call",
    "at_risk",
}


def pattern_paths(patterns=None, prefix: str = ""):
    """(route, argument names) of every URL pattern, resolvers expanded."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from pattern_paths(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def fill_route(route: str, values: dict[str, object]) -> str | None:
    """The route with its <converter:name> parts filled from `values`; None when one is unknown."""
    missing = []

    def value(match: re.Match) -> str:
        name = match.group(2)
        if name not in values:
            missing.append(name)
            return ""
        return str(values[name])

    path = re.sub(r"<(?:(\w+):)?(\w+)>", value, route)
    return None if missing else "/" + path


def staff_paths(values: dict[str, object]) -> list[str]:
    paths = []
    for route in pattern_paths():
        if route.startswith(SKIPPED_PREFIXES) or route.endswith(SKIPPED_SUFFIXES):
            continue
        path = fill_route(route, values)
        if path is not None and path not in paths:
            paths.append(path)
    return paths


class VisibleText(HTMLParser):
    """Text nodes and shown attributes, outside <script>, <style>, <textarea> and <code>, and outside
    elements marked as another language (`lang="en"`: an English customer template shown as such)."""

    HIDDEN = {"script", "style", "textarea", "code", "template"}
    VOID = {"br", "img", "input", "meta", "link", "hr", "source", "wbr", "col", "area", "base", "embed"}

    def __init__(self):
        super().__init__()
        self.segments: list[str] = []
        self.hidden_depth = 0
        self.stack: list[tuple[str, bool]] = []  # open elements, and whether each hides its text

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        hides = tag in self.HIDDEN or values.get("lang", "ru")[:2] not in ("ru", "uk")
        if tag not in self.VOID and tag != "html":
            self.stack.append((tag, hides))
            self.hidden_depth += hides
        if self.hidden_depth:
            return
        for name, text in attrs:
            if name in ATTRIBUTES_SHOWN and text:
                self.segments.append(text)

    def handle_endtag(self, tag):
        while self.stack:
            open_tag, hides = self.stack.pop()
            self.hidden_depth -= hides
            if open_tag == tag:
                break

    def handle_data(self, data):
        if not self.hidden_depth and data.strip():
            self.segments.append(" ".join(data.split()))


def visible_segments(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    return parser.segments


def english_only_words() -> set[str]:
    """Words of the English interface that no Russian or Ukrainian translation uses (so not NPS, SMS…)."""
    english, shared = set(), set()
    for language in ("ru", "uk"):
        for entry in catalog(language):
            english |= {word.lower() for word in WORD.findall(entry.msgid + " " + entry.msgid_plural)}
            shared |= {word.lower() for text in entry.translations for word in WORD.findall(text)}
    return {word for word in english - shared if len(word) > 1 and not CYRILLIC.search(word)}


def text_problems(html: str, *, english: set[str], allowed: set[str] = frozenset()) -> list[str]:
    """Raw codes and English leftovers in a page's visible text."""
    problems = []
    for segment in visible_segments(html):
        if segment in allowed:
            continue
        codes = [code for code in SNAKE_CASE.findall(segment) if code not in INPUT_FORMAT_CODES]
        problems += [f"code {code!r} in {segment[:80]!r}" for code in codes]
        words = WORD.findall(segment)
        english_words = sum(word.lower() in english for word in words)
        # Mostly words only the English interface uses (a word shared with a translation, "SMS", may be among them).
        if not codes and not CYRILLIC.search(segment) and english_words >= 2 and english_words * 3 >= len(words) * 2:
            problems.append(f"English {segment[:80]!r}")
    return problems


# sentirueval2016-ru/tweets.csv, tweet 626775414493590000 (sberbank, negative).
RU_STAFF = (
    "@sberbank о чем? О регулярно не работающих банкоматах, сотрудниках хамах и систематическими вашими "
    "косяками в обслуживании?"
)


def staff_world(world) -> dict[str, object]:
    """The world with Russian-speaking data behind every kind of page; the values that fill the URL patterns."""
    Organization.objects.filter(pk=world.org.pk).update(name="Отклик Кофе", default_language="ru")
    world.org.refresh_from_db()
    world.store.name = "Тверская"
    world.store.save()
    customer = make_customer(
        organization=world.org, name="Мария Смирнова", email="maria@example.org", consent_email=True
    )
    tag = Tag.objects.create(organization=world.org, name="ВИП")
    customer.tags.add(tag)
    first = make_response(
        survey=world.nps,
        touchpoint=world.checkout,
        score=1,
        comment=RU_COMPLAINT,
        language="ru",
        customer_name="Мария Смирнова",
        customer_email="maria@example.org",
    )
    make_response(survey=world.nps, touchpoint=world.checkout, score=2, comment=RU_STAFF, language="ru")
    make_response(survey=world.nps, touchpoint=world.checkout, score=10, comment="", language="ru")
    case = first.case
    improvement = improvement_create(organization=world.org, title="Починить личный кабинет")
    story, _findings = story_create(
        organization=world.org,
        by=world.manager,
        title="Личный кабинет",
        you_said="Не работает",
        we_did="Починили",
        cases=[case],
    )
    themes = themes_discover(organization=world.org)
    department = department_save(organization=world.org, name="Отдел сервиса", members=[world.employee])
    rules_ensure_defaults(organization=world.org)
    rule = Rule.objects.filter(organization=world.org).order_by("pk").first()
    purchase = make_purchase(customer=customer, location=world.store)
    message = OutboxMessage.objects.filter(organization=world.org).order_by("pk").first()
    return {
        "survey_id": world.nps.pk,
        "touchpoint_id": world.checkout.pk,
        "survey_key": world.nps.public_key,
        "touchpoint_key": world.checkout.public_key,
        "case_id": case.pk,
        "message_id": message.pk if message else 0,
        "kind": "case_thank_you",
        "language": "ru",
        "improvement_id": improvement.pk,
        "story_id": story.pk,
        "org_slug": world.org.slug,
        "customer_id": customer.pk,
        "tag_id": tag.pk,
        "response_id": first.pk,
        "theme_id": themes[0].pk if themes else 0,
        "department_id": department.pk,
        "rule_id": rule.pk,
        "product_id": purchase.product_id,
    }
