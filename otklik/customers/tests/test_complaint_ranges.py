"""The card's "last answer was a detractor's" and the list's revenue at risk read each scale's complaint range
from the organization's surveys (the customer base imports no survey code: issue 14)."""

import pytest

from otklik.customers.selectors import detractor_q, is_detractor, loyalty_scales
from otklik.surveys.models import Response
from otklik.testing.factories import make_organization, make_response, make_survey

pytestmark = pytest.mark.django_db

# (kind, score): in the complaint range or not; the bounds of NPS 0–6, CSAT 1–2, CES 5–7, grade 1–3.
CASES = [
    ("nps", 6, True),
    ("nps", 7, False),
    ("csat", 2, True),
    ("csat", 3, False),
    ("ces", 5, True),
    ("ces", 4, False),
    ("grade", 3, True),
    ("grade", 4, False),
    ("readiness", 0, False),  # a yes/no about readiness to complain says nothing about loyalty
]


def test_the_scales_are_the_organizations_loyalty_surveys():
    org = make_organization()
    for kind in ("nps", "ces", "readiness"):
        make_survey(organization=org, kind=kind)
    assert sorted(loyalty_scales(organization=org)) == ["ces", "nps"]


@pytest.mark.parametrize(("kind", "score", "detractor"), CASES)
def test_one_answer_and_the_query_agree_on_each_scales_complaint_range(world, kind, score, detractor):
    survey = world.nps if kind == "nps" else make_survey(organization=world.org, kind=kind)
    answer = make_response(survey=survey, touchpoint=world.checkout, score=score)
    assert is_detractor(answer) is detractor
    found = Response.objects.filter(detractor_q(scales=loyalty_scales(organization=world.org)), pk=answer.pk)
    assert found.exists() is detractor
