"""Small file builders for the import tests."""

import csv
from pathlib import Path

from openpyxl import Workbook

PURCHASE_HEADER = ["Номер", "Дата", "Код клиента", "Клиент", "Телефон", "Код товара", "Товар", "Сумма", "Магазин"]


def write_csv(path: Path, rows: list[list], *, delimiter: str = ";", encoding: str = "utf-8") -> Path:
    with open(path, "w", newline="", encoding=encoding) as f:
        csv.writer(f, delimiter=delimiter).writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list]) -> Path:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def purchase_rows(n: int, *, start: int = 1, location: str = "Main Street", amount: str = "100.50") -> list[list]:
    """n purchases by three customers of two products, as 1C exports them."""
    return [
        [
            f"R{i}",
            f"0{1 + i % 9}.03.2025 10:{i % 60:02d}",
            f"C{i % 3}",
            f"Customer {i % 3}",
            f"+7 916 000-00-0{i % 3}",
            f"P{i % 2}",
            f"Product {i % 2}",
            amount,
            location,
        ]
        for i in range(start, start + n)
    ]
