"""Dispatching due e-mail invitations through the outbox to a local SMTP sink.

    .venv/bin/python bench/dispatch.py [--messages 100000] [--database-url …] [--redis-url …]

On PostgreSQL, queues N due customer e-mails (each with its one-click
unsubscribe link and the RFC 8058 headers, bodies taken from the real texts in
../shared/datasets), one `deliver_message` task per message, and runs the real
`otklik worker` processes against a local SMTP server (aiosmtpd, in its own
process). Four runs: 1 and 2 workers, on the database task queue and on RQ over
Redis. As a baseline, in the same run, it sends the same messages with Django's
SMTP backend in one plain loop, without the outbox. Prints messages/s for each
(from the first to the last message the sink received, so worker start-up is
not counted) and checks that the sink received every message exactly once.

The Redis database given by --redis-url is emptied before each RQ run.
"""

import argparse
import multiprocessing
import os
import signal
import subprocess
import sys
import time
import urllib.parse
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PYTHON = sys.executable
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/delivery"
DEFAULT_REDIS = "redis://127.0.0.1:6379/14"
RQ_BACKEND = "django_tasks_rq.RQBackend"
DB_BACKEND = "django_tasks_db.DatabaseBackend"
SLUG = "bench-dispatch"


def ensure_database(url: str) -> None:
    import psycopg

    parsed = urllib.parse.urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


# --- The SMTP sink, in its own process so it does not share a core's GIL with the sender. ---


def sink_main(port: int, ready, stop, results) -> None:
    import logging

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP command at INFO
    from aiosmtpd.controller import Controller

    from otklik.testing.smtp_sink import SinkHandler

    class TimedHandler(SinkHandler):
        first = last = None

        async def handle_DATA(self, server, session, envelope):
            now = time.perf_counter()
            TimedHandler.first = TimedHandler.first or now
            TimedHandler.last = now
            return await super().handle_DATA(server, session, envelope)

    handler = TimedHandler(keep_messages=False)
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    stop.wait()
    controller.stop()
    results.put((handler.message_ids, TimedHandler.first, TimedHandler.last))


class Sink:
    def __init__(self):
        from otklik.testing.smtp_sink import free_port

        self.port = free_port()
        self.ready, self.stop_event, self.results = (
            multiprocessing.Event(),
            multiprocessing.Event(),
            multiprocessing.Queue(),
        )
        self.process = multiprocessing.Process(
            target=sink_main, args=(self.port, self.ready, self.stop_event, self.results), daemon=True
        )
        self.process.start()
        if not self.ready.wait(30):
            raise RuntimeError("the SMTP sink did not start")

    def finish(self) -> tuple[list[str], float]:
        """Stop the sink; returns the Message-IDs it received and the seconds from the first to the last."""
        self.stop_event.set()
        ids, first, last = self.results.get(timeout=120)
        self.process.join(timeout=30)
        return ids, (last - first) if first and last and last > first else float("nan")


# --- Setting up the messages (in this process, through Django) ---


def real_texts(datasets_dir: Path, limit: int) -> list[tuple[str, str, str]]:
    """(language, text, company) from the real English and Russian datasets, alternating."""
    from otklik.demo.datasets import AIRLINES, SENTIRUEVAL

    by_language = []
    for dataset in (AIRLINES, SENTIRUEVAL):
        texts = []
        for row in dataset.reader(dataset.path(datasets_dir)):
            texts.append((dataset.language, row.text, dataset.location_name(row.company)))
            if len(texts) >= limit:
                break
        by_language.append(texts)
    mixed = [pair for pairs in zip(*by_language, strict=False) for pair in pairs]
    return mixed or [pair for texts in by_language for pair in texts]


def prepare_customers(count: int, texts: list[tuple[str, str]]):
    from otklik.accounts.models import Organization
    from otklik.customers.models import Customer
    from otklik.testing import factories

    org = Organization.objects.filter(slug=SLUG).first() or factories.make_organization(name="Bench shop", slug=SLUG)
    have = Customer.objects.filter(organization=org).count()
    Customer.objects.bulk_create(
        [
            Customer(
                organization=org,
                external_id=f"bench-{n}",
                name=f"Customer {n}",
                email=f"customer{n}@example.org",
                language=texts[n % len(texts)][0],
                consent_email=True,
            )
            for n in range(have, count)
        ],
        batch_size=5000,
    )
    return org, list(Customer.objects.filter(organization=org).select_related("organization").order_by("pk")[:count])


