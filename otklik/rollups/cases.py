"""The case rollups: complaints opened, answered and resolved (and within their SLA) per place, day and month.

Case counts are sums over cases, so they are kept like the answer rollups: one increment per change of a case,
in the transaction that changes it, and a month-by-month reconciliation from the cases
(`rollups.services.rollups_reconcile_month` walks them with the answers). /people/ reads them; /metrics/ and
the report do not, since their exact medians must read the period's cases anyway (docs/decisions/0031).

"In time" is judged by the organization's SLA policy per severity (`sla.selectors.sla_policies`), as
the reports judge it: an unknown severity is held to the medium one. The policies the counts were judged by
are recorded (`policies_key`); after an edit of a policy the rows are not read until a reconciliation
counted them again under the new hours.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Case as Cases
from django.db.models import Count, F, Q, Value, When
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from otklik.accounts.models import Organization
from otklik.batch import gather
from otklik.rollups.models import Grain, RollupState

HOUR = datetime.timedelta(hours=1)
MEDIUM = "medium"  # cases.models.Severity.MEDIUM: the policy of a severity that has none
CASE_VALUES = ("count", "answered", "answered_in_time", "resolved", "resolved_in_time")


@dataclass(frozen=True)
class CaseFacts:
    """What the case rollups count of one case: where it was opened, by whom it is held, and its clock."""

    location_id: int
    touchpoint_id: int | None
    responsible_id: int | None
    severity: str
    created_at: datetime.datetime
    thanked_at: datetime.datetime | None
    resolved_at: datetime.datetime | None


def case_facts(case) -> CaseFacts:
    """The counted fields of a case as they are now: take them before changing a case, and again after."""
    return CaseFacts(
        location_id=case.location_id,
        touchpoint_id=case.touchpoint_id,
        responsible_id=case.responsible_id,
        severity=case.severity,
        created_at=case.created_at,
        thanked_at=case.thanked_at,
        resolved_at=case.resolved_at,
    )


# The SLA policies per severity of an organization: `sla.selectors.sla_policies`, which the sla app registers
# when it is ready (`policies_reader`). The rollups sit below cases and sla, so they are handed the reader.
_read_policies: Callable[..., dict] | None = None


def policies_reader(reader: Callable[..., dict]) -> None:
    """Say how to read an organization's SLA policies per severity (`reader(organization=…)`)."""
    global _read_policies
    _read_policies = reader


def _policies(organization: Organization) -> dict:
    if _read_policies is None:
        raise RuntimeError("No SLA policies reader: the sla app registers one when it is ready.")
    return _read_policies(organization=organization)


def policies_key(policies: dict) -> str:
    """The SLA hours per severity as one short string: what the "in time" counts were judged by."""
    return " ".join(f"{s}:{p.first_answer_hours}/{p.resolution_hours}" for s, p in sorted(policies.items()))


def _hours(policies: dict, severity: str, attr: str) -> datetime.timedelta:
    policy = policies.get(severity) or policies[MEDIUM]
    return getattr(policy, attr) * HOUR


def _values(facts: CaseFacts, policies: dict | None, sign: int) -> list[int]:
    answered, resolved = facts.thanked_at is not None, facts.resolved_at is not None
    answered_in_time = resolved_in_time = False
    if answered:
        answered_in_time = facts.thanked_at <= facts.created_at + _hours(policies, facts.severity, "first_answer_hours")
    if resolved:
        resolved_in_time = facts.resolved_at <= facts.created_at + _hours(policies, facts.severity, "resolution_hours")
    return [sign * int(v) for v in (True, answered, answered_in_time, resolved, resolved_in_time)]


