"""Answer rollups: counted with each answer, reconciled from the raw answers, equal to a raw scan."""

import datetime
import random
import zoneinfo

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from otklik.dashboard import selectors
from otklik.intake.answers import answer_receive
from otklik.rollups.models import ResponseRollup, RollupState
from otklik.rollups.selectors import rollups_ready
from otklik.rollups.services import (
    RollupsBusy,
    organizations_due,
    rollup_remove_response,
    rollups_reconcile,
    rollups_reconcile_due,
)
from otklik.rollups.tasks import reconcile_rollups
from otklik.surveys.kinds import KINDS
from otklik.surveys.models import Response
from otklik.surveys.services import AnswerInput
from otklik.testing.factories import make_location, make_response, make_survey, make_touchpoint


def at(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=datetime.UTC)


def submit(*, survey, touchpoint, score: int, when: datetime.datetime) -> Response:
    return answer_receive(
        survey=survey, touchpoint=touchpoint, answer=AnswerInput(score=score), created_at=when, notify=False
    )


def test_every_scale_fits_the_per_score_columns():
    for kind in KINDS.values():
        assert 0 <= kind.min_score <= kind.max_score <= 10, kind.code


def test_an_answer_is_counted_in_its_days_rollup_when_it_is_stored(world):
    submit(survey=world.nps, touchpoint=world.checkout, score=9, when=at(2026, 3, 5))
    submit(survey=world.nps, touchpoint=world.checkout, score=3, when=at(2026, 3, 5, 18))

    day, month = ResponseRollup.objects.filter(organization=world.org).order_by("grain")

    assert (day.grain, day.start, day.kind, day.location_id, day.touchpoint_id) == (
        "day",
        datetime.date(2026, 3, 5),
        "nps",
        world.store.pk,
        world.checkout.pk,
    )
    assert (month.grain, month.start) == ("month", datetime.date(2026, 3, 1))
    for row in (day, month):
        assert (row.count, row.score_sum, row.s9, row.s3, row.s0) == (2, 12, 1, 1, 0)


def test_the_day_is_the_organizations_day(world):
    world.org.time_zone = "Asia/Kolkata"  # UTC+5:30
    world.org.save()
    submit(survey=world.nps, touchpoint=world.checkout, score=10, when=at(2026, 3, 5, 18, 45))
    assert ResponseRollup.objects.get(organization=world.org, grain="day").start == datetime.date(2026, 3, 6)


def test_an_answer_that_is_rolled_back_is_not_counted(world):
    with pytest.raises(RuntimeError), transaction.atomic():
        submit(survey=world.nps, touchpoint=world.checkout, score=10, when=at(2026, 3, 5))
        raise RuntimeError("the caller failed after the answer")
    assert not ResponseRollup.objects.exists()


def test_removing_an_answer_uncounts_it(world):
    kept = submit(survey=world.nps, touchpoint=world.checkout, score=10, when=at(2026, 3, 5))
    removed = submit(survey=world.nps, touchpoint=world.checkout, score=2, when=at(2026, 3, 5))
    with transaction.atomic():
        rollup_remove_response(response=removed, organization=world.org)
        removed.delete()
    for row in ResponseRollup.objects.filter(organization=world.org):
        assert (row.count, row.score_sum, row.s2, row.s10) == (1, kept.score, 0, 1)


def _random_answers(world, *, seed: int, count: int) -> None:
    rng = random.Random(seed)
    surveys = [
        world.nps,
        make_survey(organization=world.org, kind="csat"),
        make_survey(organization=world.org, kind="ces"),
    ]
    third = make_location(organization=world.org, name="Harbour")
    touchpoints = [
        world.checkout,
        world.other_checkout,
        make_touchpoint(location=third),
        make_touchpoint(location=third, name="Delivery", kind="delivery"),
    ]
    start = at(2025, 1, 1, 0)
    for _ in range(count):
        survey = rng.choice(surveys)
        spec = survey.spec
        # Minutes, not days: answers land near midnight too, where time zones move them.
        when = start + datetime.timedelta(minutes=rng.randrange(60 * 24 * 730))
        submit(
            survey=survey,
            touchpoint=rng.choice(touchpoints),
            score=rng.randint(spec.min_score, spec.max_score),
            when=when,
        )


