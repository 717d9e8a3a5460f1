"""An employee who sees a few stores gets a theme's examples by one bounded walk per store, newest first: the same
answers the single query over all their stores gave, without reading and sorting every answer of the stores."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from otklik.insights import selectors
from otklik.insights.tests.test_theme_page_rollups import PERIODS, tagged  # noqa: F401 — the fixture
from otklik.insights.views import EXAMPLES_SHOWN
from otklik.rollups.services import rollups_reconcile
from otklik.surveys.filters import responses_filter, responses_visible


def _two_stores(world):
    membership = world.employee.memberships.get()
    world.other_store.members.add(membership)
    return membership


def _newest(answers, theme, limit):
    """What the examples were before: one query over all the member's answers, sorted."""
    return list(answers.filter(answer_themes__theme=theme).exclude(comment="").order_by("-created_at", "-id")[:limit])


@pytest.mark.parametrize("period", PERIODS)
@pytest.mark.parametrize("limit", [5, EXAMPLES_SHOWN, 500])
def test_walking_each_store_gives_the_examples_the_single_query_gave(world, tagged, period, limit):  # noqa: F811
    membership = _two_stores(world)
    answers = responses_filter(qs=responses_visible(membership=membership), tz=world.org.zone, **period)
    stores = [world.store.pk, world.other_store.pk]
    for theme in tagged:
        examples = selectors.theme_examples(theme=theme, qs=answers, limit=limit, location_ids=stores)
        expected = _newest(answers, theme, limit)
        assert examples == expected and expected
        assert [a.created_at for a in examples] == sorted((a.created_at for a in examples), reverse=True)
    assert {answer.location_id for answer in examples} == set(stores)  # both stores' answers, interleaved


def test_more_stores_than_walks_read_them_in_one_query(world, tagged, django_assert_num_queries):  # noqa: F811
    membership = _two_stores(world)
    answers = responses_visible(membership=membership)
    many = [world.store.pk, world.other_store.pk] * (selectors.EXAMPLE_WALKS_MAX // 2 + 1)
    with django_assert_num_queries(1):
        examples = selectors.theme_examples(theme=tagged[0], qs=answers, limit=EXAMPLES_SHOWN, location_ids=many)
    assert examples == _newest(answers, tagged[0], EXAMPLES_SHOWN)


@pytest.mark.parametrize("query", ["", "?date_from=2026-01-17&date_to=2026-03-04"])
def test_an_employees_theme_page_walks_each_store_for_its_examples(world, tagged, login, query):  # noqa: F811
    rollups_reconcile(organization=world.org)
    membership = _two_stores(world)
    theme = tagged[1]
    client = login(world.employee)
    client.get("/")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/insights/themes/{theme.pk}/{query}")

    assert response.status_code == 200
    # Each read of the answers is one store's, newest first, stopping at the page's examples.
    reads = [q["sql"] for q in queries.captured_queries if 'FROM "surveys_response"' in q["sql"]]
    assert len(reads) == 2, reads
    for store, sql in zip([world.store, world.other_store], reads, strict=True):
        assert f'"surveys_response"."location_id" = {store.pk}' in sql and f"LIMIT {EXAMPLES_SHOWN}" in sql, sql
    period = PERIODS[2] if query else {}
    answers = responses_filter(qs=responses_visible(membership=membership), tz=world.org.zone, **period)
    assert response.context["examples"] == _newest(answers, theme, EXAMPLES_SHOWN)
