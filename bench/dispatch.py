"""Dispatching due invitations through the e-mail channel to a local SMTP sink.

    .venv/bin/python bench/dispatch.py [--messages 100000] [--database-url …] [--redis-url …]

On PostgreSQL, makes N customers (with e-mail consent; English, Russian and
Ukrainian by turns), a purchase each and N invitations due now, then runs the
real `otklik worker` processes against a local SMTP server in its own process
(--sink lean, the default, is otklik.testing.lean_smtp, a selectors loop that
stands in for a relay on another host at a few tens of microseconds of CPU a
message; --sink aiosmtpd is the sink of decisions 0022-0032, at 0.45-0.83 ms a
message). Each worker's dispatcher claims due invitations in batches, creates
the personal links, renders each letter in the customer's language and queues
it in the outbox; the task runner sends it with its unsubscribe headers. Four
runs: 1 and 2 workers, on the database task queue and on RQ over Redis; between
runs the invitations are due again and the links and messages are gone. As a baseline, in
the same run, it sends the same messages with Django's SMTP backend in one plain
loop, without the outbox, right after each run: each run is compared with a
baseline measured under the same machine load (the table's baseline row is the
last of them). Prints messages/s for each (from the first to the last
message the sink received, so worker start-up is not counted; the seconds from
the workers' start to the last message are printed too) and checks that the sink
received every invitation exactly once.

The `kill` run (one worker on the database queue) kills the worker with SIGKILL
--kills times while it sends, starting a new one each time (claim timeout 2 s
instead of 5 minutes, so the new one soon retries what the killed one held), and
prints the messages delivered twice per kill: a killed worker may repeat at most
the messages it had in flight (sent, not yet recorded: at most one group of
OTKLIK_OUTBOX_SENT_GROUP sent marks). Beside msg/s it prints the CPU time the senders
used per message (the workers' every thread, dispatch included; the baseline's
loop), which a busy machine moves far less than it moves msg/s.

The Redis database given by --redis-url is emptied before each RQ run, and the
tables a run writes are vacuumed before it, so every run starts alike. Prints
the load average (`uptime`) before and after: the figures mean little on a busy
machine.

--account prints, per run, where the CPU went over the sink's window (the
workers, the sink, PostgreSQL's backends for this database and its background
processes, Redis, the bench, other programs, idle: bench/cpu_account.py) and
what the database connections were doing (running, waiting on a lock or the
WAL, idle). On this machine the sink and PostgreSQL share the workers' cores,
so two workers can add only what one worker left idle (decision 0032).
--smtp-delay-ms N makes the sink accept each message N ms late, as a server
across a network does (it waits without using a core).
"""

import argparse
import multiprocessing
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.parse
from collections import Counter
from datetime import timedelta
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


def sink_main(port: int, ready, stop, results, delay: float = 0.0, kind: str = "lean") -> None:
    if kind == "aiosmtpd":
        aiosmtpd_sink_main(port, ready, stop, results, delay)
        return
    from otklik.testing.lean_smtp import LeanSink

    sink = LeanSink(port, keep_messages=False, delay=delay)
    ready.set()
    sink.serve(stop.is_set)
    results.put((sink.message_ids, sink.first, sink.last))


def aiosmtpd_sink_main(port: int, ready, stop, results, delay: float = 0.0) -> None:
    """The sink of decisions 0022-0032 (`--sink aiosmtpd`): aiosmtpd, 0.45-0.83 ms of CPU per message."""
    import asyncio
    import logging

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP command at INFO
    from aiosmtpd.controller import Controller

    from otklik.testing.smtp_sink import SinkHandler

    class TimedHandler(SinkHandler):
        first = last = None

        async def handle_DATA(self, server, session, envelope):
            if delay:  # a server that takes this long to accept a message; other connections go on meanwhile
                await asyncio.sleep(delay)
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
    delay = 0.0  # seconds the server takes to accept each message (--smtp-delay-ms)
    kind = "lean"  # --sink: "lean" (otklik.testing.lean_smtp) or "aiosmtpd" (the sink of earlier figures)

    def __init__(self):
        from otklik.testing.smtp_sink import free_port

        self.port = free_port()
        self.ready, self.stop_event, self.results = (
            multiprocessing.Event(),
            multiprocessing.Event(),
            multiprocessing.Queue(),
        )
        self.process = multiprocessing.Process(
            target=sink_main,
            args=(self.port, self.ready, self.stop_event, self.results, self.delay, self.kind),
            daemon=True,
        )
        self.process.start()
        if not self.ready.wait(30):
            raise RuntimeError("the SMTP sink did not start")

    def finish(self) -> tuple[list[str], float]:
        """Stop the sink; returns the Message-IDs it received and the seconds from the first to the last."""
        self.stop_event.set()
        ids, first, last = self.results.get(timeout=120)
        self.process.join(timeout=30)
        self.first, self.last = first, last  # on the clock of time.perf_counter, the same in every process
        return ids, (last - first) if first and last and last > first else float("nan")


