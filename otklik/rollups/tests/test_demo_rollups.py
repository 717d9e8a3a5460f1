"""The demo organization ends its load with current rollups, so its dashboard reads them at once."""

import pytest

from otklik.dashboard import selectors
from otklik.demo.datasets import datasets_dir
from otklik.demo.services import demo_load
from otklik.rollups.selectors import rollups_ready, rollups_visible
from otklik.rollups.services import rollups_reconcile
from otklik.surveys.models import Response

DATASETS_DIR = datasets_dir()

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not DATASETS_DIR.is_dir(), reason=f"the shared datasets are not at {DATASETS_DIR}"),
]


def test_the_demo_load_ends_with_reconciled_rollups_equal_to_the_answers():
    organization = demo_load(datasets_dir=DATASETS_DIR, limit_per_dataset=20).organization

    assert rollups_ready(organization=organization)
    assert rollups_reconcile(organization=organization).corrected == []
    answers = Response.objects.filter(organization=organization)
    rollups = rollups_visible(membership=organization.memberships.get(user__username="manager"), grain="month")
    tz = organization.zone
    assert selectors.metric_by_location_month(qs=rollups, kind="nps", tz=tz) == selectors.metric_by_location_month(
        qs=answers, kind="nps", tz=tz
    )
    assert selectors.nps(rollups).count == answers.count() > 0
