"""Reconciliation runs as tasks, one per organization, so the worker's loop is never held by it."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from otklik.cases.models import Case
from otklik.rollups.models import CaseRollup, CaseSegmentRollup, ResponseRollup, RollupState, SegmentRollup
from otklik.rollups.services import organizations_due
from otklik.rollups.tasks import reconcile_rollups, rollups_reconcile_enqueue_due
from otklik.surveys.models import Response
from otklik.testing.factories import make_response

pytestmark = pytest.mark.django_db


def queued_organizations() -> list[int]:
    rows = DBTaskResult.objects.filter(task_path=reconcile_rollups.module_path).order_by("enqueued_at")
    return [row.args_kwargs["args"][0] for row in rows]


def test_the_worker_job_claims_each_due_organization_and_queues_its_task(world):
    assert rollups_reconcile_enqueue_due() == 2
    assert sorted(queued_organizations()) == sorted([world.org.pk, world.other_org.pk])
    assert RollupState.objects.filter(claimed_until__isnull=False).count() == 2
    # Claimed: the next minute (or a second worker) queues nothing again while the tasks wait.
    assert rollups_reconcile_enqueue_due() == 0


def test_the_queued_task_reconciles_under_the_claim_it_was_given(world):
    make_response(survey=world.nps, touchpoint=world.checkout, score=10)
    ResponseRollup.objects.all().delete()
    rollups_reconcile_enqueue_due()
    for task in DBTaskResult.objects.filter(task_path=reconcile_rollups.module_path):
        assert reconcile_rollups.call(*task.args_kwargs["args"]) >= 0  # not "busy": the claim is its own
    assert ResponseRollup.objects.filter(organization=world.org, grain="day").get().count == 1
    assert not organizations_due().exists()
    assert RollupState.objects.filter(claimed_until__isnull=False).count() == 0


def test_a_task_that_waited_past_its_claim_does_not_reconcile_beside_the_next_claim(world):
    rollups_reconcile_enqueue_due()
    (task,) = DBTaskResult.objects.filter(task_path=reconcile_rollups.module_path, args_kwargs__args__0=world.org.pk)
    # Its claim ran out and another worker took the organization again.
    RollupState.objects.filter(organization=world.org).update(claimed_until=timezone.now() + timedelta(minutes=5))
    assert reconcile_rollups.call(*task.args_kwargs["args"]) == -1  # busy: the other worker's claim stands


def run_slice(row: DBTaskResult) -> int:
    """Run one queued reconciliation task, as a task runner would, and take it off the queue."""
    row.delete()
    return reconcile_rollups.call(*row.args_kwargs["args"])


def run_queued_slices(organization) -> list[str]:
    """Run the organization's queued reconciliation tasks until none is left; the months they were given, in order."""
    months = []
    queued = DBTaskResult.objects.filter(task_path=reconcile_rollups.module_path).order_by("enqueued_at", "pk")
    while row := next((row for row in queued.all() if row.args_kwargs["args"][0] == organization.pk), None):
        args = row.args_kwargs["args"]
        assert run_slice(row) >= 0
        months.append(args[2] if len(args) > 2 else "first")
    return months


def spread_answers(world) -> None:
    """Answers in January, (none in February) and March 2026, with their rollups gone: every month drifted."""
    for month, score in ((1, 10), (1, 9), (3, 0)):
        response = make_response(survey=world.nps, touchpoint=world.checkout, score=score)
        Response.objects.filter(pk=response.pk).update(created_at=datetime(2026, month, 15, 12, tzinfo=UTC))
        # The detractor's complaint moves with it: the walk covers the months of the cases too.
        Case.objects.filter(response=response).update(created_at=datetime(2026, month, 15, 12, tzinfo=UTC))
    ResponseRollup.objects.all().delete()
    CaseRollup.objects.all().delete()
    SegmentRollup.objects.all().delete()
    CaseSegmentRollup.objects.all().delete()


def test_a_reconciliation_is_a_chain_of_month_tasks(world):
    spread_answers(world)
    rollups_reconcile_enqueue_due()

    # The first task does January and queues February, which queues March: no task reads more than a month.
    assert run_queued_slices(world.org) == ["first", "2026-02-01", "2026-03-01"]
    rows = ResponseRollup.objects.filter(organization=world.org, grain="month").order_by("start")
    assert [(row.start, row.count) for row in rows] == [(date(2026, 1, 1), 2), (date(2026, 3, 1), 1)]
    state = RollupState.objects.get(organization=world.org)
    assert (state.answers_counted, state.rows_corrected, state.claimed_until) == (3, 4, None)
    assert state.time_zone == world.org.time_zone
    assert not organizations_due().filter(pk=world.org.pk).exists()


def test_each_slice_carries_the_claim_on(world):
    spread_answers(world)
    rollups_reconcile_enqueue_due()
    run_slice(DBTaskResult.objects.get(task_path=reconcile_rollups.module_path, args_kwargs__args__0=world.org.pk))
    (second,) = DBTaskResult.objects.filter(task_path=reconcile_rollups.module_path, args_kwargs__args__2="2026-02-01")
    # The claim the next slice was given is the one in force: another worker's minute job queues nothing.
    claimed = RollupState.objects.get(organization=world.org).claimed_until
    assert second.args_kwargs["args"][1] == claimed.isoformat()
    assert rollups_reconcile_enqueue_due() == 0


def test_a_slice_whose_claim_another_worker_took_stops_the_walk(world):
    spread_answers(world)
    rollups_reconcile_enqueue_due()
    run_slice(DBTaskResult.objects.get(task_path=reconcile_rollups.module_path, args_kwargs__args__0=world.org.pk))
    (second,) = DBTaskResult.objects.filter(task_path=reconcile_rollups.module_path, args_kwargs__args__2="2026-02-01")
    RollupState.objects.filter(organization=world.org).update(claimed_until=timezone.now() + timedelta(minutes=5))

    assert reconcile_rollups.call(*second.args_kwargs["args"]) == -1
    assert not DBTaskResult.objects.filter(task_path=reconcile_rollups.module_path, args_kwargs__args__2="2026-03-01")


def test_a_time_zone_changed_during_the_walk_leaves_the_organization_due(world):
    spread_answers(world)
    rollups_reconcile_enqueue_due()
    run_slice(DBTaskResult.objects.get(task_path=reconcile_rollups.module_path, args_kwargs__args__0=world.org.pk))
    world.org.time_zone = "Asia/Tokyo"
    world.org.save()

    run_queued_slices(world.org)

    # The walk is recorded in the zone it counted in, so the next minute walks again in Tokyo's.
    assert RollupState.objects.get(organization=world.org).time_zone == "UTC"
    assert organizations_due().filter(pk=world.org.pk).exists()


def test_an_organization_without_answers_is_one_short_task(world):
    rollups_reconcile_enqueue_due()
    assert run_queued_slices(world.other_org) == ["first"]
    assert RollupState.objects.get(organization=world.other_org).reconciled_at is not None
