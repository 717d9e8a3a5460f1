"""A theme's page reads the rollups /insights/ reads: the raw computation's numbers without scanning the answers
(docs/decisions/0071); its examples are the theme's newest answers, read by a bounded query."""

import datetime
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from otklik.insights import other, profanity, selectors
from otklik.insights.models import AnswerTheme, Theme
from otklik.insights.views import EXAMPLES_SHOWN
from otklik.rollups.services import rollups_reconcile
from otklik.surveys.filters import responses_filter, responses_visible
from otklik.surveys.models import Response
from otklik.testing.factories import make_survey, make_touchpoint

TZ_NAME = "Europe/Moscow"
PERIODS = [
    {},  # all time: month rows
    {"date_from": datetime.date(2026, 2, 1), "date_to": datetime.date(2026, 2, 28)},  # a whole month
    {"date_from": datetime.date(2026, 1, 17), "date_to": datetime.date(2026, 3, 4)},  # a span of days
]


@pytest.fixture
def tagged(world):
    """NPS and CSAT answers over four months at three places, some near midnight (a time-zone edge), half with a
    comment, each commented one tagged with one theme and every third with a second; a few tagged answers whose
    text was blanked since (as retention leaves them). Returns the three themes."""
    world.org.time_zone = TZ_NAME
    world.org.save()
    csat = make_survey(organization=world.org, kind="csat")
    second = make_touchpoint(location=world.store, name="Delivery")
    rng = random.Random(15)
    answers = []
    for day in range(0, 120, 2):
        at = datetime.datetime(2026, 1, 1, 20, 45, tzinfo=datetime.UTC) + datetime.timedelta(days=day)
        for survey, top in ((world.nps, 10), (csat, 5)):
            for touchpoint in (world.checkout, second, world.other_checkout):
                answers.append(
                    Response(
                        organization=world.org,
                        survey=survey,
                        touchpoint=touchpoint,
                        location=touchpoint.location,
                        kind=survey.kind,
                        score=rng.randint(0 if top == 10 else 1, top),
                        comment=f"comment {day}" if rng.random() < 0.5 else "",
                        created_at=at + datetime.timedelta(minutes=rng.randint(0, 300)),
                    )
                )
    Response.objects.bulk_create(answers)
    themes = [Theme.objects.create(organization=world.org, name=f"theme {n}") for n in range(3)]
    commented = list(Response.objects.filter(organization=world.org).exclude(comment="").order_by("pk"))
    AnswerTheme.objects.bulk_create(AnswerTheme(response=r, theme=themes[i % 3]) for i, r in enumerate(commented))
    AnswerTheme.objects.bulk_create(
        AnswerTheme(response=r, theme=themes[(i + 1) % 3]) for i, r in enumerate(commented) if i % 3 == 0
    )
    Response.objects.filter(pk__in=[r.pk for r in commented[::10]]).update(comment="")
    return themes


def _figures(membership, themes, counted_or_raw, **period):
    """Each theme's weight, trend and places for the member and period, from the rollups or the answers."""
    tz = membership.organization.zone
    answers = responses_filter(qs=responses_visible(membership=membership), tz=tz, **period)
    counted = selectors.counted_for(membership=membership, **period) if counted_or_raw == "rollups" else None
    assert (counted is None) == (counted_or_raw == "raw")
    weights = selectors.theme_weights(organization=membership.organization, qs=answers, counted=counted)
    return {
        theme.pk: (
            next(w for w in weights if w.theme == theme),
            selectors.theme_trend_by_month(theme=theme, qs=answers, tz=tz, counted=counted),
            selectors.theme_concentration(theme=theme, qs=answers, counted=counted),
        )
        for theme in themes
    }


@pytest.mark.parametrize("who", ["manager", "employee"])
def test_a_themes_figures_from_the_rollups_are_the_raw_ones(world, tagged, who):
    membership = getattr(world, who).memberships.get()
    periods = [*PERIODS, {"location": world.store}, {"location": world.store, **PERIODS[2]}]
    raw = [_figures(membership, tagged, "raw", **period) for period in periods]

    rollups_reconcile(organization=world.org)
    # Changed behind the rollups' back: what follows can only match when it reads the rollups.
    assert Response.objects.filter(organization=world.org).update(score=0, comment="changed") >= 360
    AnswerTheme.objects.all().delete()
    from_rollups = [_figures(membership, tagged, "rollups", **period) for period in periods]

    for period, ours, theirs in zip(periods, from_rollups, raw, strict=True):
        assert ours == theirs, period
    weight, trend, places = raw[0][tagged[0].pk]
    assert weight.count > 20 and weight.detractors and len(trend) >= 4 and places  # not a comparison of nothing
    if who == "employee":  # an employee sees only their location's places
        assert {place.location for place in places} == {world.store.name}
    else:
        assert len(places) == 3


