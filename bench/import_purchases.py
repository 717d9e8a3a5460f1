"""Importing an order-lines file (the nightly exchange from 1C) against PostgreSQL's own COPY of it.

    .venv/bin/python bench/import_purchases.py [--rows 1000000] [--database-url postgres://…] [--no-floor]

Writes a seeded CSV of order lines (ids, dates, quantities and prices only: the
datasets in ../shared/datasets carry no author names, so customers are codes; orders
of 1 to 9 lines, 3 % of them C-numbered cancellations with negative quantities), then
in the same run on PostgreSQL, three baselines and two imports:

1. COPY of the file into a plain table with the same columns: no checks, no indexes;
2. the same COPY into a table with indexes like those the import keeps per line (the
   issue's baseline: a key, the order, customer × date, product, location);
3. after the first import, COPY of the rows it stored (orders, lines and invitations)
   into copies of their tables with the same indexes and foreign keys: what the
   database needs to store exactly those rows with their guarantees;
4. `otklik import purchases` (every row validated, customers and products created,
   orders and their lines upserted, invitations scheduled, all in one transaction);
5. the same import again (the idempotent path: nothing changes).

Prints seconds, rows/s, our time over each baseline's and the import process's peak
resident memory.

The orders end at the run's own now, as a nightly or catch-up exchange does, so
the result does not depend on the day it runs. By default they span the last
--days 14: every completed order is then still due for an invitation (due at the
order + the product's 3-day delay, given up 14 days past due), so the first import
schedules one invitation per order, the worst case for the invitation hook. The
bench prints how many it scheduled; --days 365 (a year of history) schedules only
the last few weeks' share.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PYTHON = sys.executable
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/otklik_bench"
ORG = "bench-import"
LOCATIONS = ["Store 1", "Store 2", "Store 3", "Store 4", "Store 5"]


def setup_script(org: str, name: str) -> str:
    """The shell script that makes the bench organization `org` and empties its customers, orders and invitations."""
    return f"""
from otklik.accounts.models import Location, Organization
from otklik.customers.models import Customer, Product, Purchase, PurchaseLine
from otklik.outreach.models import ScheduledInvitation
org, _ = Organization.objects.get_or_create(slug="{org}", defaults={{"name": "{name}"}})
for name in {LOCATIONS!r}:
    Location.objects.get_or_create(organization=org, name=name)
# Invitations first: raw deletes skip Django's cascade, and they reference the purchases.
ScheduledInvitation.objects.filter(organization=org)._raw_delete(ScheduledInvitation.objects.db)
PurchaseLine.objects.filter(purchase__organization=org)._raw_delete(PurchaseLine.objects.db)
Purchase.objects.filter(organization=org)._raw_delete(Purchase.objects.db)
Customer.objects.filter(organization=org)._raw_delete(Customer.objects.db)
Product.objects.filter(organization=org)._raw_delete(Product.objects.db)
"""


SETUP = setup_script(ORG, "Bench import")
VACUUMED = [
    "outreach_scheduledinvitation",
    "customers_purchaseline",
    "customers_purchase",
    "customers_customer",
    "customers_product",
]
COUNT = f"""
from otklik.customers.models import Purchase, PurchaseLine
from otklik.outreach.models import ScheduledInvitation
print(Purchase.objects.filter(organization__slug="{ORG}").count())
print(PurchaseLine.objects.filter(purchase__organization__slug="{ORG}").count())
print(ScheduledInvitation.objects.filter(organization__slug="{ORG}").count())
"""
COLUMNS = (
    "external_id, purchased_at, customer_external_id, customer_name, product_external_id, quantity, unit_price, "
    "amount, currency, location"
)
COPY_TABLE = """CREATE TABLE bench_copy_purchases (
    external_id text, purchased_at timestamptz, customer_external_id text, customer_name text,
    product_external_id text, quantity numeric(14,3), unit_price numeric(16,4), amount numeric(14,2), currency text,
    location text)"""


# The same COPY into a table that keeps indexes like those the import keeps for each line (a serial key, the
# order's external id, customer × date, product, location): what index upkeep alone costs the database.
INDEXED_TABLE = COPY_TABLE.replace("bench_copy_purchases (", "bench_copy_indexed (id bigserial PRIMARY KEY, ")
INDEXES = [
    "CREATE INDEX ON bench_copy_indexed (external_id)",
    "CREATE INDEX ON bench_copy_indexed (customer_external_id, purchased_at)",
    "CREATE INDEX ON bench_copy_indexed (product_external_id)",
    "CREATE INDEX ON bench_copy_indexed (location)",
]


def ensure_database(url: str) -> None:
    import psycopg

    parsed = urllib.parse.urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def postgres_copy(url: str, path: Path, *, indexed: bool = False) -> float:
    """Seconds PostgreSQL takes to COPY the file (streamed from here, as our import is) into a plain table,
    or, with `indexed`, into one that keeps indexes like the purchases table's."""
    import psycopg

    table = "bench_copy_indexed" if indexed else "bench_copy_purchases"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP TABLE IF EXISTS {table}")
        conn.execute(INDEXED_TABLE if indexed else COPY_TABLE)
        for statement in INDEXES if indexed else []:
            conn.execute(statement)
        try:
            started = time.perf_counter()
            with conn.transaction(), conn.cursor() as cursor:
                sql = f"COPY {table} ({COLUMNS}) FROM STDIN (FORMAT csv, HEADER true, DELIMITER ';')"
                with cursor.copy(sql) as copy, open(path, "rb") as f:
                    while block := f.read(1 << 20):
                        copy.write(block)
            return time.perf_counter() - started
        finally:
            conn.execute(f"DROP TABLE {table}")


