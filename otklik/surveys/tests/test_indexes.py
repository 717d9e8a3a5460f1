"""The answers' indexes (decision 0038): none kept twice, and still one for every query on answers."""

import pytest
from django.db import connection

from otklik.surveys.models import Response
from otklik.testing.plans import indexes, plan, unindexed_foreign_keys

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="plans are PostgreSQL's"),
]


def test_every_foreign_key_of_an_answer_leads_an_index():
    assert unindexed_foreign_keys(Response) == []


def test_an_anonymous_answer_skips_the_customer_and_purchase_indexes():
    found = indexes(Response)
    # 14 since decision 0038, and /people/'s praise comments (decision 0039), partial like the two below.
    assert len(found) == 15
    assert "WHERE (customer_id IS NOT NULL)" in found["response_customer"]
    assert "WHERE (purchase_id IS NOT NULL)" in found["response_purchase"]
    assert " WHERE " in found["response_praise_comments"]
    assert not any(definition.endswith("btree (organization_id)") for definition in found.values())
    # Only answers pushed with an external id are in its unique index (decision 0056).
    assert found["response_unique_external_id"].endswith(
        "btree (organization_id, external_id) WHERE (external_id IS NOT NULL)"
    )


@pytest.mark.parametrize(
    ("queryset", "index"),
    [
        # The customer card, erasure, and deleting a customer (SET_NULL on its answers).
        (lambda: Response.objects.filter(customer_id=1).order_by("-created_at", "-id"), "response_customer"),
        (lambda: Response.objects.filter(customer_id__in=[1, 2]), "response_customer"),
        # Deleting a purchase sets its answers' purchase to NULL.
        (lambda: Response.objects.filter(purchase_id__in=[1, 2]), "response_purchase"),
        # An organization's answers (every page; deleting an organization): a composite index leads with it.
        (lambda: Response.objects.filter(organization_id=1), "surveys_res_organiz"),
        (lambda: Response.objects.filter(organization_id__in=[1, 2]), "surveys_res_organiz"),
        # An integration's repeated push: its answer by external id.
        (
            lambda: Response.objects.filter(organization_id=1, external_id="570035876845084672"),
            "response_unique_external_id",
        ),
    ],
)
def test_the_queries_on_answers_still_use_an_index(queryset, index):
    assert index in plan(queryset())
