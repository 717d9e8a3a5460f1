"""The retention setting applied: a worker job that forgets what an organization keeps no longer.

Answers older than `data_retention_days` lose their free text and contacts (scores stay for the
aggregates) and older audit records are deleted. The worker's schedule runs it hourly in each worker
process: the purge is idempotent, so several workers or a missed hour do no harm.
"""

import logging
from datetime import timedelta

from django.utils import timezone

from otklik.accounts.models import Organization
from otklik.audit.services import audit_prune
from otklik.surveys.services import responses_personal_data_purge

logger = logging.getLogger(__name__)


def retention_purge(*, organization: Organization, now=None) -> tuple[int, int]:
    """Apply one organization's retention; returns (answers blanked, audit records deleted)."""
    if not organization.data_retention_days:
        return 0, 0
    now = now or timezone.now()
    before = now - timedelta(days=organization.data_retention_days)
    answers = responses_personal_data_purge(organization=organization, before=before)
    events = audit_prune(organization=organization, now=now)
    if answers or events:
        logger.info("retention of %s: %d answers blanked, %d audit records deleted", organization.slug, answers, events)
    return answers, events


def retention_purge_due() -> int:
    """The worker's hourly job: every organization with a retention setting; returns how many ran."""
    done = 0
    for organization in Organization.objects.filter(data_retention_days__gt=0):
        retention_purge(organization=organization)
        done += 1
    return done
