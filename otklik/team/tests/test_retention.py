"""The retention job runs in the worker, at most hourly per process, for organizations that set a retention."""

from datetime import timedelta

from django.utils import timezone

from otklik.audit.models import AuditAction, AuditEvent
from otklik.audit.services import record
from otklik.messaging.management.commands.worker import MINUTE_JOBS
from otklik.team import retention


def test_the_worker_runs_it():
    assert retention.retention_purge_due in MINUTE_JOBS


def test_it_runs_once_an_hour_for_organizations_with_a_retention(world, monkeypatch):
    monkeypatch.setitem(retention._last_run, "at", float("-inf"))
    world.org.data_retention_days = 30
    world.org.save()
    for organization in [world.org, world.other_org]:
        event = record(action=AuditAction.LOGIN, organization=organization, actor_label="someone")
        AuditEvent.objects.filter(pk=event.pk).update(created_at=timezone.now() - timedelta(days=31))
    assert retention.retention_purge_due() == 1
    assert list(AuditEvent.objects.values_list("organization", flat=True)) == [world.other_org.pk]
    assert retention.retention_purge_due() == 0  # within the hour