def _all_metrics(qs, tz) -> list:
    figures = []
    for kind in selectors.METRIC_KINDS:
        figures.append(selectors.metric(qs=qs, kind=kind))
        figures.append(selectors.metric_by_touchpoint(qs=qs, kind=kind))
        figures.append(selectors.metric_by_month(qs=qs, kind=kind, tz=tz))
        figures.append(selectors.metric_by_location_month(qs=qs, kind=kind, tz=tz))
    return figures


@pytest.mark.parametrize("time_zone", ["UTC", "Asia/Kolkata", "America/New_York"])
def test_rollup_metrics_equal_a_raw_scan_on_random_answers(world, time_zone):
    from otklik.accounts.models import Membership

    world.org.time_zone = time_zone
    world.org.save()
    _random_answers(world, seed=sum(map(ord, time_zone)), count=400)
    rollups_reconcile(organization=world.org)
    tz = zoneinfo.ZoneInfo(time_zone)
    # (period, the grain that answers it): whole months (or open ends) read months, other periods days.
    periods = [
        ({}, "month"),
        ({"date_from": datetime.date(2025, 3, 1), "date_to": datetime.date(2025, 3, 31)}, "month"),
        (
            {
                "date_from": datetime.date(2025, 6, 15),
                "date_to": datetime.date(2026, 2, 3),
                "location": world.other_store,
            },
            "day",
        ),
        ({"date_from": datetime.date(2026, 7, 1)}, "month"),
        (
            {"date_from": datetime.date(2025, 2, 1), "date_to": datetime.date(2025, 11, 30), "location": world.store},
            "month",
        ),
        ({"date_to": datetime.date(2025, 1, 15)}, "day"),
    ]
    for role_user in (world.manager, world.employee):
        membership = Membership.objects.get(user=role_user)
        for period, grain in periods:
            from_rollups = selectors.metrics_source(membership=membership, tz=tz, **period)
            raw = selectors.responses_filter(qs=selectors.responses_visible(membership=membership), tz=tz, **period)
            assert from_rollups.model is ResponseRollup
            assert set(from_rollups.values_list("grain", flat=True)) <= {grain}
            assert _all_metrics(from_rollups, tz) == _all_metrics(raw, tz)
    assert selectors.metric(qs=selectors.metrics_source(membership=membership, tz=tz), kind="nps").count > 0


def test_reconciliation_fixes_drift_and_a_second_run_finds_none(world):
    moved = submit(survey=world.nps, touchpoint=world.checkout, score=10, when=at(2026, 1, 10))
    rescored = submit(survey=world.nps, touchpoint=world.other_checkout, score=9, when=at(2026, 2, 10))
    deleted = submit(survey=world.nps, touchpoint=world.other_checkout, score=1, when=at(2026, 2, 11))
    submit(survey=world.stranger_nps, touchpoint=world.stranger_checkout, score=0, when=at(2026, 2, 11))
    # Changes made behind the services' back, as a hand-made fix or a restored backup would.
    Response.objects.filter(pk=moved.pk).update(created_at=at(2026, 1, 20))
    Response.objects.filter(pk=rescored.pk).update(score=0)
    Response.objects.filter(pk=deleted.pk).delete()

    first = rollups_reconcile(organization=world.org)
    second = rollups_reconcile(organization=world.org)

    # Days: 10 Jan emptied, 20 Jan filled, 10 and 11 Feb corrected; months: February corrected.
    assert len(first.corrected) == 5
    assert (first.answers, first.rows) == (2, 4)
    assert second.corrected == []
    rows = ResponseRollup.objects.filter(organization=world.org).order_by("grain", "start")
    assert [(r.grain, r.start.isoformat(), r.count, r.s10, r.s0) for r in rows] == [
        ("day", "2026-01-20", 1, 1, 0),
        ("day", "2026-02-10", 1, 0, 1),
        ("month", "2026-01-01", 1, 1, 0),
        ("month", "2026-02-01", 1, 0, 1),
    ]
    # The other organization's rollups are not touched.
    assert ResponseRollup.objects.filter(organization=world.other_org).count() == 2


