"""The retention job runs in the worker, hourly, one task per organization that sets a retention."""

from datetime import timedelta

from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from otklik.audit.models import AuditAction, AuditEvent
from otklik.audit.services import record
from otklik.team import retention
from otklik.worker.schedule import HOUR, job_named


def test_the_worker_runs_it_hourly():
    job = job_named("retention")
    assert job.function is retention.retention_purge_due and job.every == HOUR


def test_it_runs_for_organizations_with_a_retention(world):
    world.org.data_retention_days = 30
    world.org.save()
    for organization in [world.org, world.other_org]:
        event = record(action=AuditAction.LOGIN, organization=organization, actor_label="someone")
        AuditEvent.objects.filter(pk=event.pk).update(created_at=timezone.now() - timedelta(days=31))
    assert retention.retention_purge_due() == 1
    queued = DBTaskResult.objects.get(task_path=retention.purge_retention.module_path)
    assert queued.args_kwargs["args"] == [world.org.pk]
    assert AuditEvent.objects.filter(organization=world.org).exists()  # queued, not done in the loop
    retention.purge_retention.call(world.org.pk)
    assert list(AuditEvent.objects.values_list("organization", flat=True)) == [world.other_org.pk]
    retention.purge_retention.call(world.org.pk)  # again: nothing left to prune
    assert list(AuditEvent.objects.values_list("organization", flat=True)) == [world.other_org.pk]


def test_the_name_words_of_a_blanked_comment_go_with_it(world):
    """/people/'s stored words of a comment (ADR 0031) are blanked with the comment; a newer answer keeps them."""
    from otklik.insights.models import AnswerAnalysis
    from otklik.insights.services import answers_tag
    from otklik.surveys.models import Response
    from otklik.testing.factories import make_response

    world.org.data_retention_days = 30
    world.org.save()
    old = make_response(survey=world.nps, touchpoint=world.checkout, score=10, comment="Thanks to Emma")
    new = make_response(survey=world.nps, touchpoint=world.checkout, score=10, comment="Thanks to Emma")
    answers_tag(organization=world.org, responses=[old, new])
    Response.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))

    retention.retention_purge(organization=world.org)

    words = dict(AnswerAnalysis.objects.values_list("response_id", "comment_words"))
    assert words[old.pk] == "" and "emma" in words[new.pk].split()
