"""The worker's minute job: escalations and digests in one call, and one failing job does not stop the other."""

from datetime import timedelta

from otklik.messaging.models import OutboxMessage
from otklik.sla import services
from otklik.sla.tests.helpers import open_case


def test_one_run_escalates_and_sends_the_digest(world):
    case = open_case(world)
    services.sla_jobs_run(now=case.created_at + timedelta(hours=25))
    kinds = set(OutboxMessage.objects.values_list("kind", flat=True))
    assert {"sla_escalation", "sla_digest"} <= kinds


def test_a_failing_escalation_does_not_stop_the_digest(world, monkeypatch):
    case = open_case(world)

    def broken(*, now):
        raise RuntimeError("database blip")

    monkeypatch.setattr(services, "sla_escalate_due", broken)
    services.sla_jobs_run(now=case.created_at + timedelta(hours=25))
    assert OutboxMessage.objects.filter(kind="sla_digest").exists()
