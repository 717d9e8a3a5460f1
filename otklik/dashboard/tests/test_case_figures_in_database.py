"""On PostgreSQL the case figures of /metrics/ and the report (answered in time, medians, 90th percentiles)
are computed by one grouped query, the groups' and the total's in the same statement; they equal the figures
computed from the case rows in Python."""

import datetime
import random

import pytest
from django.db import connection

from otklik.cases.models import Case, Severity
from otklik.dashboard import metrics
from otklik.dashboard.tests.metrics_helpers import assert_same
from otklik.sla.selectors import sla_policies
from otklik.testing.factories import make_case

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="percentile_cont is PostgreSQL's")


def test_the_database_gets_the_figures_python_gets(world):
    rng = random.Random(20)
    start = datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC)
    for n in range(150):
        created = start + datetime.timedelta(seconds=rng.randint(0, 30 * 86400), microseconds=rng.randint(0, 999999))
        thanked = created + datetime.timedelta(hours=rng.random() * 48) if rng.random() < 0.8 else None
        resolved = created + datetime.timedelta(hours=rng.random() * 400) if rng.random() < 0.6 else None
        if n % 25 == 0:  # ties, a zero clock and a clock of years: each microsecond is kept exactly
            thanked = created + datetime.timedelta(hours=1) if n % 50 else created
            resolved = created + datetime.timedelta(days=3 * 365, microseconds=rng.randint(0, 999999))
        make_case(
            location=world.store if n % 3 else world.other_store,
            touchpoint=world.checkout if n % 3 else world.other_checkout,
            severity=rng.choice([*Severity.values, "unknown"]),
            created_at=created,
            thanked_at=thanked,
            resolved_at=resolved,
        )
    now = start + datetime.timedelta(days=20)
    policies = sla_policies(organization=world.org)
    scope = metrics.Scope(membership=world.manager.memberships.get(), tz=world.org.zone)
    cases = metrics.scoped_cases(scope)
    every_row = list(cases.values("severity", "created_at", "thanked_at", "resolved_at").order_by())
    total_in_python = metrics.case_figures(rows=[{**row, "group": 0} for row in every_row], policies=policies, now=now)
    for by in (None, "touchpoint", "location", "week", "month", "employee"):
        grouped = cases.annotate(group=metrics.group_expression(by, metrics.CASE_PATHS, scope.tz))
        rows = list(grouped.values("group", "severity", "created_at", "thanked_at", "resolved_at").order_by())
        in_python = metrics.case_figures(rows=rows, policies=policies, now=now)

        in_database, total = metrics._case_figures_in_database(grouped, policies, now, with_total=True)

        assert in_database.keys() == in_python.keys()
        for key, expected in in_python.items():
            assert_same(in_database[key], expected, (by, key))
        assert_same(total, total_in_python[0], (by, "total"))
    assert Case.objects.filter(organization=world.org).count() == 150


def test_one_case_is_every_quantile(world):
    created = datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC)
    make_case(location=world.store, created_at=created, thanked_at=created + datetime.timedelta(minutes=90))
    scope = metrics.Scope(membership=world.manager.memberships.get(), tz=world.org.zone)
    cases = metrics.scoped_cases(scope).annotate(group=metrics.group_expression(None, metrics.CASE_PATHS, scope.tz))
    policies = sla_policies(organization=world.org)

    groups, total = metrics._case_figures_in_database(cases, policies, created, with_total=True)

    assert groups[0].first_answer(0.5) == groups[0].first_answer(0.9) == total.first_answer(0.5) == 1.5
    assert groups[0].resolution(0.5) is None and total.resolution(0.9) is None


def test_no_case_gives_no_total(world):
    scope = metrics.Scope(membership=world.manager.memberships.get(), tz=world.org.zone)
    cases = metrics.scoped_cases(scope).annotate(group=metrics.group_expression("month", metrics.CASE_PATHS, scope.tz))
    now = datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC)
    policies = sla_policies(organization=world.org)

    assert metrics._case_figures_in_database(cases, policies, now, with_total=True) == ({}, None)


def test_cases_by_seller_and_product_read_the_purchase_only_where_there_is_one(world):
    from otklik.dashboard.tests.helpers import answer
    from otklik.dashboard.tests.metrics_helpers import answer_from, make_purchase
    from otklik.testing.factories import make_customer, make_product, make_touchpoint, make_user

    rng = random.Random(3)
    olga = make_user(organization=world.org, username="olga_b", locations=[world.store])
    ivan = make_user(organization=world.org, username="ivan_s", locations=[world.store])
    badge = make_touchpoint(location=world.store, name="Olga's badge", kind="employee")
    badge.employee = olga
    badge.save()
    customer = make_customer(organization=world.org)
    kettle, toaster = (
        make_product(organization=world.org, name="Kettle"),
        make_product(organization=world.org, name="Toaster"),
    )
    start = datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC)
    for n in range(60):
        touchpoint = [world.checkout, badge, world.other_checkout][n % 3]
        if n % 4 == 0:  # tied to a purchase: sold by Ivan (or nobody), a kettle or a toaster
            sold = make_purchase(
                customer=customer, product=[kettle, toaster][n % 8 // 4], employee=[ivan, None][n % 3 % 2]
            )
            response = answer_from(survey=world.nps, touchpoint=touchpoint, score=7, customer=customer, purchase=sold)
        else:
            response = answer(survey=world.nps, touchpoint=touchpoint, score=8)
        created = start + datetime.timedelta(hours=rng.random() * 500)
        make_case(
            location=touchpoint.location,
            touchpoint=touchpoint,
            response=response if n % 5 else None,
            created_at=created,
            thanked_at=created + datetime.timedelta(hours=rng.random() * 30) if n % 6 else None,
            resolved_at=created + datetime.timedelta(hours=rng.random() * 90) if n % 2 else None,
        )
    now = start + datetime.timedelta(days=30)
    policies = sla_policies(organization=world.org)
    scope = metrics.Scope(membership=world.manager.memberships.get(), tz=world.org.zone)
    for by in ("employee", "product"):
        grouped = metrics.scoped_cases(scope).annotate(group=metrics.group_expression(by, metrics.CASE_PATHS, scope.tz))
        rows = list(grouped.values("group", "severity", "created_at", "thanked_at", "resolved_at").order_by())
        in_python = metrics.case_figures(rows=rows, policies=policies, now=now)
        total_in_python = metrics.case_figures(rows=[{**row, "group": 0} for row in rows], policies=policies, now=now)

        in_database, total = metrics._cases_by(scope, by, now, with_total=True)

        assert len(in_python) >= 3 and in_database.keys() == in_python.keys(), by
        for key, expected in in_python.items():
            assert_same(in_database[key], expected, (by, key))
        assert_same(total, total_in_python[0], (by, "total"))
