"""Reads behind /people/ (F2): service indicators per employee and per department, and the best of a period.

An answer counts for the employee whose QR code it came through, else for the seller of the
purchase it is about (as on /metrics/). Praise "naming" an employee is found the way the rules
app finds whom to forward praise to (`rules.selectors.employees_named`): first name, last name or
user name in any grammatical form of the answer's language. A department is one the organization
defined (insights.Department: its members' figures together); an organization without any sees its
locations instead.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum

from otklik.accounts.models import Role
from otklik.accounts.selectors import visible_locations
from otklik.dashboard.case_rollups import CASE_ROLLUP_BREAKDOWNS, case_counts
from otklik.dashboard.metrics import (
    RESPONSE_PATHS,
    Scope,
    group_expression,
    grouped_with_purchases,
    scoped_cases,
    scoped_responses,
    sla_hours,
)
from otklik.insights.models import AnswerAnalysis, Department
from otklik.rollups import stats
from otklik.rollups.cases import case_rollups_ready
from otklik.rollups.metrics import NPS, band_count, nps_counts
from otklik.rollups.selectors import rollups_for_period, rollups_ready
from otklik.sla.selectors import sla_policies
from otklik.surveys.kinds import KINDS, praise_q

MIN_ANSWERS_TO_RANK = 5
BEST_SHOWN = 5
# Name matching lemmatizes each praise comment; past this many (newest first) the count says "at least".
PRAISE_SCAN_LIMIT = 5000
MIN_NAME_LENGTH = 3  # as the rules app: "Al" would match too many words


def praise_condition() -> Q:
    """Answers at the top of their scale (NPS 9–10, CSAT 4–5, CES 1–2, …): each kind's praise band."""
    return praise_q()


def score_share_of_best(*, kind: str, mean: float) -> float:
    """A mean score as % of the way from the worst to the best of its scale (CES: lower is better).

    NPS mean 7.5 → 75; CSAT mean 4 → 75; CES mean 2.5 → 75.
    """
    spec = KINDS[kind]
    share = (mean - spec.min_score) / (spec.max_score - spec.min_score)
    return 100 * (1 - share if spec.lower_is_better else share)


@dataclass
class PeopleRow:
    """One employee's or one department's service indicators in the period."""

    key: object
    name: str
    answers: int = 0
    nps: stats.Interval | None = None
    mean_score_share: float | None = None  # mean score, % of the best, over every kind of answer
    praise: int = 0  # answers at the top of their scale
    praise_lower_bound: float = 0.0  # lower end of the 95 % interval of the praise share
    named_in_praise: int = 0
    cases: int = 0  # cases opened in the period that they hold (employee) or that are here (department)
    resolved: int = 0
    resolved_in_sla: int = 0

    @property
    def praise_share(self) -> float | None:
        return 100 * self.praise / self.answers if self.answers else None

    @property
    def resolved_in_sla_share(self) -> float | None:
        return 100 * self.resolved_in_sla / self.resolved if self.resolved else None


@dataclass
class PeopleReport:
    employees: list[PeopleRow] = field(default_factory=list)
    departments: list[PeopleRow] = field(default_factory=list)
    best: list[PeopleRow] = field(default_factory=list)
    min_answers: int = MIN_ANSWERS_TO_RANK
    praise_scan_capped: bool = False
    departments_are_locations: bool = True


def workers(*, scope: Scope) -> QuerySet[User]:
    """The organization's people who serve customers (everyone but read-only viewers)."""
    return (
        User.objects.filter(
            memberships__organization=scope.membership.organization,
            memberships__role__in=[Role.OWNER, Role.MANAGER, Role.EMPLOYEE],
        )
        .distinct()
        .order_by("username")
    )


def _figure_aggregates(*, rollups: bool) -> dict:
    """Per group and kind: answers, their score total, each kind's praise and the NPS parts."""
    # Each kind's praise band; a row keeps the one of its own kind.
    praise = {
        f"praise_{code}": band_count(spec.praise, rollups=rollups, kind_filter=Q(kind=code))
        for code, spec in KINDS.items()
    }
    return {
        "answers": Sum("count") if rollups else Count("id"),
        "total": Sum("score_sum" if rollups else "score"),
        **praise,
        **NPS.aggregates(rollups=rollups, prefix="nps_"),
    }


def _figure_rows(scope: Scope, by: str) -> list[dict] | QuerySet:
    """Per group and kind: answers, their score total, praise and NPS parts; from the rollups where they hold them.

    By location the rollups hold everything; by employee they hold each touchpoint's employee, and the
    answers tied to a purchase whose seller counts instead are added from the answers (`grouped_with_purchases`).
    """
    membership = scope.membership
    ready = rollups_ready(organization=membership.organization)
    if by == "location" and ready:
        rollups = rollups_for_period(
            membership=membership, date_from=scope.date_from, date_to=scope.date_to, location=scope.location
        )
        return (
            rollups.annotate(group=F("location"))
            .values("group", "kind")
            .annotate(**_figure_aggregates(rollups=True))
            .order_by()
        )
    if by == "employee" and ready:
        groups = grouped_with_purchases(
            scope,
            by,
            rollup_aggregates=_figure_aggregates(rollups=True),
            answer_aggregates=_figure_aggregates(rollups=False),
            also=("kind",),
        )
        return list(groups.values())
    return (
        scoped_responses(scope)
        .annotate(group=group_expression(by, RESPONSE_PATHS, scope.tz))
        .values("group", "kind")
        .annotate(**_figure_aggregates(rollups=False))
        .order_by()
    )