def test_an_answer_arriving_during_reconciliation_is_counted_once(world, monkeypatch):
    from otklik.rollups import services

    submit(survey=world.nps, touchpoint=world.checkout, score=10, when=at(2026, 1, 10))
    taken = services._snapshot

    def snapshot_then_an_answer(organization, tz, month, tables):
        result = taken(organization, tz, month, tables)
        submit(survey=world.nps, touchpoint=world.checkout, score=0, when=at(2026, 1, 10))
        return result

    monkeypatch.setattr(services, "_snapshot", snapshot_then_an_answer)
    rollups_reconcile(organization=world.org)

    for row in ResponseRollup.objects.filter(organization=world.org):
        assert (row.count, row.s10, row.s0) == (2, 1, 1)


def test_rollups_are_used_only_when_reconciled_in_the_organizations_time_zone(world):
    from otklik.accounts.models import Membership

    manager = Membership.objects.get(user=world.manager)
    submit(survey=world.nps, touchpoint=world.checkout, score=10, when=at(2026, 1, 31, 23))
    assert not rollups_ready(organization=world.org)
    assert selectors.metrics_source(membership=manager, tz=datetime.UTC).model is Response

    rollups_reconcile(organization=world.org)
    assert rollups_ready(organization=world.org)

    world.org.time_zone = "Europe/Moscow"
    world.org.save()
    manager.organization.refresh_from_db()
    assert not rollups_ready(organization=world.org)
    assert selectors.metrics_source(membership=manager, tz=datetime.UTC).model is Response

    result = rollups_reconcile(organization=world.org)
    assert rollups_ready(organization=world.org)
    assert len(result.corrected) == 4  # 31 January and January emptied, 1 February and February filled
    moscow = zoneinfo.ZoneInfo("Europe/Moscow")
    [month] = selectors.metric_by_month(qs=selectors.metrics_source(membership=manager, tz=moscow), kind="nps")
    assert month.month == datetime.date(2026, 2, 1)


def test_a_claimed_organization_is_busy_until_the_claim_expires(world):
    now = timezone.now()
    RollupState.objects.create(organization=world.org, claimed_until=now + datetime.timedelta(minutes=5))
    with pytest.raises(RollupsBusy):
        rollups_reconcile(organization=world.org, now=now)
    rollups_reconcile(organization=world.org, now=now + datetime.timedelta(minutes=6))
    assert RollupState.objects.get(organization=world.org).claimed_until is None


def test_organizations_are_due_when_new_a_day_old_or_in_another_time_zone(world):
    now = timezone.now()
    assert set(organizations_due(now=now)) == {world.org, world.other_org}

    assert rollups_reconcile_due() == 2
    assert not organizations_due(now=now + datetime.timedelta(hours=1)).exists()
    assert set(organizations_due(now=now + datetime.timedelta(hours=25))) == {world.org, world.other_org}

    world.other_org.time_zone = "Asia/Tokyo"
    world.other_org.save()
    assert list(organizations_due(now=now + datetime.timedelta(hours=1))) == [world.other_org]


def test_the_rebuild_command_reports_each_organization(world, capsys):
    make_response(survey=world.nps, touchpoint=world.checkout, score=10)
    ResponseRollup.objects.all().delete()

    call_command("rollups", "rebuild", "--org", "acme")

    assert "acme: 1 answers in 2 rollup rows (UTC); 2 rows corrected" in capsys.readouterr().out
    assert [row.count for row in ResponseRollup.objects.filter(organization=world.org)] == [1, 1]
    assert not RollupState.objects.filter(organization=world.other_org).exists()


def test_the_rebuild_command_rejects_an_unknown_organization(world):
    with pytest.raises(CommandError, match="nope"):
        call_command("rollups", "rebuild", "--org", "nope")


def test_the_task_reconciles_one_organization(world):
    make_response(survey=world.nps, touchpoint=world.checkout, score=10)
    Response.objects.update(score=4)
    assert reconcile_rollups.call(world.org.pk) == 2
    assert reconcile_rollups.call(world.org.pk) == 0
    assert [row.s4 for row in ResponseRollup.objects.filter(organization=world.org)] == [1, 1]
