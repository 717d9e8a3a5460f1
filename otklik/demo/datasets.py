"""Reading the two real feedback datasets under `shared/datasets` (see otklik/demo/README.md).

Each dataset gives rows of (tweet, company, sentiment label, date). The labels are
human annotations, not scores: `derived_score` maps them to an NPS score, and the
demo marks every such answer `score_is_derived=True`.
"""

import csv
import hashlib
import html
import os
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings

NEGATIVE, NEUTRAL, POSITIVE = "negative", "neutral", "positive"

# The NPS score ranges each label is spread over; shown in the command's help and the README.
SCORE_RANGES: dict[str, tuple[int, int]] = {NEGATIVE: (0, 6), NEUTRAL: (7, 8), POSITIVE: (9, 10)}


@dataclass(frozen=True)
class DatasetRow:
    dataset: str
    tweet_id: str
    company: str
    sentiment: str
    text: str
    created_at: datetime

    @property
    def external_id(self) -> str:
        return f"{self.dataset}:{self.tweet_id}:{self.company}"


# eq=False: each dataset is one module constant, hashed by identity (a cache key).
@dataclass(frozen=True, eq=False)
class Dataset:
    slug: str  # the folder under the datasets directory
    title: str
    language: str
    source: str
    license: str
    survey_name: str
    # Company code → location name, in display order. SentiRuEval's README also lists
    # komstar, but the test set has no row for it, so the demo has no such location.
    companies: dict[str, str]
    # Share of the selection per label; the rest of the file is left out.
    shares: dict[str, float]
    reader: Callable[[Path], Iterator[DatasetRow]]

    def path(self, datasets_dir: Path) -> Path:
        return datasets_dir / self.slug / "tweets.csv"

    def location_name(self, company: str) -> str:
        return self.companies.get(company) or company.title()


def _read_csv(path: Path) -> Iterator[dict[str, str]]:
    # newline="" because the Russian texts contain line breaks inside quoted fields.
    with path.open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


AIRLINE_CODES = {
    "Virgin America": "virgin",
    "United": "united",
    "Southwest": "southwest",
    "Delta": "delta",
    "US Airways": "usairways",
    "American": "american",
}


def _month_day_year(value: str) -> datetime:
    """`2/24/2015 11:35` as UTC; by hand because strptime is the slowest part of reading the file."""
    day, time = value.split()
    month, day_of_month, year = (int(part) for part in day.split("/"))
    hour, minute = (int(part) for part in time.split(":"))
    return datetime(year, month, day_of_month, hour, minute, tzinfo=UTC)


def read_airline_tweets(path: Path) -> Iterator[DatasetRow]:
    """Rows of the Twitter US Airline Sentiment file; `tweet_created` is month/day/year, taken as UTC.

    Twitter stored texts HTML-escaped (`&amp;`); they are decoded back to what the customer typed.
    """
    for row in _read_csv(path):
        if not row["text"].strip() or row["airline"] not in AIRLINE_CODES:
            continue
        yield DatasetRow(
            dataset="airline-tweets-en",
            tweet_id=row["tweet_id"],
            company=AIRLINE_CODES[row["airline"]],
            sentiment=row["airline_sentiment"],
            text=html.unescape(row["text"]),
            created_at=_month_day_year(row["tweet_created"]),
        )


RU_SENTIMENTS = {"-1": NEGATIVE, "0": NEUTRAL, "1": POSITIVE}


def read_sentirueval(path: Path) -> Iterator[DatasetRow]:
    """Rows of SentiRuEval-2016 (one per tweet and company); `date` is Unix time."""
    for row in _read_csv(path):
        if not row["text"].strip() or row["sentiment"] not in RU_SENTIMENTS:
            continue
        yield DatasetRow(
            dataset="sentirueval2016-ru",
            tweet_id=row["tweet_id"],
            company=row["company"],
            sentiment=RU_SENTIMENTS[row["sentiment"]],
            text=html.unescape(row["text"]),
            created_at=datetime.fromtimestamp(int(row["date"]), tz=UTC),
        )


AIRLINES = Dataset(
    slug="airline-tweets-en",
    title="Twitter US Airline Sentiment",
    language="en",
    source="Figure Eight (CrowdFlower) “Data for Everyone”, via Kaggle",
    license="CC BY-NC-SA 4.0 (non-commercial; do not ship inside a product)",
    survey_name="US airlines · NPS",
    companies={code: name for name, code in AIRLINE_CODES.items()},
    shares={NEGATIVE: 0.5, NEUTRAL: 0.25, POSITIVE: 0.25},
    reader=read_airline_tweets,
)

