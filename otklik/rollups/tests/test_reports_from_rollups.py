"""Every report reads the rollups where they hold the figure, and gets the numbers a raw computation gets."""

import datetime
import random

import pytest
from django.db.models import Sum

from otklik.dashboard import metrics, people, report, selectors
from otklik.dashboard.tests.metrics_helpers import bulk_answers
from otklik.insights.models import AnswerTheme, Theme
from otklik.insights.selectors import counted_for, theme_summaries, themes_trend
from otklik.rollups.metrics import NPS
from otklik.rollups.models import RollupState
from otklik.rollups.services import rollups_reconcile
from otklik.surveys.filters import responses_filter, responses_visible
from otklik.surveys.kinds import KINDS
from otklik.surveys.models import Response
from otklik.testing.factories import make_customer, make_product, make_purchase, make_survey, make_touchpoint

TZ_NAME = "Europe/Moscow"
PERIODS = [
    {},  # all time: month rows
    {"date_from": datetime.date(2026, 2, 1), "date_to": datetime.date(2026, 3, 31)},  # whole months
    {"date_from": datetime.date(2026, 1, 17), "date_to": datetime.date(2026, 3, 4)},  # days
]


@pytest.fixture
def answers(world):
    """Seeded answers of every kind over four months at both locations, some near midnight (a time-zone edge)."""
    world.org.time_zone = TZ_NAME
    world.org.save()
    surveys = {
        "nps": world.nps,
        **{kind: make_survey(organization=world.org, kind=kind) for kind in KINDS if kind != "nps"},
    }
    rng = random.Random(14)
    for day in range(0, 120, 3):
        at = datetime.datetime(2026, 1, 1, 20, 30, tzinfo=datetime.UTC) + datetime.timedelta(days=day)
        for kind, survey in surveys.items():
            spec = KINDS[kind]
            for touchpoint in (world.checkout, world.other_checkout):
                scores = [rng.randint(spec.min_score, spec.max_score) for _ in range(rng.randint(0, 3))]
                bulk_answers(survey=survey, touchpoint=touchpoint, scores=scores, at=at)
    _people_products_and_themes(world, surveys, rng)
    return surveys


def _people_products_and_themes(world, surveys, rng) -> None:
    """NPS and CSAT answers through an employee's QR code and about purchases (a seller, a product, a customer
    segment), some with a comment, and theme tags on the commented ones: what the rollups count by employee,
    product and theme."""
    qr_code = make_touchpoint(location=world.store, name="Emma's code", kind="employee")
    qr_code.employee = world.employee
    qr_code.save()
    kettle = make_product(organization=world.org, name="Kettle")
    mug = make_product(organization=world.org, name="Mug")
    purchases = []
    for n, (seller, product, segment) in enumerate(
        [(world.manager, kettle, "loyal"), (None, mug, "at_risk"), (world.employee, mug, ""), (world.owner, kettle, "")]
    ):
        customer = make_customer(organization=world.org, segment=segment)
        purchase = make_purchase(customer=customer, product=product, location=world.store)
        purchase.employee = seller
        purchase.save()
        purchases.append((n, purchase, customer))
    themes = [Theme.objects.create(organization=world.org, name=f"theme {n}") for n in range(3)]
    answers = []
    for day in range(0, 120, 4):
        at = datetime.datetime(2026, 1, 1, 20, 45, tzinfo=datetime.UTC) + datetime.timedelta(days=day)
        for kind in ("nps", "csat"):
            spec = KINDS[kind]
            for touchpoint in (qr_code, world.checkout, world.other_checkout):
                n, purchase, customer = purchases[rng.randrange(len(purchases))]
                tied = rng.random() < 0.6
                answers.append(
                    Response(
                        organization=world.org,
                        survey=surveys[kind],
                        touchpoint=touchpoint,
                        location=touchpoint.location,
                        kind=kind,
                        score=rng.randint(spec.min_score, spec.max_score),
                        comment=f"comment {n}" if rng.random() < 0.5 else "",
                        purchase=purchase if tied else None,
                        customer=customer if tied else None,
                        created_at=at,
                    )
                )
    Response.objects.bulk_create(answers)
    commented = Response.objects.filter(organization=world.org).exclude(comment="").order_by("pk")
    AnswerTheme.objects.bulk_create(
        AnswerTheme(response=response, theme=themes[i % 3]) for i, response in enumerate(commented)
    )
    AnswerTheme.objects.bulk_create(
        AnswerTheme(response=response, theme=themes[(i + 1) % 3]) for i, response in enumerate(commented) if i % 4 == 0
    )


