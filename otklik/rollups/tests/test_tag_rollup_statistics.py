"""The theme cards group the tag rollups in memory because PostgreSQL knows how many places they hold (ADR 0053)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from otklik.insights.selectors import _tag_groups
from otklik.rollups.models import Grain, TagRollup
from otklik.testing.factories import make_location, make_organization, make_touchpoint

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="extended statistics are PostgreSQL's"),
]

THEMES, LOCATIONS, MONTHS = 20, 10, 24


def _month_rows(organization) -> None:
    """A theme × touchpoint × month grid: each touchpoint belongs to one place, as in every organization."""
    touchpoints = [
        make_touchpoint(location=location, name=f"Desk {n}")
        for location in [make_location(organization=organization, name=f"Place {i}") for i in range(LOCATIONS)]
        for n in range(3)
    ]
    months = [datetime.date(2024 + m // 12, m % 12 + 1, 1) for m in range(MONTHS)]
    TagRollup.objects.bulk_create(
        TagRollup(
            organization=organization,
            theme_id=theme,
            location_id=touchpoint.location_id,
            touchpoint=touchpoint,
            kind="nps",
            grain=Grain.MONTH,
            start=month,
            month_start=month,
            count=3,
        )
        for theme in range(1, THEMES + 1)
        for touchpoint in touchpoints
        for month in months
    )


def _card_plan(organization) -> str:
    """The plan of the theme card's read (by place only), with `work_mem` scaled down to the test's few rows."""
    with CaptureQueriesContext(connection) as captured:
        _tag_groups(TagRollup.objects.filter(organization=organization, grain=Grain.MONTH), months=False)
    (statement,) = [query["sql"] for query in captured.captured_queries]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE rollups_tagrollup")
        cursor.execute("SET LOCAL work_mem = '64kB'")
        cursor.execute("SET LOCAL hash_mem_multiplier = 1")
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        cursor.execute(f"EXPLAIN {statement}")
        return "\n".join(row[0] for row in cursor.fetchall())


def test_the_statistics_exist_after_migrating():
    with connection.cursor() as cursor:
        cursor.execute("SELECT stxkind FROM pg_statistic_ext WHERE stxname = 'tag_rollup_places'")
        assert cursor.fetchall() == [(["d"],)]


def test_the_card_groups_the_places_in_memory_and_would_sort_them_without_the_statistics():
    organization = make_organization()
    _month_rows(organization)

    with_statistics = _card_plan(organization)
    with connection.cursor() as cursor:
        cursor.execute("DROP STATISTICS tag_rollup_places")  # rolled back with the test's transaction
    without = _card_plan(organization)

    assert "HashAggregate" in with_statistics and "Sort" not in with_statistics
    assert "Sort" in without