def prepare_messages(org, customers, texts) -> list[int]:
    """N due customer e-mails, dressed exactly as outbox_enqueue dresses them (footer and unsubscribe headers)."""
    from django.utils import timezone

    from otklik.messaging.consent import customer_message_dress
    from otklik.messaging.models import OutboxMessage
    from otklik.messaging.services import render_customer_message

    OutboxMessage.objects.filter(organization=org).delete()
    now = timezone.now()
    rows = []
    for n, customer in enumerate(customers):
        language, text, company = texts[n % len(texts)]
        # The body is a real customer text (as a report quotes the complaint); the subject is the invitation's.
        body, headers = customer_message_dress(customer=customer, channel="email", body=text)
        subject, _body = render_customer_message(
            organization=org,
            kind="invitation",
            language=language,
            context={"organization": org.name, "product": company},
        )
        rows.append(
            OutboxMessage(
                organization=org,
                key=f"bench:{n}",
                channel="email",
                kind="invitation",
                recipient=customer.email,
                subject=subject[:300],
                body=body,
                headers=headers,
                customer=customer,
                next_attempt_at=now,
            )
        )
    created = OutboxMessage.objects.bulk_create(rows, batch_size=5000)
    return [row.pk for row in created]


# --- Runs ---


def worker_env(base: dict, *, backend: str, redis_url: str, sink_port: int) -> dict:
    return {
        **base,
        "OTKLIK_TASK_BACKEND": backend,
        "OTKLIK_REDIS_URL": redis_url,
        "OTKLIK_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OTKLIK_EMAIL_HOST": "127.0.0.1",
        "OTKLIK_EMAIL_PORT": str(sink_port),
        "OTKLIK_LOG_LEVEL": "WARNING",
    }


def enqueue_tasks(env: dict, ids_file: Path) -> float:
    """Queue one deliver_message task per message on the backend in `env`; returns the seconds it took."""
    code = (
        "import time;from django.db import transaction;from otklik.messaging.tasks import deliver_message\n"
        f"ids=[int(x) for x in open({str(ids_file)!r}).read().split()]\n"
        "t=time.perf_counter()\n"
        "with transaction.atomic():\n"
        "    for i in ids: deliver_message.enqueue(message_id=i)\n"
        "print(time.perf_counter()-t)"
    )
    out = subprocess.run(
        [PYTHON, "manage.py", "shell", "-c", code], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    )
    return float(out.stdout.strip().splitlines()[-1])


def reset_queues(env: dict, redis_url: str) -> None:
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.all().delete()


def sent_count(org) -> int:
    from otklik.messaging.models import OutboxMessage

    return OutboxMessage.objects.filter(organization=org, status="sent").count()


def check_once(ids: list[str], expected: set[str]) -> str:
    counts = Counter(ids)
    duplicates = sum(1 for count in counts.values() if count > 1)
    missing = len(expected - counts.keys())
    extra = len(counts.keys() - expected)
    if duplicates or missing or extra:
        return f"FAILED: {duplicates} duplicated, {missing} missing, {extra} unexpected"
    return "each exactly once"