def rollup_case_change(
    *, organization: Organization, before: CaseFacts | None = None, after: CaseFacts | None = None
) -> None:
    """Count a case opened (`after` only), changed (both) or deleted (`before` only); call it in the transaction
    that writes the case. At most one statement, none when nothing counted changed (a note, an apology).

    The policies are read only for a case answered or resolved: a new case is in time by nobody's clock yet.
    """
    from otklik.rollups.services import CASES, _apply

    if before == after:
        return
    clocked = any(f is not None and (f.thanked_at or f.resolved_at) for f in (before, after))
    policies = _policies(organization) if clocked else None
    tz = organization.zone
    totals: dict[tuple, list[int]] = {}
    for facts, sign in ((before, -1), (after, +1)):
        if facts is None:
            continue
        day = timezone.localtime(facts.created_at, tz).date()
        month = day.replace(day=1)
        place = [organization.pk, facts.location_id, facts.touchpoint_id or 0, facts.responsible_id or 0]
        values = _values(facts, policies, sign)
        for grain, start in ((Grain.DAY, day), (Grain.MONTH, month)):
            total = totals.setdefault((*place, facts.severity, grain, start, month), [0] * len(CASE_VALUES))
            for i, value in enumerate(values):
                total[i] += value
    rows = [[*key, *values] for key, values in totals.items() if any(values)]
    # In the worker's batch of answers, added to the batch's other cases and written once at its end (decision 0040).
    if rows and not gather(GATHERED, rows):
        _apply(rows, CASES)


GATHERED = "rollup_cases"


def rollup_cases_add_gathered(rows: list[list]) -> None:
    """Write the case rollup rows a batch gathered (`rollup_case_change` inside `otklik.batch.item`), rows of the
    same key added up first: one statement for the batch."""
    from otklik.rollups.services import CASES, _apply

    keys = len(CASES.key_columns)
    totals: dict[tuple, list[int]] = {}
    for row in rows:
        total = totals.setdefault(tuple(row[:keys]), [0] * len(CASE_VALUES))
        for i, value in enumerate(row[keys:]):
            total[i] += value
    _apply([[*key, *values] for key, values in totals.items() if any(values)], CASES)


def sla_interval(policies: dict, attr: str) -> Cases:
    """The hours of a case's severity's policy (`attr`) as an interval, in SQL; an unknown severity: medium's."""
    return Cases(
        *(When(severity=severity, then=Value(getattr(p, attr) * HOUR)) for severity, p in policies.items()),
        default=Value(getattr(policies[MEDIUM], attr) * HOUR),
    )


def cases_fresh(organization: Organization, tz: datetime.tzinfo, since: datetime.datetime, until: datetime.datetime):
    """The case rollup rows (day grain) of the cases opened in [since, until), counted from the cases."""
    policies = _policies(organization)
    # Through the organization's reverse relation: the rollups do not import the cases app above them.
    cases = organization.cases.filter(created_at__gte=since, created_at__lt=until)
    return (
        cases.annotate(
            day=TruncDate("created_at", tzinfo=tz),
            touchpoint_key=Coalesce(F("touchpoint_id"), Value(0)),
            responsible_key=Coalesce(F("responsible_id"), Value(0)),
            first_due=F("created_at") + sla_interval(policies, "first_answer_hours"),
            resolution_due=F("created_at") + sla_interval(policies, "resolution_hours"),
        )
        .values("location_id", "touchpoint_key", "responsible_key", "severity", "day")
        .annotate(
            count=Count("id"),
            answered=Count("id", filter=Q(thanked_at__isnull=False)),
            answered_in_time=Count("id", filter=Q(thanked_at__lte=F("first_due"))),
            resolved=Count("id", filter=Q(resolved_at__isnull=False)),
            resolved_in_time=Count("id", filter=Q(resolved_at__lte=F("resolution_due"))),
        )
        .order_by()
    )


def case_rollups_ready(*, organization: Organization, policies: dict) -> bool:
    """Whether the case rollups may be read: reconciled in the organization's time zone under these policies."""
    return RollupState.objects.filter(
        organization=organization,
        time_zone=organization.time_zone,
        reconciled_at__isnull=False,
        case_policies=policies_key(policies),
    ).exists()


def case_rollups_policies_changed(*, organization: Organization) -> None:
    """An SLA policy was edited: stop reading the case rollups' "in time" counts and make the organization due
    for reconciliation (`services.organizations_due`), which counts them again under the new hours."""
    RollupState.objects.filter(organization=organization).update(case_policies="")
