"""Statistics behind "metrics done properly" (D5): intervals, a significance test, percentiles.

Plain functions over counts, so they are tested against figures worked out by hand and
never touch the database. Everything uses the normal approximation with a two-sided 95 %
level; the standard library's `erfc` gives the normal tail, so no SciPy is needed.

NPS is a difference of two proportions of the same trinomial sample (promoters, passives,
detractors). With shares p₊ and p₋ among n answers its variance is

    Var(NPS) = (p₊ + p₋ − (p₊ − p₋)²) / n        (NPS as a fraction, ×100 for points)

which is the analytic variance, not a bootstrap: it is exact for the estimator, costs
nothing at 10 million answers and gives the same answer on every run.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

Z_95 = 1.959963984540054  # the normal quantile for a two-sided 95 % interval
SIGNIFICANCE_LEVEL = 0.05


@dataclass(frozen=True)
class Interval:
    """An estimate with its 95 % confidence interval, in the metric's own units."""

    value: float
    low: float
    high: float
    count: int

    @property
    def margin(self) -> float:
        """Half the interval's width: the "±" shown beside the value."""
        return (self.high - self.low) / 2


@dataclass(frozen=True)
class Difference:
    """A change between two groups (periods, locations) and whether it is more than noise."""

    change: float  # b − a, in the metric's units
    z: float
    p_value: float
    significant: bool


def normal_two_sided_p(z: float) -> float:
    """P(|Z| ≥ |z|) for a standard normal Z (z = 1.96 → 0.05)."""
    return math.erfc(abs(z) / math.sqrt(2))


def nps_variance(*, promoters: int, passives: int, detractors: int) -> float:
    """The per-answer variance of NPS as a fraction: p₊ + p₋ − (p₊ − p₋)²; 0 without answers."""
    count = promoters + passives + detractors
    if not count:
        return 0.0
    share_promoters, share_detractors = promoters / count, detractors / count
    return share_promoters + share_detractors - (share_promoters - share_detractors) ** 2


def nps_interval(*, promoters: int, passives: int, detractors: int) -> Interval | None:
    """NPS in points (−100…100) with its 95 % interval, clipped to the scale; None without answers.

    50 promoters, 30 passives, 20 detractors: NPS 30, SE √(0.61/100) = 7.81 points, 30 ± 15.3.
    """
    count = promoters + passives + detractors
    if not count:
        return None
    score = 100 * (promoters - detractors) / count
    margin = 100 * Z_95 * math.sqrt(nps_variance(promoters=promoters, passives=passives, detractors=detractors) / count)
    return Interval(value=score, low=max(-100.0, score - margin), high=min(100.0, score + margin), count=count)


def nps_difference(
    *, a: tuple[int, int, int], b: tuple[int, int, int], level: float = SIGNIFICANCE_LEVEL
) -> Difference | None:
    """A z-test of NPS(b) − NPS(a); each group is (promoters, passives, detractors).

    Under the null hypothesis both groups share one distribution, so the standard error uses
    the pooled shares (as the pooled two-proportion test does): a lone promoter against a lone
    detractor is then "could be noise" (p ≈ 0.16), not a certain change. None when a group is empty.
    """
    count_a, count_b = sum(a), sum(b)
    if not count_a or not count_b:
        return None
    change = 100 * ((b[0] - b[2]) / count_b - (a[0] - a[2]) / count_a)
    pooled = nps_variance(promoters=a[0] + b[0], passives=a[1] + b[1], detractors=a[2] + b[2])
    standard_error = 100 * math.sqrt(pooled * (1 / count_a + 1 / count_b))
    if standard_error == 0:
        # Every answer in both groups is in one class: the groups are identical, nothing changed.
        return Difference(change=change, z=0.0, p_value=1.0, significant=False)
    z = change / standard_error
    p_value = normal_two_sided_p(z)
    return Difference(change=change, z=z, p_value=p_value, significant=p_value < level)


def proportion_interval(*, successes: int, count: int) -> Interval | None:
    """A share in percent with its 95 % Wilson interval, which stays inside 0–100 even at 0 or n successes.

    8 of 10: 80 %, interval 49.0…94.3.
    """
    if not count:
        return None
    share = successes / count
    z2 = Z_95**2
    centre = (share + z2 / (2 * count)) / (1 + z2 / count)
    margin = Z_95 * math.sqrt(share * (1 - share) / count + z2 / (4 * count**2)) / (1 + z2 / count)
    return Interval(value=100 * share, low=100 * (centre - margin), high=100 * (centre + margin), count=count)


def mean_interval(*, total: float, total_of_squares: float, count: int) -> Interval | None:
    """A mean with its 95 % interval from the sum and the sum of squares (sample variance, n − 1).

    Scores 1, 2, 3: mean 2, s = 1, 2 ± 1.96/√3 = 0.87…3.13. One answer has no spread to measure: ±0.
    """
    if not count:
        return None
    mean = total / count
    if count < 2:
        return Interval(value=mean, low=mean, high=mean, count=count)
    variance = max(0.0, (total_of_squares - count * mean**2) / (count - 1))
    margin = Z_95 * math.sqrt(variance / count)
    return Interval(value=mean, low=mean - margin, high=mean + margin, count=count)


def percentile(values: Sequence[float], share: float) -> float | None:
    """The `share` (0–1) quantile with linear interpolation between ranks, as numpy's default does.

    [1, 2, 3, 4]: median 2.5, 90th percentile 3.7. None for no values.
    """
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * share
    lower = math.floor(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def lower_bound_share(*, successes: int, count: int) -> float:
    """The lower end of the Wilson interval, in percent: ranks people so that one lucky answer does not win.

    1 of 1 gives 20.7; 45 of 50 gives 78.6, which ranks higher, as it should.
    """
    interval = proportion_interval(successes=successes, count=count)
    return interval.low if interval else 0.0
