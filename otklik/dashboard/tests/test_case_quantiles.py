"""The medians and 90th percentiles of case clocks, selected from whole microseconds (how PostgreSQL hands them to
/metrics/), equal `stats.percentile` of the hours, the raw computation, to the last bit."""

import datetime
import random

import numpy

from otklik.dashboard import metrics
from otklik.rollups import stats


def test_microseconds_give_the_quantiles_of_the_hours():
    rng = random.Random(7)
    for n in (1, 2, 3, 4, 5, 10, 11, 101, 1000):
        durations = [rng.randint(0, 400 * 3600 * 10**6) for _ in range(n)]
        durations += durations[: n // 3]  # ties
        hours = [datetime.timedelta(microseconds=us) / metrics.HOUR for us in durations]

        got = metrics._us_quantiles(numpy.array(durations, dtype=numpy.int64))

        assert got == {share: stats.percentile(hours, share) for share in metrics.QUANTILES}, n


def test_no_durations_give_no_quantiles():
    assert metrics._us_quantiles(numpy.array([], dtype=numpy.int64)) == {0.5: None, 0.9: None}
