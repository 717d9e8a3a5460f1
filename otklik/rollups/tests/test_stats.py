"""The statistics of D5 against figures worked out by hand (the arithmetic is in each test)."""

import math

import pytest

from otklik.rollups import stats


def test_nps_variance_is_the_trinomial_variance_of_a_difference_of_shares():
    # p+ = 0.5, p- = 0.2: 0.5 + 0.2 - 0.3² = 0.61
    assert stats.nps_variance(promoters=50, passives=30, detractors=20) == pytest.approx(0.61)
    # All promoters: no spread at all.
    assert stats.nps_variance(promoters=7, passives=0, detractors=0) == 0
    # Half promoters, half detractors: the widest spread, 1.
    assert stats.nps_variance(promoters=5, passives=0, detractors=5) == pytest.approx(1.0)


def test_nps_interval_is_score_plus_minus_1_96_standard_errors():
    interval = stats.nps_interval(promoters=50, passives=30, detractors=20)
    # SE = 100 × √(0.61 / 100) = 7.8102; margin = 1.95996 × 7.8102 = 15.3078
    assert interval.value == 30.0
    assert interval.low == pytest.approx(14.692, abs=1e-3)
    assert interval.high == pytest.approx(45.308, abs=1e-3)
    assert interval.margin == pytest.approx(15.308, abs=1e-3)
    assert interval.count == 100


def test_nps_interval_stays_on_the_scale_and_needs_answers():
    interval = stats.nps_interval(promoters=9, passives=0, detractors=1)
    # NPS 80, variance 1 - 0.64 = 0.36, margin = 1.96 × 100 × √0.036 = 37.19: the top is clipped at 100.
    assert (interval.value, interval.high) == (80.0, 100.0)
    assert interval.low == pytest.approx(42.81, abs=1e-2)
    assert stats.nps_interval(promoters=0, passives=0, detractors=0) is None


def test_a_large_nps_drop_is_significant():
    # a: 50/30/20 (NPS 30), b: 30/30/40 (NPS -10). Pooled of 200: p+ 0.4, p- 0.3, variance 0.69;
    # SE = 100 × √(0.69 × (1/100 + 1/100)) = 11.747; z = -40 / 11.747 = -3.405; p = 0.00066.
    result = stats.nps_difference(a=(50, 30, 20), b=(30, 30, 40))
    assert result.change == pytest.approx(-40.0)
    assert result.z == pytest.approx(-3.405, abs=1e-3)
    assert result.p_value == pytest.approx(0.00066, abs=1e-5)
    assert result.significant


def test_a_small_change_on_few_answers_could_be_noise():
    # a: 3/1/1 of 5 (NPS 40), b: 2/2/1 of 5 (NPS 20). Pooled: p+ 0.5, p- 0.2, variance 0.61;
    # SE = 100 × √(0.61 × 0.4) = 49.40; z = -20 / 49.40 = -0.405; p = 0.686.
    result = stats.nps_difference(a=(3, 1, 1), b=(2, 2, 1))
    assert result.change == pytest.approx(-20.0)
    assert result.p_value == pytest.approx(0.686, abs=1e-3)
    assert not result.significant


def test_one_promoter_against_one_detractor_is_not_a_certain_change():
    result = stats.nps_difference(a=(1, 0, 0), b=(0, 0, 1))
    # Pooled: p+ = p- = 0.5, variance 1; SE = 100 × √2; z = -200 / 141.42 = -1.414; p = 0.157.
    assert result.z == pytest.approx(-math.sqrt(2))
    assert result.p_value == pytest.approx(0.1573, abs=1e-4)
    assert not result.significant


def test_identical_unanimous_groups_show_no_change_and_empty_groups_no_test():
    result = stats.nps_difference(a=(4, 0, 0), b=(9, 0, 0))
    assert (result.change, result.p_value, result.significant) == (0.0, 1.0, False)
    assert stats.nps_difference(a=(0, 0, 0), b=(1, 0, 0)) is None


def test_the_p_value_is_the_normal_two_sided_tail():
    assert stats.normal_two_sided_p(stats.Z_95) == pytest.approx(0.05)
    assert stats.normal_two_sided_p(0) == 1.0
    assert stats.normal_two_sided_p(-2.2) == pytest.approx(0.027807, abs=1e-6)


def test_proportion_interval_is_wilsons():
    # 8 of 10, z² = 3.8415: centre (0.8 + 0.19207) / 1.38415 = 0.71675;
    # margin 1.96 × √(0.016 + 0.0096) / 1.38415 = 0.22654 → 49.02 … 94.33
    interval = stats.proportion_interval(successes=8, count=10)
    assert interval.value == 80.0
    assert interval.low == pytest.approx(49.02, abs=1e-2)
    assert interval.high == pytest.approx(94.33, abs=1e-2)
    everyone = stats.proportion_interval(successes=3, count=3)
    assert everyone.high == pytest.approx(100.0) and 0 < everyone.low < 100
    assert stats.proportion_interval(successes=0, count=0) is None


def test_mean_interval_uses_the_sample_standard_deviation():
    # 1, 2, 3: mean 2, s² = (14 - 3 × 4) / 2 = 1; margin 1.96 / √3 = 1.1316
    interval = stats.mean_interval(total=6, total_of_squares=14, count=3)
    assert interval.value == 2.0
    assert interval.low == pytest.approx(0.8684, abs=1e-4)
    assert interval.high == pytest.approx(3.1316, abs=1e-4)
    single = stats.mean_interval(total=5, total_of_squares=25, count=1)
    assert (single.low, single.value, single.high) == (5, 5, 5)
    assert stats.mean_interval(total=0, total_of_squares=0, count=0) is None


def test_percentiles_interpolate_between_ranks():
    assert stats.percentile([4, 1, 3, 2], 0.5) == 2.5
    assert stats.percentile([1, 2, 3, 4], 0.9) == pytest.approx(3.7)
    assert stats.percentile([7], 0.9) == 7
    assert stats.percentile([], 0.5) is None


def test_one_lucky_answer_ranks_below_a_long_good_record():
    assert stats.lower_bound_share(successes=1, count=1) == pytest.approx(20.65, abs=1e-2)
    assert stats.lower_bound_share(successes=45, count=50) == pytest.approx(78.64, abs=1e-2)
    assert stats.lower_bound_share(successes=0, count=0) == 0.0