# Copies of the tables the import writes, for the floor: COPY of the rows it stored (with the organization's).
FLOOR_TABLES = [
    ("customers_purchase", "bench_floor_purchase", "organization_id = {org}"),
    (
        "customers_purchaseline",
        "bench_floor_line",
        "purchase_id IN (SELECT id FROM customers_purchase WHERE organization_id = {org})",
    ),
    ("outreach_scheduledinvitation", "bench_floor_invitation", "organization_id = {org}"),
]


def floor_key_triggers(source: str, floor: str) -> list[str]:
    """The triggers that check `source`'s keys per statement (otklik/customers/keys.py), made for its floor copy.

    Those keys are not declared on PostgreSQL, so the copy's LIKE and its declared keys would leave them out.
    """
    from otklik.customers.keys import INVITATION_KEYS, KEYS, WRITTEN

    floors = {source: floor for source, floor, _where in FLOOR_TABLES}
    statements = []
    for child, column, parent in KEYS + INVITATION_KEYS:
        if child != source:
            continue
        function = f"{floor}_{column}_written"
        statements += [
            WRITTEN.format(function=function, column=column, parent=floors.get(parent, parent)),
            f"CREATE TRIGGER {floor}_{column}_ins AFTER INSERT ON {floor} REFERENCING NEW TABLE AS otklik_new "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
        ]
    return statements


def postgres_copy_stored(url: str, directory: Path) -> float:
    """Seconds COPY takes to store the rows the first import stored, into tables that keep what ours keep.

    The bench organization's purchases and invitations are exported, then COPYed in one
    transaction into copies of their tables with the same columns, defaults, checks,
    indexes and foreign keys (the declared ones checked per row, those kept by triggers per
    statement, as PostgreSQL checks ours): what the
    database itself needs to store those rows with their guarantees, before any reading,
    validation, lookup of external ids or scheduling.
    """
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        (org_id,) = conn.execute("SELECT id FROM accounts_organization WHERE slug = %s", [ORG]).fetchone()
        for _source, floor, _where in reversed(FLOOR_TABLES):
            conn.execute(f"DROP TABLE IF EXISTS {floor}")
        for source, floor, where in FLOOR_TABLES:
            with open(directory / f"{floor}.copy", "wb") as f, conn.cursor() as cursor:
                query = f"COPY (SELECT * FROM {source} WHERE {where.format(org=org_id)}) TO STDOUT"
                with cursor.copy(query) as copy:
                    for block in copy:
                        f.write(block)
            conn.execute(f"CREATE TABLE {floor} (LIKE {source} INCLUDING ALL)")
            keys = conn.execute(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'",
                [source],
            ).fetchall()
            for (definition,) in keys:
                for other_source, other_floor, _where in FLOOR_TABLES:  # the order of a line, an invitation
                    definition = definition.replace(f"REFERENCES {other_source}(", f"REFERENCES {other_floor}(")
                conn.execute(f"ALTER TABLE {floor} ADD {definition}")
            for statement in floor_key_triggers(source, floor):
                conn.execute(statement)
        conn.execute("CHECKPOINT")  # the export's writes are not the COPY's to pay for
        try:
            started = time.perf_counter()
            with conn.transaction(), conn.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # as the import checks them
                for _source, floor, _where in FLOOR_TABLES:
                    with cursor.copy(f"COPY {floor} FROM STDIN") as copy, open(directory / f"{floor}.copy", "rb") as f:
                        while block := f.read(1 << 20):
                            copy.write(block)
            return time.perf_counter() - started
        finally:
            for _source, floor, _where in reversed(FLOOR_TABLES):
                conn.execute(f"DROP TABLE {floor}")