SENTIRUEVAL = Dataset(
    slug="sentirueval2016-ru",
    title="SentiRuEval-2016 (banks and telecom operators)",
    language="ru",
    source="Loukachevitch & Rubtsova (2016), “SentiRuEval-2016: overcoming time gap and data sparsity "
    "in tweet sentiment analysis”, Dialogue conference",
    license="no license stated: research data; cite the paper, do not redistribute inside a product",
    survey_name="Russian banks and telecom · NPS",
    companies={
        "beeline": "Билайн",
        "mts": "МТС",
        "megafon": "МегаФон",
        "tele2": "Tele2",
        "rostelecom": "Ростелеком",
        "skylink": "Скайлинк",
        "sberbank": "Сбербанк",
        "vtb": "ВТБ",
        "gazprom": "Газпромбанк",
        "alfabank": "Альфа-Банк",
        "bankmoskvy": "Банк Москвы",
        "raiffeisen": "Райффайзенбанк",
        "uralsib": "Уралсиб",
        "rshb": "Россельхозбанк",
    },
    # Most neutral rows are ads and news: keep some as realistic noise, favour real opinions.
    shares={NEGATIVE: 0.5, POSITIVE: 0.3, NEUTRAL: 0.2},
    reader=read_sentirueval,
)

DATASETS = [AIRLINES, SENTIRUEVAL]


def datasets_dir() -> Path:
    """Where the datasets live: setting or env `OTKLIK_DATASETS_DIR`, else `<repo>/../shared/datasets`."""
    configured = getattr(settings, "OTKLIK_DATASETS_DIR", None) or os.environ.get("OTKLIK_DATASETS_DIR")
    return Path(configured) if configured else Path(settings.BASE_DIR).parent / "shared" / "datasets"


def _stable_hash(key: str) -> int:
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")


def derived_score(*, sentiment: str, key: str) -> int:
    """An NPS score (0–10) derived from a sentiment label, spread within its range by a hash of `key`.

    negative → 0–6 (a detractor, so the default rule opens a case), neutral → 7–8, positive → 9–10.
    """
    low, high = SCORE_RANGES[sentiment]
    return low + _stable_hash(key) % (high - low + 1)


def _round_robin(groups: list[list[DatasetRow]], count: int, taken: set[str]) -> list[DatasetRow]:
    picked: list[DatasetRow] = []
    positions = [0] * len(groups)
    while len(picked) < count:
        progressed = False
        for index, group in enumerate(groups):
            while positions[index] < len(group) and group[positions[index]].external_id in taken:
                positions[index] += 1
            if positions[index] < len(group) and len(picked) < count:
                row = group[positions[index]]
                picked.append(row)
                taken.add(row.external_id)
                positions[index] += 1
                progressed = True
        if not progressed:
            break
    return picked


def select_rows(*, dataset: Dataset, rows: list[DatasetRow], limit: int) -> list[DatasetRow]:
    """A deterministic spread of `limit` rows across labels (by `dataset.shares`) and companies.

    Within each (company, label) the rows are ordered by a hash of their id, and the
    companies take turns, so every company gets answers and a larger limit selects a
    superset of a smaller one. Repeated rows (same external id) count once.
    """
    unique: dict[str, DatasetRow] = {}
    for row in rows:
        unique.setdefault(row.external_id, row)
    groups: dict[tuple[str, str], list[DatasetRow]] = defaultdict(list)
    for row in sorted(unique.values(), key=lambda row: _stable_hash(row.external_id)):
        groups[row.sentiment, row.company].append(row)
    order = list(dataset.companies) + sorted({company for _label, company in groups} - set(dataset.companies))
    buckets = {
        sentiment: [groups[sentiment, company] for company in order if (sentiment, company) in groups]
        for sentiment in dataset.shares
    }
    taken: set[str] = set()
    picked: list[DatasetRow] = []
    for sentiment, share in dataset.shares.items():
        picked += _round_robin(buckets[sentiment], int(limit * share), taken)
    # Rounding, or a label that ran out: fill up from all labels in turn.
    for sentiment in dataset.shares:
        picked += _round_robin(buckets[sentiment], limit - len(picked), taken)
    return picked


def date_shift(*, rows: list[DatasetRow], now: datetime) -> timedelta:
    """Whole days that move the dataset's newest row into the last 24 hours (time of day kept)."""
    newest = max(row.created_at for row in rows)
    return timedelta(days=(now - newest).days)
