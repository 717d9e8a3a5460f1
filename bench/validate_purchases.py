"""The purchases import's validator process alone: the validator on every line against the plain-line shortcut.

    .venv/bin/python bench/validate_purchases.py [--rows 100000] [--repeats 3]

Writes the seeded order-lines file bench/import_purchases.py imports, then reads,
checks and encodes it into COPY data as the validator process of the PostgreSQL
path does (pg_fast._validated, chunk by chunk, with its garbage-collector
settings): once with every line through the validator and the encoder, once with
the shortcut (imports/fast_rows.py) taking the plain lines, alternately. Prints the
CPU microseconds per line of this one process (less moved by a busy machine than
the wall time, also printed) and checks that both give the same COPY data once
stored. Needs no database: the organization is not saved.
"""

import argparse
import csv
import gc
import io
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
LOCATIONS = ["Store 1", "Store 2", "Store 3", "Store 4", "Store 5"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "otklik.settings")
    import django

    django.setup()
    from otklik.imports import services
    from otklik.imports.cleaning import ReadOptions, purchase_preparer
    from otklik.imports.fast_clean import purchase_cleaner
    from otklik.imports.fast_rows import staging_encoder
    from otklik.imports.mapping import guess_mapping
    from otklik.imports.pg_fast import _validated
    from otklik.imports.readers import detect_format
    from otklik.imports.samples import HEADER, write_purchases_csv

    with tempfile.TemporaryDirectory() as tmp:
        path = write_purchases_csv(
            Path(tmp) / "purchases.csv",
            rows=args.rows,
            customers=max(1, args.rows // 10),
            locations=LOCATIONS,
            end=datetime.now(UTC).replace(tzinfo=None),
            days=14,
        )
        fmt, mapping = detect_format(path), guess_mapping("purchases", HEADER)
        options = ReadOptions(currency="RUB", date_format="iso")
        places = {name.lower(): number for number, name in enumerate(LOCATIONS, start=1)}

        def cleaner(shortcut: bool):
            # row_cleaner's, without an organization in the database.
            from otklik.customers.services import order_fields_filler

            fill = order_fields_filler()
            prepare = purchase_preparer(options, fill=fill)
            validate = purchase_cleaner(tz=UTC, locations=places, currency="RUB")

            def clean(record: dict) -> dict:
                return validate(prepare(record))

            if shortcut:
                clean.staging_row = staging_encoder(
                    options=options, fill=fill, tz=UTC, locations=places, currency="RUB"
                )
            return clean

        def run(shortcut: bool) -> bytes:
            clean, payloads = cleaner(shortcut), []
            chunks = services.whole_orders(
                services.chunked(services.file_records(path, fmt, mapping), 25000), limit=50000
            )
            for chunk in chunks:
                report, (payload, _left_out, _count) = _validated(chunk, clean, None)
                assert report.ok, report.errors[:3]
                payloads.append(payload)
                del chunk
                gc.collect()
            return b"".join(payloads)

        gc.disable()
        gc.freeze()
        outputs = {}
        for _repeat in range(args.repeats):
            for shortcut in (False, True):
                cpu, wall = time.process_time(), time.perf_counter()
                outputs[shortcut] = run(shortcut)
                cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
                name = "shortcut for plain lines" if shortcut else "validator on every line"
                print(f"{name:<26}{cpu / args.rows * 1e6:7.1f} µs/line CPU{wall / args.rows * 1e6:8.1f} µs/line wall")
        if stored(outputs[False]) != stored(outputs[True]):
            raise SystemExit("the two paths gave different COPY data")
        print(f"{args.rows} lines; both paths give the same rows once stored; load {os.getloadavg()[0]:.1f}")


def stored(payload: bytes) -> list[tuple]:
    """COPY data as PostgreSQL stores it: the numbers at their columns' scales (quantity, unit price, amount)."""
    scales = {4: Decimal("0.001"), 5: Decimal("0.0001"), 6: Decimal("0.01")}
    rows = []
    for row in csv.reader(io.StringIO(payload.decode())):
        rows.append(tuple(Decimal(v).quantize(scales[i]) if i in scales and v else v for i, v in enumerate(row)))
    return rows


if __name__ == "__main__":
    main()