def test_a_places_share_counts_an_answer_with_two_themes_once(world):
    """Fixed: the share was taken of the place's answers joined to their tags, so an answer carrying two themes
    counted twice among the answers with text (two answers, one with both themes: 1 of 3 instead of 1 of 2)."""
    both, one = Response.objects.bulk_create(
        Response(
            organization=world.org,
            survey=world.nps,
            touchpoint=world.checkout,
            location=world.store,
            kind="nps",
            score=score,
            comment="slow and cold",
            created_at=datetime.datetime(2026, 2, 3, 12, tzinfo=datetime.UTC),
        )
        for score in (2, 3)
    )
    cold, slow = (
        Theme.objects.create(organization=world.org, name="cold"),
        Theme.objects.create(organization=world.org, name="slow"),
    )
    AnswerTheme.objects.bulk_create(
        [
            AnswerTheme(response=both, theme=cold),
            AnswerTheme(response=both, theme=slow),
            AnswerTheme(response=one, theme=slow),
        ]
    )

    [place] = selectors.theme_concentration(theme=cold)

    assert (place.count, place.share) == (1, 50.0)
    rollups_reconcile(organization=world.org)
    counted = selectors.counted_for(membership=world.manager.memberships.get())
    assert selectors.theme_concentration(theme=cold, counted=counted) == [place]


def test_examples_are_the_newest_answers_with_text_of_the_theme_in_the_period(world, tagged):
    theme = tagged[0]
    membership = world.employee.memberships.get()
    period = PERIODS[2]
    answers = responses_filter(qs=responses_visible(membership=membership), tz=world.org.zone, **period)

    examples = selectors.theme_examples(theme=theme, qs=answers, limit=5)

    expected = list(answers.filter(answer_themes__theme=theme).exclude(comment="").order_by("-created_at", "-id")[:5])
    assert examples == expected and len(examples) == 5
    assert {answer.location_id for answer in examples} == {world.store.pk}


@pytest.mark.parametrize("query", ["", "?date_from=2026-01-17&date_to=2026-03-04"])
def test_a_themes_page_reads_the_rollups_and_a_bounded_few_answers(
    world, tagged, login, monkeypatch, django_assert_num_queries, query
):
    rollups_reconcile(organization=world.org)
    theme = tagged[1]
    client = login(world.manager)
    client.get("/")  # the session's first request may touch the session and cache tables once more

    def no_answer_scan(*args, **kwargs):
        raise AssertionError("the 'other' count read the answers")

    monkeypatch.setattr(other, "_from_answers", no_answer_scan)
    # The organization's own masked words are cached for seconds across tests: read them here, as a cold page does.
    monkeypatch.setattr(profanity, "_organization_cache", {})
    with django_assert_num_queries(THEME_PAGE_STATEMENTS), CaptureQueriesContext(connection) as queries:
        response = client.get(f"/insights/themes/{theme.pk}/{query}")

    assert response.status_code == 200
    # The answers are read once: the examples, newest first and bounded; every figure comes from the rollups.
    reads = [q["sql"] for q in queries.captured_queries if '"surveys_response"' in q["sql"]]
    assert len(reads) == 1 and f"LIMIT {EXAMPLES_SHOWN}" in reads[0], reads
    assert 'FROM "rollups_tagrollup"' in " ".join(q["sql"] for q in queries.captured_queries)
    page = response.content.decode()
    assert 'id="theme-weight"' in page and 'id="theme-places"' in page
    assert page.count('<td class="comment">') == EXAMPLES_SHOWN


# A manager's theme page: session, user, membership; the theme; the rollups' state; the tag rollups' one read, the
# themes, the NPS parts; the answers with text per month, per place; the examples and the organization's masked
# words; the filter form (user, membership, locations) and the department form's departments.
THEME_PAGE_STATEMENTS = 16