def _answer_figures(scope: Scope, by: str) -> dict[object, dict]:
    """Per group: answers, NPS counts, the mean score as % of the best, praise count."""
    figures: dict[object, dict] = defaultdict(_empty_figures)
    # A group's kinds are added in one fixed order: float sums taken in the database's row order differed in the
    # last bit between the rollups and the raw answers, the same figures read two ways.
    for row in sorted(_figure_rows(scope, by), key=lambda row: row["kind"]):
        count = int(row["answers"] or 0)
        if not count:  # a rollup whose answers were all removed
            continue
        item = figures[row["group"]]
        item["count"] += count
        item["weighted"] += count * score_share_of_best(kind=row["kind"], mean=int(row["total"]) / count)
        item["praise"] += int(row[f"praise_{row['kind']}"] or 0)
        if row["kind"] == NPS.kind:
            promoters, passives, detractors = nps_counts(NPS.parts(row, "nps_"))
            item["promoters"] += promoters
            item["detractors"] += detractors
            item["passives"] += passives
            item["nps"] = _nps(item)
    return figures


def _empty_figures() -> dict:
    return {"count": 0, "weighted": 0.0, "praise": 0, "nps": None, "promoters": 0, "passives": 0, "detractors": 0}


def _nps(item: dict) -> stats.Interval:
    return stats.nps_interval(promoters=item["promoters"], passives=item["passives"], detractors=item["detractors"])


def _combined(parts: list[dict]) -> dict | None:
    """A department's answer figures: its members' added up (an answer counts for the person it is about)."""
    if not parts:
        return None
    total = _empty_figures()
    for part in parts:
        for key in ["count", "weighted", "praise", "promoters", "passives", "detractors"]:
            total[key] += part[key]
    if total["promoters"] + total["passives"] + total["detractors"]:
        total["nps"] = _nps(total)
    return total


def _name_forms(people: list[User], language: str, cache: dict) -> dict[str, set[int]]:
    """Every form of the people's names in `language` → the people it names (a word may name several)."""
    from otklik.insights import text as textlib

    if language not in cache:
        forms: dict[str, set[int]] = defaultdict(set)
        for person in people:
            names = {person.first_name.lower(), person.last_name.lower(), person.username.lower()}
            names = {name for name in names if len(name) >= MIN_NAME_LENGTH}
            for form in names | {textlib.lemma(name, language) for name in names}:
                forms[form].add(person.pk)
        cache[language] = forms
    return cache[language]


def _words_of(column: str):
    # One value of the answer's stored analysis, looked up per row the LIMIT lets through: the answers come in
    # the order of the praise index, so PostgreSQL stops after PRAISE_SCAN_LIMIT + 1 of them (a join would be
    # planned before the LIMIT and could read every analysis of the organization).
    return Subquery(AnswerAnalysis.objects.filter(response=OuterRef("pk")).values(column)[:1])


def praise_names(*, scope: Scope, people: list[User]) -> tuple[dict[int, int], dict[int, int], bool]:
    """How many praise answers name each person, and how many per location name anyone.

    Returns (per person id, per location id, capped): `capped` when more praise comments than
    PRAISE_SCAN_LIMIT were in the period and only the newest were read.
    """
    from otklik.insights import text as textlib

    praised = (
        scoped_responses(scope)
        .filter(praise_condition())
        .exclude(comment="")
        # Newest first, as the answers' partial index of praise comments holds them (surveys.Response).
        .order_by("-created_at", "-id")
        # The words stored when the answer was tagged (docs/decisions/0031); NULL for one tagged before.
        .annotate(stored=_words_of("comment_words"), stored_language=_words_of("comment_language"))
        .values_list("comment", "location_id", "stored", "stored_language")
    )
    comments = list(praised[: PRAISE_SCAN_LIMIT + 1])
    capped = len(comments) > PRAISE_SCAN_LIMIT
    per_person: dict[int, int] = defaultdict(int)
    per_location: dict[int, int] = defaultdict(int)
    cache: dict[str, dict[str, set[int]]] = {}
    for comment, location_id, stored, stored_language in comments[:PRAISE_SCAN_LIMIT]:
        if not stored:  # tagged before the words were stored, or a comment added since (re-tagged in seconds)
            language, tokens = textlib.name_words(comment)
        else:
            language, tokens = stored_language, frozenset(stored.split())
        forms = _name_forms(people, language, cache)
        # The name forms among the comment's words, then whom they name: a person named twice counts once.
        named = set().union(*(forms[word] for word in tokens & forms.keys()))
        for pk in named:
            per_person[pk] += 1
        if named:
            per_location[location_id] += 1
    return per_person, per_location, capped


