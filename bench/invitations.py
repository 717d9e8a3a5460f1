"""Scheduling and dispatching invitations on PostgreSQL.

    .venv/bin/python bench/invitations.py [--purchases 100000] [--workers 1 2]

In one run: stores N purchases in batches of 10 000 with `purchases_upsert` alone and
through the intake's `purchases_receive` (which schedules too) (the difference is what scheduling costs an import),
then dispatches the N due invitations (personal link + rendered letter + outbox row
each) with one and with two worker processes. Prints rows/s and invitations/s.
Delivery from the outbox to a mail server is measured by the messaging benchmark.
"""

import argparse
import multiprocessing
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/otklik_bench"
BATCH = 10_000


def setup_django(url: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "otklik.settings")
    os.environ["OTKLIK_DATABASE_URL"] = url
    import django

    django.setup()


def fresh_organization(slug: str):
    from otklik.outreach.models import OutreachSettings
    from otklik.testing import factories

    # A new organization per run: deleting the last run's purchases would cost more than the run.
    slug = f"{slug}-{time.time_ns()}"
    org = factories.make_organization(name=slug, slug=slug)
    factories.make_touchpoint(location=factories.make_location(organization=org, name="Store"))
    factories.make_survey(organization=org)
    # No quiet hours and no frequency cap: every invitation is sent, whatever the clock says.
    OutreachSettings.objects.create(organization=org, quiet_from="00:00", quiet_until="00:00", min_days_between=0)
    return org


def records(offset: int, count: int, start) -> list[dict]:
    return [
        {
            "external_id": f"P{i}",
            "customer_external_id": f"C{i}",
            "customer_email": f"c{i}@example.com",
            "product_external_id": f"SKU{i % 50}",
            "purchased_at": (start + timedelta(minutes=i % 600)).isoformat(),
        }
        for i in range(offset, offset + count)
    ]


def import_purchases(org, n: int, start, *, schedule: bool = True) -> float:
    from otklik.customers.services import purchases_upsert
    from otklik.intake.purchases import purchases_receive

    store = purchases_receive if schedule else purchases_upsert
    began = time.perf_counter()
    for offset in range(0, n, BATCH):
        result = store(organization=org, records=records(offset, min(BATCH, n - offset), start))
        assert not result.errors, result.errors
    return time.perf_counter() - began


def measure_scheduling(org) -> None:
    """The hook alone, on all purchases at once: the set-based SQL against the per-row Python path."""
    from django.db import connection, transaction

    from otklik.customers.models import Purchase
    from otklik.outreach import services
    from otklik.outreach.models import ScheduledInvitation
    from otklik.outreach.selectors import outreach_settings

    ids = list(Purchase.objects.filter(organization=org).values_list("pk", flat=True))
    config, now = outreach_settings(organization=org), services.timezone.now()
    for name, chunk in [("set-based SQL", services._schedule_chunk_sql), ("Python rows", services._schedule_chunk)]:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {ScheduledInvitation._meta.db_table} WHERE organization_id = %s", [org.pk])
            began = time.perf_counter()
            for start in range(0, len(ids), services.SCHEDULE_CHUNK):
                chunk(org, ids[start : start + services.SCHEDULE_CHUNK], config, now)
            elapsed = time.perf_counter() - began
        print(f"schedule {len(ids)} purchases ({name}): {len(ids) / elapsed:,.0f} purchases/s", flush=True)


def dispatch_worker(url: str) -> None:
    setup_django(url)
    from otklik.outreach.dispatch import invitations_dispatch_due

    while invitations_dispatch_due(limit=500):
        pass


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--purchases", type=int, default=100_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--database", default=os.environ.get("OTKLIK_BENCH_DATABASE_URL", DEFAULT_DB))
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "bench"))
    from answers import ensure_database

    ensure_database(args.database)
    setup_django(args.database)
    from django.core.management import call_command
    from django.utils import timezone

    from otklik.customers.models import Customer
    from otklik.messaging.models import OutboxMessage
    from otklik.outreach.models import ScheduledInvitation, ScheduledStatus

    call_command("migrate", verbosity=0)
    n = args.purchases
    start = timezone.now() - timedelta(days=4)

    org = fresh_organization("bench-outreach-nohook")
    without = import_purchases(org, n, start, schedule=False)
    org = fresh_organization("bench-outreach")
    # Products created by the import get the default delay (3 days): every purchase is due by now.
    with_hook = import_purchases(org, n, start)
    scheduled = ScheduledInvitation.objects.filter(organization=org).count()
    measure_scheduling(org)
    # Inline customer columns carry no consent; these customers agreed to e-mail in the CRM.
    Customer.objects.filter(organization=org).update(consent_email=True)
    print(
        f"import {n} purchases: {n / without:,.0f} rows/s without scheduling, {n / with_hook:,.0f} rows/s with "
        f"({scheduled} invitations scheduled; scheduling adds {100 * (with_hook - without) / without:.0f}%)",
        flush=True,
    )

    # The dispatcher serves every organization: earlier runs' leftovers in this database must not count.
    ScheduledInvitation.objects.exclude(organization=org).filter(status=ScheduledStatus.SCHEDULED).update(
        status=ScheduledStatus.CANCELLED
    )
    for workers in args.workers:
        ScheduledInvitation.objects.filter(organization=org).update(
            status=ScheduledStatus.SCHEDULED, send_at=timezone.now() - timedelta(minutes=1), invitation=None
        )
        OutboxMessage.objects.filter(organization=org).delete()
        from django.db import connection

        connection.close()
        began = time.perf_counter()
        processes = [multiprocessing.Process(target=dispatch_worker, args=(args.database,)) for _ in range(workers)]
        for process in processes:
            process.start()
        for process in processes:
            process.join()
        elapsed = time.perf_counter() - began
        sent = OutboxMessage.objects.filter(organization=org).count()
        assert sent == scheduled, (sent, scheduled)
        print(f"dispatch {sent} invitations with {workers} worker(s): {sent / elapsed:,.0f} invitations/s", flush=True)


if __name__ == "__main__":
    main()
