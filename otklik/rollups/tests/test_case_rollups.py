"""The case rollups (docs/decisions/0031): the reports' case figures read from them equal a raw computation over
the cases, the case services keep them exact, and an edited SLA policy stops their use until reconciled."""

import datetime
import random

import pytest
from django.utils import timezone

from otklik.cases import services as case_services
from otklik.cases.models import Severity
from otklik.dashboard import case_rollups, metrics, people
from otklik.messaging.models import OutboxMessage
from otklik.rollups.cases import case_rollups_ready
from otklik.rollups.models import CaseRollup, RollupState
from otklik.rollups.services import organizations_due, rollups_reconcile
from otklik.sla.selectors import sla_policies
from otklik.sla.services import sla_policies_save
from otklik.testing.factories import make_case

TZ_NAME = "Europe/Moscow"
START = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
NOW = START + datetime.timedelta(days=80, hours=5)
PERIODS = [
    {},  # all time: month rows
    {"date_from": datetime.date(2026, 2, 1), "date_to": datetime.date(2026, 3, 31)},  # whole months
    {"date_from": datetime.date(2026, 1, 17), "date_to": datetime.date(2026, 3, 22)},  # days
]


@pytest.fixture
def cases(world):
    """Seeded cases over three months at both locations, held by three people or nobody; some answered late,
    some unanswered and not yet due at NOW, a few of an unknown severity."""
    world.org.time_zone = TZ_NAME
    world.org.save()
    rng = random.Random(26)
    holders = [world.employee, world.manager, world.owner, None]
    for n in range(160):
        created = START + datetime.timedelta(seconds=rng.randint(0, 81 * 86400), microseconds=rng.randint(0, 999999))
        thanked = created + datetime.timedelta(hours=rng.random() * 60) if rng.random() < 0.7 else None
        resolved = created + datetime.timedelta(hours=rng.random() * 300) if rng.random() < 0.5 else None
        make_case(
            location=world.store if n % 3 else world.other_store,
            touchpoint=(world.checkout if n % 3 else world.other_checkout) if n % 5 else None,
            severity=rng.choice([*Severity.values, *Severity.values, "unknown"]),
            responsible=rng.choice(holders),
            created_at=created,
            thanked_at=thanked,
            resolved_at=resolved,
        )
    rollups_reconcile(organization=world.org, now=NOW)
    return world


def _raw(monkeypatch, fn):
    """`fn()` computed from the cases alone, as before the case rollups."""
    with monkeypatch.context() as patch:
        patch.setattr(people, "case_rollups_ready", lambda **kwargs: False)
        return fn()


@pytest.mark.parametrize("period", PERIODS)
@pytest.mark.parametrize("by", [None, "touchpoint", "location", "month", "week"])
def test_case_rollup_counts_equal_the_raw_ones(cases, period, by):
    """The sums per breakdown equal the counts /metrics/ computes from the cases (the same policies)."""
    membership = cases.owner.memberships.get()
    assert case_rollups_ready(organization=cases.org, policies=sla_policies(organization=cases.org))
    fields = ("count", "answered", "answered_in_time", "resolved", "resolved_in_time")
    for location in (None, cases.store):
        scope = metrics.Scope(membership=membership, tz=cases.org.zone, location=location, **period)

        summed = case_rollups.case_counts(scope, case_rollups.CASE_ROLLUP_BREAKDOWNS[by])
        raw, _no_total = metrics._cases_by(scope, by, NOW)

        got = {metrics._key(key): tuple(row[f] for f in fields) for key, row in summed.items() if row["count"]}
        assert got == {key: tuple(getattr(item, f) for f in fields) for key, item in raw.items()}, (by, location)
        assert got, "the seeded cases fall in every period"


@pytest.mark.parametrize("period", PERIODS)
def test_people_case_counts_from_rollups_equal_the_raw_ones(cases, monkeypatch, period):
    # /people/ holds an unknown severity to the most urgent policy, the rollups to medium's: known ones only.
    cases.org.cases.filter(severity="unknown").update(severity=Severity.LOW)
    rollups_reconcile(organization=cases.org, now=NOW)
    scope = metrics.Scope(membership=cases.owner.memberships.get(), tz=cases.org.zone, **period)
    for group in ("responsible_id", "location_id"):
        raw = _raw(monkeypatch, lambda group=group: people._case_figures(scope, group))
        assert people._case_figures(scope, group) == raw, group


def test_case_services_keep_the_rollups_exact(world):
    """Opened, reassigned, re-graded, thanked (by hand and by message), resolved: nothing for the
    reconciliation to correct, in the day's and the month's rows."""
    first = case_services.case_create(location=world.store, content="Cold coffee.", touchpoint=world.checkout)
    second = case_services.case_create(location=world.other_store, content="Long queue.", severity=Severity.HIGH)
    rollups_reconcile(organization=world.org)
    case_services.case_update(
        case=first, by=world.manager, responsible=world.manager, severity=Severity.CRITICAL, planned_fix_date=None
    )
    case_services.case_thank(case=first, by=world.manager, via="phone")
    message = OutboxMessage(channel="email", created_at=timezone.now())  # only its channel and time are read
    assert case_services.case_mark_thanked_by_message(case=second, message=message)
    case_services.case_apologize(case=first, by=world.manager, apology="Sorry.")
    case_services.case_promise(
        case=first, by=world.manager, fix_promise="A new machine.", planned_fix_date=None, cannot_fix=True
    )
    case_services.case_report(case=first, by=world.manager, via="phone", cause="Old machine", action_taken="Replaced")

    check = rollups_reconcile(organization=world.org)

    assert check.cases_corrected == []
    day = CaseRollup.objects.get(location=world.store, grain="day", count__gt=0)  # the old key is left at 0
    assert (day.count, day.answered, day.resolved, day.responsible_id, day.severity) == (
        1,
        1,
        1,
        world.manager.pk,
        Severity.CRITICAL,
    )


def test_an_edited_policy_stops_the_rollups_until_reconciled(cases):
    policies = sla_policies(organization=cases.org)
    assert cases.org not in organizations_due(now=NOW)

    sla_policies_save(organization=cases.org, hours={Severity.HIGH: (1, 10)})

    edited = sla_policies(organization=cases.org)
    assert not case_rollups_ready(organization=cases.org, policies=edited)
    assert cases.org in organizations_due(now=NOW)
    rollups_reconcile(organization=cases.org, now=timezone.now())
    assert case_rollups_ready(organization=cases.org, policies=edited)
    assert RollupState.objects.get(organization=cases.org).case_policies != ""
    assert policies != edited