def _case_figures(scope: Scope, group: str) -> dict[object, tuple[int, int, int]]:
    """Per responsible person or location: (cases opened in the period, resolved, resolved within SLA).

    One grouped query; an unknown severity is held to the first (most urgent) policy.
    """
    policies = sla_policies(organization=scope.membership.organization)
    if case_rollups_ready(organization=scope.membership.organization, policies=policies):
        # The rollups hold both groups (the person as an id, 0 for nobody) and the counts (docs/decisions/0031).
        counts = case_counts(
            scope, CASE_ROLLUP_BREAKDOWNS[{"responsible_id": "responsible", "location_id": "location"}[group]]
        )
        return {
            key: (row["count"], row["resolved"], row["resolved_in_time"]) for key, row in counts.items() if row["count"]
        }
    resolved = Q(resolved_at__isnull=False)
    due = F("created_at") + sla_hours(policies, "resolution_hours", default=next(iter(policies)))
    rows = (
        scoped_cases(scope)
        .annotate(resolution_due=due)
        .values(group)
        .annotate(
            count=Count("id"),
            resolved=Count("id", filter=resolved),
            resolved_in_time=Count("id", filter=Q(resolved_at__lte=F("resolution_due"))),
        )
        .order_by()
    )
    return {row[group]: (row["count"], row["resolved"], row["resolved_in_time"]) for row in rows}


def _row(key: object, name: str, answers: dict | None, cases: tuple | None, named: int) -> PeopleRow:
    row = PeopleRow(key=key, name=name, named_in_praise=named)
    if answers:
        row.answers, row.praise, row.nps = answers["count"], answers["praise"], answers["nps"]
        row.mean_score_share = answers["weighted"] / answers["count"] if answers["count"] else None
        row.praise_lower_bound = stats.lower_bound_share(successes=row.praise, count=row.answers)
    if cases:
        row.cases, row.resolved, row.resolved_in_sla = cases
    return row


def people_report(*, scope: Scope, min_answers: int = MIN_ANSWERS_TO_RANK, best: int = BEST_SHOWN) -> PeopleReport:
    """Indicators per employee and per department (location) over the member's scope, and the best.

    The best are the employees with at least `min_answers` answers, ranked by the lower end of
    the 95 % interval of their share of praise answers, so that one lucky answer (1 of 1, lower
    bound 21 %) ranks below a long good record (45 of 50, lower bound 79 %).
    """
    people = list(workers(scope=scope))
    by_person = _answer_figures(scope, "employee")
    by_location = _answer_figures(scope, "location")
    named, named_here, capped = praise_names(scope=scope, people=people)
    cases_by_person = _case_figures(scope, "responsible_id")
    cases_by_location = _case_figures(scope, "location_id")

    employees = []
    for person in people:
        if person.pk in by_person or person.pk in named or person.pk in cases_by_person:
            name = person.get_full_name() or person.get_username()
            employees.append(
                _row(person.pk, name, by_person.get(person.pk), cases_by_person.get(person.pk), named.get(person.pk, 0))
            )
    employees.sort(key=lambda row: row.name.casefold())

    teams = Department.objects.filter(organization=scope.membership.organization).prefetch_related("members")
    if teams:
        departments = [_team_row(team, by_person, cases_by_person, named) for team in teams]
    else:
        locations = visible_locations(membership=scope.membership).order_by("name")
        if scope.location is not None:
            locations = locations.filter(pk=scope.location.pk)
        departments = [
            _row(loc.pk, loc.name, by_location.get(loc.pk), cases_by_location.get(loc.pk), named_here.get(loc.pk, 0))
            for loc in locations
            if loc.pk in by_location or loc.pk in cases_by_location
        ]

    ranked = [row for row in employees if row.answers >= min_answers]
    ranked.sort(key=lambda row: (-row.praise_lower_bound, -row.answers, row.name.casefold()))
    return PeopleReport(
        employees=employees,
        departments=departments,
        best=ranked[:best],
        min_answers=min_answers,
        praise_scan_capped=capped,
        departments_are_locations=not teams,
    )


def _team_row(team: Department, by_person: dict, cases_by_person: dict, named: dict) -> PeopleRow:
    """A department's row: its members' answers, cases and praise naming them, added up."""
    members = [member.pk for member in team.members.all()]
    cases = [cases_by_person[pk] for pk in members if pk in cases_by_person]
    return _row(
        ("department", team.pk),
        team.name,
        _combined([by_person[pk] for pk in members if pk in by_person]),
        tuple(map(sum, zip(*cases, strict=True))) if cases else None,
        sum(named.get(pk, 0) for pk in members),
    )


DEFAULT_DAYS = 30


def default_period(*, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The last 30 days up to today: the period the people page and its recognition show first."""
    return today - datetime.timedelta(days=DEFAULT_DAYS - 1), today
