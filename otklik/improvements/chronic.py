"""Chronic problems (C6, S2): complaints that keep coming back, and whether anything is being done.

Cases of the last 90 days are grouped by touchpoint and by topic. A topic is an
insights theme when the insights app has tagged the answers; otherwise it is a
word that several complaints share (stemmed, so "queue" and "queues" meet).
"""

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

import snowballstemmer
from django.apps import apps
from django.utils import timezone
from django.utils.translation import gettext as _

from otklik.accounts.models import Membership
from otklik.cases.models import Case
from otklik.cases.selectors import STATUS_ALL, cases_visible
from otklik.improvements.models import Improvement, ImprovementCase

CHRONIC_DAYS = 90
MIN_RECURRING = 2  # one complaint is an incident; two about the same thing start a pattern
TOP_WORDS = 12
MAX_CASES = 5000  # a bound on the Python word count; the newest cases are the ones that matter

TOPIC_THEMES = "themes"
TOPIC_WORDS = "words"

_HANDLE = re.compile(r"[@#]\w+|(?:https?://|www\.)\S+")
_WORD = re.compile(r"[^\W\d_]{4,}")
_CYRILLIC = re.compile(r"[а-яёіїєґ]")

# Function words of four letters or more (shorter words are dropped anyway).
_STOP = frozenset(
    """about after again also been before being cannot could didn dont does doing down during each even
    ever every from further have having here just like made make more most much must never only other
    over same should some such than thank thanks that their them then there these they this those
    through very want were what when where which while will with would your yours really still today
    если было были быть более будет вообще время всего даже если есть ещё здесь когда либо меня мне
    может можно надо него нибудь никто очень пока после потому почему просто сегодня себя снова спасибо
    так также теперь тоже только хотя чего чтобы этого этой этом уже
    було були бути буде вона вони вже дуже його коли може можна мені навіть нього після потім просто
    сьогодні тобто також тільки хоча цього цієї цьому якщо дякую""".split()
)


@lru_cache(maxsize=2)
def _stemmer(language: str):
    return snowballstemmer.stemmer(language)


def topic_words(text: str) -> dict[str, str]:
    """The complaint's content words: stem → the word as written.

    Snowball has no Ukrainian stemmer; the Russian one strips most shared endings, which is
    enough to bring the forms of one word together for counting.
    """
    found: dict[str, str] = {}
    for word in _WORD.findall(_HANDLE.sub(" ", text.lower())):
        if word in _STOP:
            continue
        stem = _stemmer("russian" if _CYRILLIC.search(word) else "english").stemWord(word)
        found.setdefault(stem, word)
    return found


@dataclass
class ChronicGroup:
    label: str
    detail: str = ""
    case_ids: list[int] = field(default_factory=list)
    open_count: int = 0
    improvements: list[Improvement] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.case_ids)

    @property
    def has_improvement(self) -> bool:
        return bool(self.improvements)


@dataclass(frozen=True)
class ChronicReport:
    since: datetime
    case_count: int
    by_touchpoint: list[ChronicGroup]
    by_topic: list[ChronicGroup]
    topic_source: str  # TOPIC_THEMES or TOPIC_WORDS


def _themes_by_case(case_ids: list[int], *, praise: set[int]) -> dict[int, list[tuple[int, str]]]:
    """Insights themes of the cases' answers, when that app is installed and has tagged them.

    Themes customers praise (`praise`) are left out: a chronic problem is a complaint.
    """
    try:
        answer_theme = apps.get_model("insights", "AnswerTheme")
    except LookupError:
        return {}
    themes: dict[int, list[tuple[int, str]]] = defaultdict(list)
    rows = answer_theme.objects.filter(response__case__in=case_ids).values_list(
        "response__case", "theme_id", "theme__name"
    )
    for case_id, theme_id, name in rows:
        if theme_id not in praise:
            themes[case_id].append((theme_id, name))
    return themes


def _praise_themes(membership: Membership) -> set[int]:
    if not apps.is_installed("otklik.insights"):
        return set()
    from otklik.insights.selectors import praise_theme_ids

    return praise_theme_ids(organization=membership.organization)


def _topic_groups(cases: list[Case], *, praise: set[int] = frozenset()) -> tuple[list[ChronicGroup], str]:
    themes = _themes_by_case([case.pk for case in cases], praise=praise)
    groups: dict[object, ChronicGroup] = {}
    if themes:
        for case in cases:
            for theme_id, name in themes.get(case.pk, []):
                groups.setdefault(theme_id, ChronicGroup(label=name)).case_ids.append(case.pk)
        return list(groups.values()), TOPIC_THEMES
    spellings: dict[str, Counter] = defaultdict(Counter)
    for case in cases:
        for stem, word in topic_words(case.content).items():
            spellings[stem][word] += 1
            groups.setdefault(stem, ChronicGroup(label=stem)).case_ids.append(case.pk)
    for stem, group in groups.items():
        group.label = spellings[stem].most_common(1)[0][0]
    recurring = sorted(groups.values(), key=lambda group: -group.count)
    return recurring[:TOP_WORDS], TOPIC_WORDS


def _touchpoint_groups(cases: list[Case]) -> list[ChronicGroup]:
    groups: dict[tuple[int, int | None], ChronicGroup] = {}
    for case in cases:
        key = (case.location_id, case.touchpoint_id)
        if key not in groups:
            label = case.touchpoint.name if case.touchpoint else _("No touchpoint")
            groups[key] = ChronicGroup(label=label, detail=case.location.name)
        groups[key].case_ids.append(case.pk)
    return list(groups.values())


def _finish(groups: list[ChronicGroup], open_ids: set[int], improvements_of: dict[int, list[Improvement]]):
    recurring = [group for group in groups if group.count >= MIN_RECURRING]
    for group in recurring:
        group.open_count = sum(1 for case_id in group.case_ids if case_id in open_ids)
        seen: dict[int, Improvement] = {}
        for case_id in group.case_ids:
            for improvement in improvements_of.get(case_id, []):
                seen.setdefault(improvement.pk, improvement)
        group.improvements = sorted(seen.values(), key=lambda improvement: improvement.pk)
    # Open complaints with nothing planned are the ones to act on: they come first among equals.
    return sorted(recurring, key=lambda group: (-group.count, group.has_improvement, -group.open_count, group.label))


def chronic_problems(*, membership: Membership, now: datetime | None = None, days: int = CHRONIC_DAYS) -> ChronicReport:
    """Recurring complaints of the last `days` days the member may see, by touchpoint and by topic.

    Each group has its cases, how many are still open, and the improvements linked to any of
    them; a group without one is a chronic problem nobody is fixing yet.
    """
    since = (now or timezone.now()) - timedelta(days=days)
    cases = list(
        cases_visible(membership=membership, status=STATUS_ALL)
        .filter(created_at__gte=since)
        .select_related(None)
        .select_related("location", "touchpoint")[:MAX_CASES]
    )
    open_ids = {case.pk for case in cases if case.is_open}
    improvements_of: dict[int, list[Improvement]] = defaultdict(list)
    links = ImprovementCase.objects.filter(
        case_id__in=[case.pk for case in cases], improvement__organization=membership.organization
    ).select_related("improvement")
    for link in links:
        improvements_of[link.case_id].append(link.improvement)
    topics, source = _topic_groups(cases, praise=_praise_themes(membership))
    return ChronicReport(
        since=since,
        case_count=len(cases),
        by_touchpoint=_finish(_touchpoint_groups(cases), open_ids, improvements_of),
        by_topic=_finish(topics, open_ids, improvements_of),
        topic_source=source,
    )