# --- Setting up the invitations (in this process, through Django) ---

LANGUAGES = ["en", "ru", "uk"]


def prepare_invitations(count: int):
    """An organization whose N customers each bought a kettle and are due to be asked about it."""
    from django.utils import timezone

    from otklik.customers.models import Customer, Product, Purchase
    from otklik.outreach.models import OutreachSettings, ScheduledInvitation
    from otklik.testing import factories

    # A new organization per run: deleting the last run's hundred thousand customers would cost more than the run.
    slug = f"{SLUG}-{time.time_ns()}"
    org = factories.make_organization(name="Bench shop", slug=slug)
    store = factories.make_location(organization=org, name="Store")
    factories.make_touchpoint(location=store)
    factories.make_survey(organization=org)
    # No quiet hours, so the run does not depend on the clock; the frequency rule is checked as usual.
    OutreachSettings.objects.create(organization=org, quiet_from="00:00", quiet_until="00:00")
    kettle = Product.objects.create(organization=org, external_id="KETTLE", name="Kettle", evaluation_delay_days=3)
    customers = Customer.objects.bulk_create(
        [
            Customer(
                organization=org,
                external_id=f"bench-{n}",
                name=f"Customer {n}",
                email=f"customer{n}@example.org",
                language=LANGUAGES[n % len(LANGUAGES)],
                consent_email=True,
            )
            for n in range(count)
        ],
        batch_size=5000,
    )
    bought = timezone.now() - timedelta(days=3)
    purchases = Purchase.objects.bulk_create(
        [
            Purchase(
                organization=org,
                external_id=f"R{n}",
                customer=customer,
                product=kettle,
                amount=1990,
                purchased_at=bought,
                location=store,
            )
            for n, customer in enumerate(customers)
        ],
        batch_size=5000,
    )
    ScheduledInvitation.objects.bulk_create(
        [
            ScheduledInvitation(organization=org, customer_id=p.customer_id, purchase=p, due_at=bought, send_at=bought)
            for p in purchases
        ],
        batch_size=5000,
    )
    # The customers' RFM segments are due once a day for an organization with customers: computed here, not by the
    # first run's workers (it updated every customer while their dispatcher locked them, and only that run paid).
    from otklik.accounts.models import Organization
    from otklik.customers.segments import segments_claim_due, segments_compute

    for organization_id in segments_claim_due():
        segments_compute(organization=Organization.objects.get(pk=organization_id))
    return org


def make_due_again(org) -> None:
    """Undo a run: every invitation due again, its link and its message gone."""
    from otklik.messaging.models import OutboxMessage
    from otklik.outreach.models import ScheduledInvitation, ScheduledStatus
    from otklik.surveys.models import Invitation

    ScheduledInvitation.objects.filter(organization=org).update(
        status=ScheduledStatus.SCHEDULED, invitation=None, sent_at=None, channel="", recipient="", reason=""
    )
    OutboxMessage.objects.filter(organization=org)._raw_delete(OutboxMessage.objects.db)
    Invitation.objects.filter(organization=org)._raw_delete(Invitation.objects.db)


def forget_earlier_runs(org) -> None:
    """Invitations left due and messages left unsent by an interrupted earlier run would reach this run's sink."""
    from otklik.messaging.models import OutboxMessage
    from otklik.outreach.models import ScheduledInvitation

    earlier = {"organization__slug__startswith": SLUG}
    for model in (OutboxMessage, ScheduledInvitation):
        model.objects.filter(**earlier).exclude(organization=org)._raw_delete(model.objects.db)


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


def reset_queues(env: dict, redis_url: str) -> None:
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.all().delete()


def vacuum() -> None:
    """Every run starts from the same tables.

    Each run leaves a run's worth of dead rows and index entries behind (every invitation updated twice, every
    link, message and task row deleted): without a vacuum each run scanned more of them than the one before, so
    the later runs (two workers after one) paid for the earlier ones.
    """
    from django.db import connection
    from django_tasks_db.models import DBTaskResult

    from otklik.messaging.models import OutboxMessage
    from otklik.outreach.models import ScheduledInvitation
    from otklik.surveys.models import Invitation

    with connection.cursor() as cursor:
        for model in (ScheduledInvitation, OutboxMessage, Invitation, DBTaskResult):
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(model._meta.db_table)}")


