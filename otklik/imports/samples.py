"""Generated purchase files (seeded) for the demo and the benchmark: ids, amounts and dates only.

No customer text is made up: customers and products are codes; customer names are
used only when the caller passes real ones (the benchmark's datasets' author fields).
Headers are as 1C writes them, in Russian, so the column guess gets exercised.
"""

import csv
import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

HEADER = ["Номер", "Дата", "Код клиента", "Клиент", "Код товара", "Сумма", "Валюта", "Магазин"]


def write_purchases_csv(
    path: Path,
    *,
    rows: int,
    customers: int,
    products: int = 200,
    locations: Sequence[str] = (),
    customer_names: Sequence[str] = (),
    seed: int = 1,
    end: datetime | None = None,
    days: int = 365,
    delimiter: str = ";",
    encoding: str = "utf-8",
) -> Path:
    """Write `rows` purchases by `customers` customers over the `days` before `end`; the same seed, the same file."""
    rng = random.Random(seed)
    end = (end or datetime(2026, 1, 1)).replace(microsecond=0)
    span = days * 86400
    with open(path, "w", newline="", encoding=encoding) as f:
        writer = csv.writer(f, delimiter=delimiter)
        writer.writerow(HEADER)
        for number in range(1, rows + 1):
            customer = rng.randrange(customers)
            moment = end - timedelta(seconds=rng.randrange(span))
            writer.writerow(
                [
                    f"R{number:08d}",
                    moment.strftime("%Y-%m-%d %H:%M:%S"),
                    f"C{customer:07d}",
                    customer_names[customer % len(customer_names)] if customer_names else "",
                    f"P{rng.randrange(products):05d}",
                    f"{rng.randrange(100, 5_000_000) / 100:.2f}",
                    "RUB",
                    locations[rng.randrange(len(locations))] if locations else "",
                ]
            )
    return path
