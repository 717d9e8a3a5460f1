"""The scheduled invitations' indexes (ADR 0007): fewer to keep up per scheduled purchase, one for every query."""

from datetime import UTC, datetime

import pytest
from django.db import connection

from otklik.outreach.models import ScheduledInvitation
from otklik.testing.plans import indexes, plan, unindexed_foreign_keys

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="plans are PostgreSQL's"),
]


def test_every_foreign_key_of_a_scheduled_invitation_leads_an_index():
    assert unindexed_foreign_keys(ScheduledInvitation) == []


def test_the_mostly_empty_foreign_keys_are_indexed_only_where_set():
    found = indexes(ScheduledInvitation)
    assert len(found) == 8
    assert "WHERE (survey_id IS NOT NULL)" in found["scheduled_survey"]
    assert "WHERE (decided_by_id IS NOT NULL)" in found["scheduled_decided_by"]
    # Only what is waiting to be sent: a sent or otherwise decided invitation has no entry in it.
    assert "WHERE ((status)::text = 'scheduled'::text)" in found["scheduled_due"]


@pytest.mark.parametrize(
    ("queryset", "index"),
    [
        # Deleting an organization, a survey or a user (CASCADE, SET_NULL) finds the rows by index.
        (lambda: ScheduledInvitation.objects.filter(organization_id__in=[1, 2]), "outreach_sc_organiz_2e3674_idx"),
        (lambda: ScheduledInvitation.objects.filter(survey_id__in=[1, 2]), "scheduled_survey"),
        (lambda: ScheduledInvitation.objects.filter(decided_by_id__in=[1, 2]), "scheduled_decided_by"),
        (lambda: ScheduledInvitation.objects.filter(invitation_id__in=[1, 2]), "invitation_id_key"),
        (lambda: ScheduledInvitation.objects.filter(customer_id__in=[1, 2]), "scheduledinvitation_customer_id"),
        # The manager's queue of one organization, the dispatcher's due rows.
        (
            lambda: ScheduledInvitation.objects.filter(organization_id=1, status="scheduled").order_by("send_at"),
            "outreach_sc_organiz_2e3674_idx",
        ),
        (
            lambda: ScheduledInvitation.objects.filter(
                status="scheduled", mode="automatic", send_at__lte=datetime(2026, 1, 1, tzinfo=UTC)
            ),
            "scheduled_due",
        ),
        (
            lambda: ScheduledInvitation.objects.filter(
                mode="manual", status="scheduled", due_at__lt=datetime(2026, 1, 1, tzinfo=UTC)
            ).order_by("due_at", "pk"),
            "scheduled_due",
        ),
    ],
)
def test_the_queries_on_scheduled_invitations_still_use_an_index(queryset, index):
    assert index in plan(queryset())
