"""The retention setting applied: a worker job that forgets what an organization keeps no longer.

Answers older than `data_retention_days` lose their free text and contacts (scores stay for the
aggregates) and older audit records are deleted. The worker's schedule queues it hourly, one task per
organization, so a large purge never holds the worker's loop: the purge is idempotent, so several
workers or a missed hour do no harm.
"""

import logging
from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from otklik.accounts.models import Organization
from otklik.audit.services import audit_prune
from otklik.insights.models import AnswerAnalysis
from otklik.surveys.services import responses_personal_data_purge

logger = logging.getLogger(__name__)


def retention_purge(*, organization: Organization, now=None) -> tuple[int, int]:
    """Apply one organization's retention; returns (answers blanked, audit records deleted)."""
    if not organization.data_retention_days:
        return 0, 0
    now = now or timezone.now()
    before = now - timedelta(days=organization.data_retention_days)
    answers = responses_personal_data_purge(organization=organization, before=before)
    # The words of the blanked comments, stored for /people/'s praise names (ADR 0031), go with them.
    AnswerAnalysis.objects.filter(response__organization=organization, response__created_at__lt=before).exclude(
        comment_words=""
    ).exclude(comment_words__isnull=True).update(comment_words="")
    events = audit_prune(organization=organization, now=now)
    if answers or events:
        logger.info("retention of %s: %d answers blanked, %d audit records deleted", organization.slug, answers, events)
    return answers, events


@task()
def purge_retention(organization_id: int) -> tuple[int, int]:
    """Apply one organization's retention (a task); returns (answers blanked, audit records deleted)."""
    organization = Organization.objects.filter(pk=organization_id).first()
    return retention_purge(organization=organization) if organization is not None else (0, 0)


def retention_purge_due() -> int:
    """The worker's hourly job: queue the purge of every organization with a retention setting; returns how many."""
    ids = list(Organization.objects.filter(data_retention_days__gt=0).values_list("pk", flat=True))
    for organization_id in ids:
        purge_retention.enqueue(organization_id)
    return len(ids)