def sent_count(org) -> int:
    from otklik.messaging.models import OutboxMessage

    return OutboxMessage.objects.filter(organization=org, status="sent").count()


def expected_ids(org) -> set[str]:
    from django.conf import settings

    from otklik.outreach.models import ScheduledInvitation

    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].rstrip(">")
    ids = ScheduledInvitation.objects.filter(organization=org).values_list("pk", flat=True)
    return {f"<outreach.invitation.{pk}@{domain}>" for pk in ids}


def check_once(ids: list[str], expected: set[str], *, kills: int = 0) -> str:
    counts = Counter(ids)
    duplicates = sum(count - 1 for count in counts.values() if count > 1)
    missing = len(expected - counts.keys())
    extra = len(counts.keys() - expected)
    if kills:
        # A killed worker may repeat the messages it had in flight, no more: those sent and not yet recorded,
        # at most one group of sent marks (OTKLIK_OUTBOX_SENT_GROUP) per kill.
        from django.conf import settings

        in_flight = settings.OTKLIK_OUTBOX_SENT_GROUP
        verdict = "FAILED: " if missing or extra or duplicates > kills * in_flight else ""
        return (
            f"{verdict}{duplicates} delivered twice after {kills} kills ({duplicates / kills:.2f} per kill,"
            f" at most {in_flight} in flight), {missing} missing, {extra} unexpected"
        )
    if duplicates or missing or extra:
        return f"FAILED: {duplicates} duplicated, {missing} missing, {extra} unexpected"
    return "each exactly once"