def dispatch_run(*, org, ids, expected, workers: int, backend: str, redis_url: str, base_env: dict, tmp: Path) -> dict:
    from otklik.messaging.models import OutboxMessage

    OutboxMessage.objects.filter(pk__in=ids).update(status="pending", attempts=0, claimed_at=None, sent_at=None)
    reset_queues(base_env, redis_url)
    sink = Sink()
    env = worker_env(base_env, backend=backend, redis_url=redis_url, sink_port=sink.port)
    enqueue_seconds = enqueue_tasks(env, tmp / "ids.txt")
    processes = [
        subprocess.Popen(
            [PYTHON, "manage.py", "worker", "--interval", "0.1"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=open(tmp / f"worker-{backend.split('.')[0]}-{workers}-{n}.log", "w"),  # noqa: SIM115
            start_new_session=True,
        )
        for n in range(workers)
    ]
    started = time.perf_counter()
    try:
        while sent_count(org) < len(ids):
            if any(process.poll() is not None for process in processes):
                raise RuntimeError(f"a worker exited; see {tmp}")
            if time.perf_counter() - started > 3600:
                raise RuntimeError("not delivered within an hour")
            time.sleep(0.5)
        time.sleep(1.0)  # a duplicate sent late would still reach the sink now
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            process.wait(timeout=60)
    received, seconds = sink.finish()
    return {
        "received": len(received),
        "seconds": seconds,
        "rate": (len(received) - 1) / seconds,
        "enqueue_rate": len(ids) / enqueue_seconds,
        "check": check_once(received, expected),
    }


def baseline_run(*, ids, expected) -> dict:
    """Django's SMTP backend in one loop over one open connection (as the channel keeps one): no outbox."""
    from django.conf import settings
    from django.core.mail import EmailMessage
    from django.core.mail.backends.smtp import EmailBackend

    from otklik.messaging.models import OutboxMessage

    sink = Sink()
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].rstrip(">")
    messages = OutboxMessage.objects.filter(pk__in=ids).only("key", "recipient", "subject", "body", "headers")
    connection = EmailBackend(host="127.0.0.1", port=sink.port, use_tls=False, fail_silently=False)
    connection.open()
    for message in messages.iterator(chunk_size=2000):
        EmailMessage(
            subject=message.subject,
            body=message.body,
            to=[message.recipient],
            headers={**message.headers, "Message-ID": f"<{message.key.replace(':', '.')}@{domain}>"},
            connection=connection,
        ).send()
    connection.close()
    received, seconds = sink.finish()
    return {
        "received": len(received),
        "seconds": seconds,
        "rate": (len(received) - 1) / seconds,
        "check": check_once(received, expected),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--database-url", default=os.environ.get("OTKLIK_BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--redis-url", default=os.environ.get("OTKLIK_BENCH_REDIS_URL", DEFAULT_REDIS))
    parser.add_argument(
        "--datasets-dir",
        default=os.environ.get("OTKLIK_DATASETS_DIR") or str(ROOT.parent / "shared" / "datasets"),
    )
    parser.add_argument("--runs", default="db1,db2,rq1,rq2", help="which runs, comma-separated")
    args, _unknown = parser.parse_known_args()  # bench/run.py passes every benchmark the same arguments

    ensure_database(args.database_url)
    base_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "otklik.settings",
        "OTKLIK_DATABASE_URL": args.database_url,
        "OTKLIK_REDIS_URL": args.redis_url,
        "PYTHONPATH": str(ROOT),
    }
    os.environ.update({key: base_env[key] for key in ("DJANGO_SETTINGS_MODULE", "OTKLIK_DATABASE_URL")})
    subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], env=base_env, check=True, cwd=ROOT)

    import django

    django.setup()
    import tempfile

    from django.conf import settings

    tmp = Path(tempfile.mkdtemp(prefix="otklik-dispatch-"))
    texts = real_texts(Path(args.datasets_dir), limit=20_000)
    started = time.perf_counter()
    org, customers = prepare_customers(args.messages, texts)
    ids = prepare_messages(org, customers, texts)
    (tmp / "ids.txt").write_text("\n".join(map(str, ids)))
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].rstrip(">")
    expected = {f"<bench.{n}@{domain}>" for n in range(len(ids))}
    print(
        f"prepared {len(ids)} due customer e-mails in {time.perf_counter() - started:.1f}s (logs in {tmp})", flush=True
    )

    results = []
    for run in [name.strip() for name in args.runs.split(",") if name.strip()]:
        backend = RQ_BACKEND if run.startswith("rq") else DB_BACKEND
        workers = int(run[2:])
        queue = "RQ/Redis" if run.startswith("rq") else "database queue"
        label = f"outbox, {workers} worker{'s' if workers > 1 else ''}, {queue}"
        result = dispatch_run(
            org=org,
            ids=ids,
            expected=expected,
            workers=workers,
            backend=backend,
            redis_url=args.redis_url,
            base_env=base_env,
            tmp=tmp,
        )
        print(f"{label}: {result['rate']:.0f} msg/s ({result['check']})", flush=True)
        results.append((label, result))
    baseline = baseline_run(ids=ids, expected=expected)
    print(f"baseline: {baseline['rate']:.0f} msg/s ({baseline['check']})", flush=True)

    print(f"\nDispatching {len(ids)} due customer e-mails to a local SMTP sink, PostgreSQL {args.database_url}")
    print(f"{'run':<44}{'received':>10}{'seconds':>10}{'msg/s':>10}{'queued/s':>10}  check")
    for label, r in results:
        print(
            f"{label:<44}{r['received']:>10}{r['seconds']:>10.1f}{r['rate']:>10.0f}"
            f"{r['enqueue_rate']:>10.0f}  {r['check']}"
        )
    print(
        f"{'Django SMTP backend in one loop (baseline)':<44}{baseline['received']:>10}{baseline['seconds']:>10.1f}"
        f"{baseline['rate']:>10.0f}{'':>10}  {baseline['check']}"
    )
    for label, r in results:
        print(f"ratio {label} / baseline: {r['rate'] / baseline['rate']:.2f}")
    if any("FAILED" in r["check"] for _label, r in results) or "FAILED" in baseline["check"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
