"""A survey kind carries its scale's meaning, and a scale the rollups cannot count is refused where it is defined."""

import pytest
from django.db.models import Q

from otklik.rollups.models import SCORES, ResponseRollup
from otklik.surveys.kinds import COUNTED_SCORES, KINDS, Band, ScaleError, SurveyKind


def kind(**changes) -> SurveyKind:
    fields = {
        "code": "stars",
        "label": "Stars",
        "question": "How many stars?",
        "follow_up": "Why?",
        "second_question": "",
        "min_score": 1,
        "max_score": 5,
        "low_label": "One",
        "high_label": "Five",
        "case_when": "lte",
        "case_threshold": 2,
        "praise": Band(5, 5),
    }
    return SurveyKind(**{**fields, **changes})


def test_a_scale_inside_the_rollups_columns_is_accepted():
    assert kind().detractors == Band(1, 2)
    assert kind(min_score=0, max_score=10, praise=Band(9, 10)).scale.scores == range(0, 11)


@pytest.mark.parametrize("low, high", [(1, 12), (-5, 5), (0, 100)])
def test_a_scale_the_rollups_cannot_count_is_refused(low, high):
    with pytest.raises(ScaleError, match="does not fit the rollups"):
        kind(min_score=low, max_score=high, praise=Band(high, high))


def test_bands_outside_the_scale_or_an_empty_scale_are_refused():
    with pytest.raises(ScaleError, match="praise 6–6 lies outside"):
        kind(praise=Band(6, 6))
    with pytest.raises(ScaleError, match="satisfied"):
        kind(satisfied=Band(0, 5))
    with pytest.raises(ScaleError, match="empty"):
        kind(min_score=3, max_score=3, praise=Band(3, 3))
    with pytest.raises(ScaleError, match="case_when"):
        kind(case_when="between")


def test_the_rollups_keep_a_column_for_every_counted_score():
    assert SCORES == COUNTED_SCORES
    columns = {field.name for field in ResponseRollup._meta.get_fields()}
    assert {f"s{score}" for score in COUNTED_SCORES} <= columns
    for spec in KINDS.values():
        assert set(spec.scale.scores) <= set(SCORES)


def test_the_kinds_bands_are_the_ones_every_page_used():
    nps, csat, ces, grade, readiness = (KINDS[code] for code in ("nps", "csat", "ces", "grade", "readiness"))
    assert (nps.promoters, nps.detractors, nps.praise) == (Band(9, 10), Band(0, 6), Band(9, 10))
    assert (csat.satisfied, csat.promoters, csat.praise, csat.detractors) == (
        Band(4, 5),
        Band(5, 5),
        Band(4, 5),
        Band(1, 2),
    )
    assert (ces.praise, ces.detractors, ces.lower_is_better) == (Band(1, 2), Band(5, 7), True)
    assert (grade.praise, grade.detractors) == (Band(5, 5), Band(1, 3))
    assert (readiness.loyalty, readiness.promoters, readiness.praise) == (False, None, Band(1, 1))


@pytest.mark.parametrize(
    "code, scores, badges",
    [
        ("nps", [0, 6, 7, 8, 9, 10], ["bad", "bad", "warn", "warn", "ok", "ok"]),
        ("csat", [1, 2, 3, 4, 5], ["bad", "bad", "warn", "ok", "ok"]),
        ("grade", [2, 3, 4], ["bad", "warn", "ok"]),
        ("ces", [1, 3, 4, 5, 7], ["ok", "ok", "warn", "bad", "bad"]),
        ("readiness", [0, 1], ["", ""]),
    ],
)
def test_a_score_is_coloured_by_its_kind(code, scores, badges):
    assert [KINDS[code].badge(score) for score in scores] == badges


def test_a_band_is_a_filter_and_a_membership_test():
    band = Band(9, 10)
    assert 9 in band and 10 in band and 8 not in band and None not in band
    assert band.scores == range(9, 11)
    assert band.q("answer__score") == Q(answer__score__gte=9, answer__score__lte=10)