def _tables(membership, tz) -> dict:
    out = {}
    for i, period in enumerate(PERIODS):
        scope = metrics.Scope(membership=membership, tz=tz, **period)
        now = datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC)
        for by in ("touchpoint", "location", "month", "week", "employee", "product", "segment"):
            out[(i, by)] = metrics.metrics_table(scope=scope, by=by, now=now)
        # Departments are the locations here (none defined): their answer figures come from the rollups;
        # employees' from the rollups by touchpoint and the answers tied to a purchase.
        report_of_people = people.people_report(scope=scope)
        out[(i, "people")] = report_of_people.departments
        out[(i, "employees")] = (report_of_people.employees, report_of_people.best)
        # Theme figures: from the tag rollups once reconciled (counted_for is None before).
        counted = counted_for(membership=membership, **period)
        answers = responses_filter(qs=responses_visible(membership=membership), tz=tz, **period)
        out[(i, "themes")] = theme_summaries(organization=membership.organization, qs=answers, counted=counted)
        out[(i, "trend")] = themes_trend(organization=membership.organization, qs=answers, tz=tz, counted=counted)
        # The overview's card groups the tag rollups by place only (no trend): the same summaries.
        by_place = counted_for(membership=membership, months=False, **period)
        out[(i, "card themes")] = theme_summaries(organization=membership.organization, qs=answers, counted=by_place)
        # ... and on `/` with the NPS parts and answers with text per place of the page's one read (decision 0057).
        source = selectors.metrics_source(membership=membership, tz=tz, **period)
        sums = None
        if source.model.__name__ == "ResponseRollup":
            sums = selectors.overview_from_rollups(qs=source, kinds=selectors.METRIC_KINDS)[1]
        with_sums = counted_for(membership=membership, months=False, sums=sums, **period)
        out[(i, "overview card")] = theme_summaries(organization=membership.organization, qs=answers, counted=with_sums)
        out[(i, "report themes")] = report.top_themes(scope=scope)
        source = selectors.metrics_source(membership=membership, tz=tz, **period)
        for kind in selectors.METRIC_KINDS:
            out[(i, "headline", kind)] = selectors.metric(qs=source, kind=kind)
            out[(i, "by_touchpoint", kind)] = selectors.metric_by_touchpoint(qs=source, kind=kind)
            out[(i, "by_month", kind)] = selectors.metric_by_month(qs=source, kind=kind, tz=tz)
    month = report.month_scope(membership=membership, tz=tz, month=datetime.date(2026, 3, 1))
    out["report"] = report.touchpoint_changes(
        current=month, previous=report.month_scope(membership=membership, tz=tz, month=datetime.date(2026, 2, 1))
    )
    return out


@pytest.mark.parametrize("who", ["manager", "employee"])
def test_rollups_give_the_raw_figures_on_every_report(world, answers, who):
    membership = getattr(world, who).memberships.get()
    tz = world.org.zone
    raw = _tables(membership, tz)  # not reconciled yet: every figure is computed from the answers

    rollups_reconcile(organization=world.org)
    # Changed behind the rollups' back: what follows can only match when it reads the rollups (the answers
    # tied to a purchase are the ones the employee and product breakdowns read beside them, so they stay).
    changed = Response.objects.filter(organization=world.org, purchase__isnull=True).update(score=0)
    assert changed > 300
    from_rollups = _tables(membership, tz)

    assert raw.keys() == from_rollups.keys()
    for key in raw:
        assert from_rollups[key] == raw[key], key
    assert raw[(0, "headline", "nps")].count > 50  # the comparison is not over empty tables
    assert len(raw[(0, "employee")].rows) >= 3 and len(raw[(0, "product")].rows) == 3
    assert raw[(0, "themes")] and raw[(0, "trend")].months


