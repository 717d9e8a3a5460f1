"""The dashboard's recovery card does not scan the organization's cases when nobody was asked again (decision 0057).

The follow-up table of an organization that never asked is empty and, with no writes, never analyzed: PostgreSQL
then guesses ~1 000 follow-ups and planned the grouped read as a (parallel) scan of every case of the organization
hashed against them. The card now asks first whether there is any follow-up, by a read that starts from them.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from otklik.cases.models import Case
from otklik.improvements.selectors import recovery_scores
from otklik.surveys.models import Response
from otklik.testing.factories import make_case, make_response

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan is PostgreSQL's"),
]

CASES = 20_000


def _copy(model, source_id: int, *, source: str, **set_columns: str) -> None:
    """Copies of one row made inside PostgreSQL (a bulk create of 40 000 rows takes seconds): one per row of
    `source` (SQL after FROM, `t` the row copied), each column of `set_columns` given by an expression."""
    columns = [f.column for f in model._meta.concrete_fields if not f.primary_key and f.column not in set_columns]
    names = ", ".join(f'"{c}"' for c in [*columns, *set_columns])
    picked = ", ".join([*(f't."{c}"' for c in columns), *set_columns.values()])
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {model._meta.db_table} ({names}) SELECT {picked} FROM {source} AND t.id = %s", [source_id]
        )


def _many_cases(world) -> None:
    """`CASES` cases of the organization, each with its own answer; the cases analyzed, the follow-ups not."""
    answer = make_response(survey=world.nps, touchpoint=world.checkout, score=9)
    case = make_case(location=world.store, response=answer)
    _copy(Response, answer.pk, source=f"surveys_response t, generate_series(1, {CASES}) WHERE true")
    # One case per copied answer (a case's answer is its own), the same case otherwise.
    copies = f"cases_case t, surveys_response r WHERE r.id > {answer.pk} AND r.organization_id = {world.org.pk}"
    _copy(Case, case.pk, source=copies, response_id="r.id")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_case")
        cursor.execute("ANALYZE surveys_response")
        cursor.execute(
            "SELECT last_analyze, last_autoanalyze FROM pg_stat_user_tables "
            "WHERE relname = 'improvements_recoveryfollowup'"
        )
        assert cursor.fetchone() == (None, None)


def test_an_organization_that_never_asked_has_no_case_scanned(world):
    _many_cases(world)
    assert Case.objects.filter(organization=world.org, response__isnull=False).count() > CASES

    with CaptureQueriesContext(connection) as captured:
        assert recovery_scores(organization=world.org) == []

    plans = []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            cursor.execute(f"EXPLAIN {query['sql']}")
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
    assert plans
    for plan in plans:
        assert "Seq Scan on cases_case" not in plan, plan