def timed_child(args: list[str], env: dict) -> tuple[float, int, str]:
    """(seconds, peak resident memory in MB, output) of one child process; its CPU seconds (with the
    validator process it forks) are printed, since on a busy machine they vary less than the wall time."""
    started = time.perf_counter()
    child = subprocess.Popen(args, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = child.stdout.read()
    _pid, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise RuntimeError(f"{' '.join(args)} failed:\n{output}")
    load = os.getloadavg()[0]
    print(f"  CPU {usage.ru_utime:.1f} s user + {usage.ru_stime:.1f} s system; load {load:.1f}", flush=True)
    return elapsed, usage.ru_maxrss // 1024, output


def vacuum(url: str) -> None:
    """Clear the rows the setup deleted, so that autovacuum does not do it on the measured import's time."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        for table in VACUUMED:
            conn.execute(f"VACUUM ANALYZE {table}")


def counts(manage: list[str], env: dict) -> tuple[int, int, int]:
    """(orders stored, lines stored, invitations scheduled) for the bench organization."""
    out = subprocess.run(
        [*manage, "shell", "-v0", "-c", COUNT], env=env, check=True, cwd=ROOT, capture_output=True, text=True
    ).stdout.split()
    return int(out[-3]), int(out[-2]), int(out[-1])


def line_mapping() -> list[str]:
    """`--mapping` for the quantity and price columns where the column guess does not know them yet."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "otklik.settings")
    django.setup()
    from otklik.imports.mapping import field_names, guess_mapping
    from otklik.imports.samples import HEADER

    guessed = guess_mapping("purchases", HEADER)
    wanted = {"Количество": "quantity", "Цена": "unit_price"}
    known = set(field_names("purchases"))
    spec = [f"{column}={name}" for column, name in wanted.items() if name in known and name not in guessed]
    return ["--mapping", ",".join(spec)] if spec else []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, help="distinct customers (default: rows / 10)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--days", type=int, default=14, help="the span of purchase dates before now (default 14)")
    parser.add_argument("--database-url", default=os.environ.get("OTKLIK_BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument(
        "--no-floor", action="store_true", help="skip baseline 3 (the COPY of the stored rows): quicker paired runs"
    )
    args = parser.parse_args()

    from otklik.imports.samples import write_purchases_csv

    ensure_database(args.database_url)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "otklik.settings",
        "OTKLIK_DATABASE_URL": args.database_url,
        "OTKLIK_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    manage = [PYTHON, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
    subprocess.run([*manage, "shell", "-v0", "-c", SETUP], env=env, check=True, cwd=ROOT)
    vacuum(args.database_url)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "purchases.csv"
        started = time.perf_counter()
        write_purchases_csv(
            path,
            rows=args.rows,
            customers=args.customers or max(1, args.rows // 10),
            locations=LOCATIONS,
            seed=args.seed,
            # The organization's time zone is UTC: the file's local times end at this moment.
            end=datetime.now(UTC).replace(tzinfo=None),
            days=args.days,
        )
        size_mb = path.stat().st_size / 2**20
        print(
            f"generated {args.rows} order lines ({size_mb:.0f} MB) in {time.perf_counter() - started:.1f} s",
            flush=True,
        )

        copy_s = postgres_copy(args.database_url, path)
        indexed_s = postgres_copy(args.database_url, path, indexed=True)
        print(f"PostgreSQL COPY: {copy_s:.1f} s; into an indexed table: {indexed_s:.1f} s", flush=True)
        command = [*manage, "import", "purchases", str(path), "--org", ORG, "-v", "2", *line_mapping()]
        first_s, first_mb, first_out = timed_child(command, env)
        print(f"first import: {first_s:.1f} s", flush=True)
        stored, lines, scheduled = counts(manage, env)
        floor_s = float("nan") if args.no_floor else postgres_copy_stored(args.database_url, Path(tmp))
        print(f"PostgreSQL COPY of the rows the import stored: {floor_s:.1f} s", flush=True)
        second_s, second_mb, second_out = timed_child(command, env)
        again = counts(manage, env)

    print(
        f"\nImport of {args.rows} order lines ({size_mb:.0f} MB CSV, the last {args.days} days) on PostgreSQL; "
        f"{stored} orders and {lines} lines stored, {scheduled} invitations scheduled by the first import"
    )
    for name, out in [("first import", first_out), ("second import", second_out)]:
        printed = out.strip().splitlines()
        phases = [line.strip() for line in printed if line.startswith("  ")]
        print(f"{name}: {printed[-1]}  [{'; '.join(phases)}]")
    print(f"{'':<50}{'seconds':>9}{'rows/s':>9}{'× COPY':>8}{'× indexed':>11}{'× same rows':>13}{'peak RSS MB':>13}")
    for name, seconds, mb in [
        ("PostgreSQL COPY into a plain table", copy_s, None),
        ("PostgreSQL COPY into an indexed table", indexed_s, None),
        ("PostgreSQL COPY of the rows the import stored", floor_s, None),
        ("otklik import purchases (first)", first_s, first_mb),
        ("otklik import purchases (again, no change)", second_s, second_mb),
    ]:
        shown_mb = f"{mb:>13}" if mb is not None else f"{'':>13}"
        ratios = f"{seconds / copy_s:>8.1f}{seconds / indexed_s:>11.1f}{seconds / floor_s:>13.1f}"
        print(f"{name:<50}{seconds:>9.1f}{args.rows / seconds:>9.0f}{ratios}{shown_mb}")
    if lines != args.rows:
        raise SystemExit(f"expected {args.rows} order lines stored, found {lines}")
    if again != (stored, lines, scheduled):
        raise SystemExit(f"the second import changed the counts (orders, lines, invitations): {again}")


if __name__ == "__main__":
    main()