def start_worker(env: dict, log: Path, *, sweep_seconds: float = 10.0) -> subprocess.Popen:
    return subprocess.Popen(
        [PYTHON, "manage.py", "worker", "--interval", "0.1", "--outbox-interval", str(sweep_seconds)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=open(log, "a"),  # noqa: SIM115
        start_new_session=True,
    )


def reap(process: subprocess.Popen) -> float:
    """Wait for a worker to end; the CPU seconds it used (its own threads, not PostgreSQL's or the sink's)."""
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_utime + usage.ru_stime


def dispatch_run(
    *,
    org,
    count: int,
    expected,
    workers: int,
    backend: str,
    redis_url: str,
    base_env: dict,
    tmp: Path,
    kills: int = 0,
    account: dict | None = None,
):
    make_due_again(org)
    reset_queues(base_env, redis_url)
    vacuum()
    sink = Sink()
    processes: list[subprocess.Popen] = []
    samplers = start_accounting(account, sink=sink, senders=lambda: [process.pid for process in processes])
    env = worker_env(base_env, backend=backend, redis_url=redis_url, sink_port=sink.port)
    if kills:
        env["OTKLIK_OUTBOX_CLAIM_TIMEOUT_SECONDS"] = "2"
    logs = [tmp / f"worker-{backend.split('.')[0]}-{workers}{'-kill' if kills else ''}-{n}.log" for n in range(workers)]
    # After a kill the outbox sweep retries what the dead worker held: sweep often so the run does not wait for it.
    sweep = 0.5 if kills else 10.0
    processes.extend(start_worker(env, log, sweep_seconds=sweep) for log in logs)
    started, killed, cpu = time.perf_counter(), 0, 0.0
    try:
        while sent_count(org) < count:
            if killed < kills and sent_count(org) >= count * (killed + 1) // (kills + 1):
                # SIGKILL: no handler runs, whatever the worker held stays claimed until the claim is stale.
                os.killpg(processes[0].pid, signal.SIGKILL)
                cpu += reap(processes[0])
                processes[0] = start_worker(env, logs[0], sweep_seconds=sweep)
                killed += 1
            if any(process.poll() is not None for process in processes):
                raise RuntimeError(f"a worker exited; see {tmp}")
            if time.perf_counter() - started > 3600:
                raise RuntimeError("not delivered within an hour")
            time.sleep(0.05 if kills else 0.5)
        wall = time.perf_counter() - started
        time.sleep(3.0 if kills else 1.0)  # a duplicate sent late (after a stale claim) would still reach the sink now
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            cpu += reap(process)
    received, seconds = sink.finish()
    return {
        "received": len(received),
        "seconds": seconds,
        "rate": (len(received) - 1) / seconds,
        "wall": wall,
        "cpu_ms": cpu * 1000 / count,
        "check": check_once(received, expected, kills=kills),
        "account": finish_accounting(samplers, sink=sink, messages=len(received) - 1),
    }


def start_accounting(account: dict | None, *, sink: "Sink", senders) -> tuple | None:
    """With --account: sample every taking part's CPU and the database connections' states (bench/cpu_account.py)."""
    if not account:
        return None
    from cpu_account import CpuSampler, WaitSampler

    roles = {"workers": senders, "sink": lambda: [sink.process.pid], "bench": lambda: [os.getpid()]}
    return (
        CpuSampler(database=account["database"], roles=roles).start(),
        WaitSampler(url=account["url"], database=account["database"]).start(),
    )


def finish_accounting(samplers: tuple | None, *, sink: "Sink", messages: int) -> list[str]:
    """The accounting's lines over the sink's window, first message to last."""
    if samplers is None:
        return []
    from cpu_account import cpu_report

    cpu, waits = samplers
    cpu.stop()
    waits.stop()
    if not (sink.first and sink.last and sink.last > sink.first):
        return []
    seconds = sink.last - sink.first
    used = cpu.window(sink.first, sink.last)
    return [
        f"  CPU over the sink's window ({seconds:.2f} s, {messages} messages):",
        *cpu_report(used, messages=messages, seconds=seconds),
        "  the bench database's connections (pg_stat_activity, looked at every 50 ms over the whole run):",
        *waits.report(messages=messages),
    ]


def baseline_run(*, org, expected, account: dict | None = None) -> dict:
    """Django's SMTP backend in one loop over one open connection (as the channel keeps one): no outbox."""
    from django.conf import settings
    from django.core.mail import EmailMessage
    from django.core.mail.backends.smtp import EmailBackend

    from otklik.messaging.models import OutboxMessage

    sink = Sink()
    samplers = start_accounting(account, sink=sink, senders=lambda: [])
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].rstrip(">")
    messages = OutboxMessage.objects.filter(organization=org).only("key", "recipient", "subject", "body", "headers")
    connection = EmailBackend(host="127.0.0.1", port=sink.port, use_tls=False, fail_silently=False)
    connection.open()
    cpu = time.process_time()
    for message in messages.iterator(chunk_size=2000):
        EmailMessage(
            subject=message.subject,
            body=message.body,
            to=[message.recipient],
            headers={**message.headers, "Message-ID": f"<{message.key.replace(':', '.')}@{domain}>"},
            connection=connection,
        ).send()
    connection.close()
    cpu = time.process_time() - cpu
    received, seconds = sink.finish()
    return {
        "cpu_ms": cpu * 1000 / len(received),
        "received": len(received),
        "seconds": seconds,
        "rate": (len(received) - 1) / seconds,
        "check": check_once(received, expected),
        "account": finish_accounting(samplers, sink=sink, messages=len(received) - 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--database-url", default=os.environ.get("OTKLIK_BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--redis-url", default=os.environ.get("OTKLIK_BENCH_REDIS_URL", DEFAULT_REDIS))
    parser.add_argument("--runs", default="db1,db2,rq1,rq2,kill", help="which runs, comma-separated")
    parser.add_argument("--kills", type=int, default=8, help="SIGKILLs in the kill run")
    parser.add_argument(
        "--smtp-delay-ms",
        type=float,
        default=0.0,
        help="the SMTP sink answers each message's data this much later, as a server across a network does"
        " (default 0: a server on this machine, which shares its cores with the workers)",
    )
    parser.add_argument(
        "--sink",
        choices=["lean", "aiosmtpd"],
        default="lean",
        help="the local SMTP server: lean (a selectors loop, tens of microseconds a message, default) or aiosmtpd"
        " (0.45-0.83 ms a message: the sink of decisions 0022-0032, to reproduce their figures)",
    )
    parser.add_argument(
        "--account",
        action="store_true",
        help="print where each run's CPU went, per process, and what its database connections waited on",
    )
    args, _unknown = parser.parse_known_args()  # bench/run.py passes every benchmark the same arguments

    print(f"load before: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}", flush=True)
    ensure_database(args.database_url)
    base_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "otklik.settings",
        "OTKLIK_DATABASE_URL": args.database_url,
        "OTKLIK_REDIS_URL": args.redis_url,
        # `otklik serve` and `otklik worker` refuse to start without a real key; one per run will do.
        "OTKLIK_SECRET_KEY": os.environ.get("OTKLIK_SECRET_KEY") or secrets.token_urlsafe(50),
        "PYTHONPATH": str(ROOT),
    }
    os.environ.update({key: base_env[key] for key in ("DJANGO_SETTINGS_MODULE", "OTKLIK_DATABASE_URL")})
    subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], env=base_env, check=True, cwd=ROOT)

    import django

    django.setup()
    import tempfile

    tmp = Path(tempfile.mkdtemp(prefix="otklik-dispatch-"))
    started = time.perf_counter()
    org = prepare_invitations(args.messages)
    forget_earlier_runs(org)
    expected = expected_ids(org)
    print(
        f"prepared {len(expected)} due invitations in {time.perf_counter() - started:.1f}s (logs in {tmp})", flush=True
    )

    Sink.delay = args.smtp_delay_ms / 1000
    Sink.kind = args.sink
    database = urllib.parse.urlparse(args.database_url).path.lstrip("/")
    account = {"database": database, "url": args.database_url} if args.account else None
    results = []
    for run in [name.strip() for name in args.runs.split(",") if name.strip()]:
        backend = RQ_BACKEND if run.startswith("rq") else DB_BACKEND
        kills = args.kills if run == "kill" else 0
        workers = 1 if kills else int(run[2:])
        queue = "RQ/Redis" if run.startswith("rq") else "database queue"
        label = f"{workers} worker{'s' if workers > 1 else ''}, {queue}" + (f", {kills} SIGKILLs" if kills else "")
        result = dispatch_run(
            org=org,
            count=len(expected),
            expected=expected,
            workers=workers,
            backend=backend,
            redis_url=args.redis_url,
            base_env=base_env,
            tmp=tmp,
            kills=kills,
            account=account,
        )
        print(f"{label}: {result['rate']:.0f} msg/s ({result['check']})", flush=True)
        if result["account"]:
            print("\n".join(result["account"]), flush=True)
        # The baseline right after each run, over the messages the run queued: on a shared machine whose load
        # moves by the minute, a run is compared with a baseline measured under the same load.
        result["baseline"] = baseline_run(org=org, expected=expected, account=account)
        print(f"  baseline beside it: {result['baseline']['rate']:.0f} msg/s", flush=True)
        if result["baseline"]["account"]:
            print("\n".join(result["baseline"]["account"]), flush=True)
        results.append((label, result))
    baseline = results[-1][1]["baseline"] if results else baseline_run(org=org, expected=expected)
    print(f"baseline: {baseline['rate']:.0f} msg/s ({baseline['check']})", flush=True)

    delay = f", which accepts each message after {args.smtp_delay_ms:g} ms" if args.smtp_delay_ms else ""
    print(
        f"\nDispatching {len(expected)} due invitations by e-mail to a local SMTP sink ({args.sink}){delay},"
        f" PostgreSQL {args.database_url}"
    )
    # CPU ms/msg: the sender processes' own CPU time per message (workers: every thread, dispatch included;
    # baseline: the loop). Unlike msg/s it hardly moves with what else the machine runs.
    print(f"{'run':<44}{'received':>10}{'seconds':>10}{'msg/s':>10}{'wall s':>10}{'CPU ms/msg':>12}  check")
    for label, r in results:
        print(
            f"{label:<44}{r['received']:>10}{r['seconds']:>10.1f}{r['rate']:>10.0f}{r['wall']:>10.1f}"
            f"{r['cpu_ms']:>12.2f}  {r['check']}"
        )
    print(
        f"{'Django SMTP backend in one loop (baseline)':<44}{baseline['received']:>10}{baseline['seconds']:>10.1f}"
        f"{baseline['rate']:>10.0f}{'':>10}{baseline['cpu_ms']:>12.2f}  {baseline['check']}"
    )
    for label, r in results:
        beside = r["baseline"]
        print(
            f"ratio {label} / the baseline beside it ({beside['rate']:.0f} msg/s, {beside['cpu_ms']:.2f} CPU ms/msg):"
            f" {r['rate'] / beside['rate']:.2f} in msg/s,"
            f" {beside['cpu_ms'] / r['cpu_ms']:.2f} in messages per CPU second"
        )
    rates = {label: r["rate"] for label, r in results}
    for queue in ("database queue", "RQ/Redis"):
        one, two = rates.get(f"1 worker, {queue}"), rates.get(f"2 workers, {queue}")
        if one and two:
            print(f"ratio 2 workers / 1 worker, {queue}: {two / one:.2f}")
    print(f"load after: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    failed = [r["check"] for _label, r in results] + [r["baseline"]["check"] for _label, r in results]
    if any("FAILED" in check for check in [*failed, baseline["check"]]):
        sys.exit(1)


if __name__ == "__main__":
    main()
