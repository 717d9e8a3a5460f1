"""Real answer texts from the datasets (../shared/datasets), looked up by tweet id."""

import csv
from functools import lru_cache

from otklik.demo.datasets import datasets_dir


@lru_cache(maxsize=2)
def _rows(slug: str) -> tuple[dict[str, str], ...]:
    with (datasets_dir() / slug / "tweets.csv").open(encoding="utf-8", newline="") as handle:
        return tuple(csv.DictReader(handle))


def airline_rows() -> tuple[dict[str, str], ...]:
    return _rows("airline-tweets-en")


def airline(tweet_id: str) -> str:
    return next(r["text"] for r in airline_rows() if r["tweet_id"] == tweet_id)


def russian(tweet_id: str) -> str:
    return next(r["text"] for r in _rows("sentirueval2016-ru") if r["tweet_id"] == tweet_id)


def airline_complaints(limit: int) -> list[dict[str, str]]:
    """The first `limit` negative airline tweets with a known reason."""
    rows = [r for r in airline_rows() if r["negativereason"] and r["negativereason"] != "Can't Tell"]
    return rows[:limit]


def russian_rows() -> tuple[dict[str, str], ...]:
    return _rows("sentirueval2016-ru")


@lru_cache(maxsize=1)
def _hotline_rows() -> dict[str, str]:
    rows: dict[str, str] = {}
    for name in ("reviews_machine_translated_part1.csv", "reviews_machine_translated_part2.csv"):
        with (datasets_dir() / "hotline-store-reviews-uk" / name).open(encoding="utf-8", newline="") as handle:
            rows.update((r["review_id"], r["text"]) for r in csv.DictReader(handle))
    return rows


def ukrainian(review_id: str) -> str:
    """A Ukrainian store review (hotline-store-reviews-uk) by its review id."""
    return _hotline_rows()[review_id]


def rozetka_reviews(limit: int) -> list[dict[str, str]]:
    """The first `limit` product reviews of rozetka-reviews-uk (Ukrainian and Russian mixed), as
    {"text": comment, pros and cons, "category": product group}."""
    with (datasets_dir() / "rozetka-reviews-uk" / "reviews_part1.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    out = []
    for row in rows:
        text = "\n".join(part for part in (row["comment"], row["pros"], row["cons"]) if part.strip())
        if text:
            out.append({"text": text, "category": row["category"]})
    return out[:limit]