def test_tag_groups_by_place_only_are_those_of_both_groupings(world, answers):
    """`counted_for(months=False)` (the overview's card) sums the same rows by place alone: the same figures per
    theme and place, no months, and a trend asked of it is refused rather than drawn empty."""
    membership = world.manager.memberships.get()
    rollups_reconcile(organization=world.org)
    for period in PERIODS:
        both = counted_for(membership=membership, **period).tag_groups
        by_place = counted_for(membership=membership, months=False, **period)
        assert by_place.tag_groups.by_theme == both.by_theme and by_place.tag_groups.by_place == both.by_place
        assert by_place.tag_groups.by_month is None and both.by_month
    with pytest.raises(ValueError, match="by month"):
        themes_trend(organization=world.org, tz=world.org.zone, counted=by_place)


@pytest.mark.parametrize("who", ["manager", "employee"])
def test_the_overviews_one_read_gives_the_three_reads_figures(world, answers, who):
    """`metrics_from_rollups` (the overview, one statement) against `metric`, `metric_by_touchpoint` and
    `metric_by_month` per kind (nine statements) over the same rollups, for every period."""
    membership = getattr(world, who).memberships.get()
    tz = world.org.zone
    rollups_reconcile(organization=world.org)
    for period in PERIODS:
        source = selectors.metrics_source(membership=membership, tz=tz, **period)
        assert source.model.__name__ == "ResponseRollup"
        figures = selectors.metrics_from_rollups(qs=source, kinds=selectors.METRIC_KINDS)
        for kind in selectors.METRIC_KINDS:
            assert figures[kind].headline == selectors.metric(qs=source, kind=kind), (period, kind)
            assert figures[kind].headline.count
            assert figures[kind].by_touchpoint == selectors.metric_by_touchpoint(qs=source, kind=kind), (period, kind)
            assert figures[kind].by_month == selectors.metric_by_month(qs=source, kind=kind, tz=tz), (period, kind)
        assert len(figures["nps"].by_touchpoint) >= 2 and len(figures["nps"].by_month) >= 2


def test_segments_are_read_from_the_answers_until_their_rollups_are_counted(world, answers):
    membership = world.manager.memberships.get()
    tz = world.org.zone
    scope = metrics.Scope(membership=membership, tz=tz)
    rollups_reconcile(organization=world.org)
    RollupState.objects.filter(organization=world.org).update(segments_counted=False)  # as migration 0007 leaves it
    before = metrics.metrics_table(scope=scope, by="segment").total.answers

    Response.objects.filter(organization=world.org, kind="nps").delete()

    table = metrics.metrics_table(scope=scope, by="segment")
    assert sum(row.answers for row in table.rows) < before  # the answers, not the stale rollups


@pytest.mark.parametrize("who", ["manager", "employee"])
def test_the_overviews_one_read_gives_the_loyalty_cards_sums(world, answers, who):
    """`overview_from_rollups`'s sums for the loyalty card against the two reads of the rollups they replace: the
    period's NPS parts and the answers with text per location and touchpoint of the rows (decision 0057)."""
    membership = getattr(world, who).memberships.get()
    tz = world.org.zone
    rollups_reconcile(organization=world.org)
    for period in PERIODS:
        source = selectors.metrics_source(membership=membership, tz=tz, **period)
        _figures, sums = selectors.overview_from_rollups(qs=source, kinds=selectors.METRIC_KINDS)
        assert sums.nps == NPS.parts(source.aggregate(**NPS.aggregates(rollups=True))), period
        places = source.values("location_id", "location__name", "touchpoint_id", "touchpoint__name")
        read = {
            (row["location_id"], row["touchpoint_id"]): (row["location__name"], row["touchpoint__name"], row["total"])
            for row in places.annotate(total=Sum("with_text"))
        }
        assert sums.with_text == read, period
        assert sums.nps["n"] > 10 and len(read) >= 2 and all(total for _l, _t, total in read.values())
