"""Generated order-line files (seeded) for the demo and the benchmark: ids, quantities, prices and dates only.

No customer text is made up: customers and products are codes; customer names are
used only when the caller passes real ones (the benchmark's datasets' author fields).
Headers are as 1C writes them, in Russian, so the column guess gets exercised.
"""

import csv
import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

HEADER = ["Номер", "Дата", "Код клиента", "Клиент", "Код товара", "Количество", "Цена", "Сумма", "Валюта", "Магазин"]


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
    max_lines: int = 9,
    returns: float = 0.03,
) -> Path:
    """Write `rows` order lines by `customers` customers over the `days` before `end`; the same seed, the same file.

    Orders hold 1 to `max_lines` lines (5 on average with the default), one after another
    as shops export them. A `returns` share of them are cancellations numbered as UCI
    Online Retail numbers them (a C before the number) with negative quantities.
    """
    rng = random.Random(seed)
    end = (end or datetime(2026, 1, 1)).replace(microsecond=0)
    span = days * 86400
    written, order = 0, 0
    with open(path, "w", newline="", encoding=encoding) as f:
        writer = csv.writer(f, delimiter=delimiter)
        writer.writerow(HEADER)
        while written < rows:
            order += 1
            customer = rng.randrange(customers)
            moment = end - timedelta(seconds=rng.randrange(span))
            is_return = rng.random() < returns
            number = f"C{order:08d}" if is_return else f"R{order:08d}"
            location = locations[rng.randrange(len(locations))] if locations else ""
            name = customer_names[customer % len(customer_names)] if customer_names else ""
            for _line in range(min(rng.randint(1, max_lines), rows - written)):
                quantity = rng.randint(1, 6) * (-1 if is_return else 1)
                price = rng.randrange(100, 1_000_000) / 100
                writer.writerow(
                    [
                        number,
                        moment.strftime("%Y-%m-%d %H:%M:%S"),
                        f"C{customer:07d}",
                        name,
                        f"P{rng.randrange(products):05d}",
                        quantity,
                        f"{price:.2f}",
                        f"{quantity * price:.2f}",
                        "RUB",
                        location,
                    ]
                )
                written += 1
    return path


def count_orders(path: Path, *, delimiter: str = ";", encoding: str = "utf-8") -> int:
    """How many orders a file written by write_purchases_csv holds (its lines of one order are together)."""
    with open(path, newline="", encoding=encoding) as f:
        rows = csv.reader(f, delimiter=delimiter)
        next(rows, None)
        return len({row[0] for row in rows if row})
