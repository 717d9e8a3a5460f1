"""Reconciliation runs as tasks, one per organization, so the worker's loop is never held by it."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from otklik.rollups.models import ResponseRollup, RollupState
from otklik.rollups.services import organizations_due
from otklik.rollups.tasks import reconcile_rollups, rollups_reconcile_enqueue_due
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
