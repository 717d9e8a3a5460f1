"""Public answer submissions against the real server, beside a bare Django view.

    .venv/bin/python bench/answers.py [--requests 3000] [--concurrency 8] [--task-workers 1]

Starts gunicorn (the same `otklik serve` as production) and `otklik worker` on a
PostgreSQL database, then in the same run POSTs real answer texts from
../shared/datasets to the public answer page and the same number of POSTs to a
bare Django view on the same server (`OTKLIK_BENCH_VIEWS=1`). Prints requests/s,
p50 and p99 latency for both and the ratio.

The request stores the answer and its rollup count; the worker runs its rules
right after (decision 0024). So the bench then waits for the worker to finish
and checks the full path: every answer stored and counted in the rollups, every
detractor with a case and its alert in the outbox; and prints how long each
alert took to reach the outbox after its answer was stored (p50, p99, max).
Last, the same answers as a browser sends them (POST, then GET the thank-you
page it is sent to, which opens a detractor's case itself if the worker has not
yet), so the split's cost on the whole exchange is in view too.
"""

import argparse
import csv
import http.client
import json
import multiprocessing
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DATASETS = Path(os.environ.get("OTKLIK_DATASETS_DIR") or ROOT.parent / "shared" / "datasets")
DATASET = DATASETS / "airline-tweets-en" / "tweets.csv"
# The POST-then-thank-you round is slow (a detractor's case opens in the GET): a sample is enough.
BROWSER_ANSWERS = 500
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/otklik_bench"

SETUP = """
import json
from otklik.accounts.models import Organization, Role
from otklik.cases.case_rules import survey_create_with_case_rule
from otklik.testing import factories
org = Organization.objects.filter(slug="bench").first() or factories.make_organization(name="Bench", slug="bench")
location = org.locations.first() or factories.make_location(organization=org, name="Bench store")
if location.responsible_id is None:
    # Someone responsible, so every detractor's case alerts a person: the full path.
    location.responsible = factories.make_user(organization=org, role=Role.OWNER, username="bench-owner")
    location.save(update_fields=["responsible"])
touchpoint = location.touchpoints.first() or factories.make_touchpoint(location=location)
survey = org.surveys.first() or survey_create_with_case_rule(organization=org, kind="nps")
print(json.dumps({"survey": survey.public_key, "touchpoint": touchpoint.public_key, "organization": org.pk}))
"""

# What the worker did for the answers after `first_id`: all stored, counted, processed; each complaint's alert.
CHECK_SQL = """
SELECT count(*),
       count(*) FILTER (WHERE r.rules_pending),
       count(*) FILTER (WHERE r.score <= 6),
       count(c.id),
       count(a.id)
FROM surveys_response r
LEFT JOIN cases_case c ON c.response_id = r.id
LEFT JOIN LATERAL (
    SELECT min(o.id) AS id FROM messaging_outboxmessage o WHERE o.case_id = c.id AND o.kind = 'case_alert'
) a ON true
WHERE r.organization_id = %(org)s AND r.id > %(first_id)s
"""
LATENCY_SQL = """
SELECT extract(epoch FROM min(o.created_at) - r.created_at)
FROM surveys_response r
JOIN cases_case c ON c.response_id = r.id
JOIN messaging_outboxmessage o ON o.case_id = c.id AND o.kind = 'case_alert'
WHERE r.organization_id = %(org)s AND r.id > %(first_id)s
GROUP BY r.id, r.created_at
"""
ROLLUP_SQL = """
SELECT coalesce(sum(count), 0) FROM rollups_responserollup WHERE organization_id = %(org)s AND grain = 'day'
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_database(url: str) -> None:
    import psycopg

    parsed = urllib.parse.urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def real_comments(limit: int) -> list[tuple[int, str]]:
    """(score, text) pairs from the airline dataset; the score derives from the label."""
    scores = {"negative": 3, "neutral": 7, "positive": 10}
    pairs = []
    with DATASET.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            pairs.append((scores[row["airline_sentiment"]], row["text"]))
            if len(pairs) >= limit:
                break
    return pairs


def post_form(conn: http.client.HTTPConnection, path: str, body: str) -> http.client.HTTPResponse:
    """POST a form as a browser does; the response is read, so the connection can be reused."""
    conn.request("POST", path, body=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    response = conn.getresponse()
    response.read()
    return response


def worker(args: tuple) -> list[float]:
    port, path, bodies = args
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies = []
    for body in bodies:
        started = time.perf_counter()
        response = post_form(conn, path, body)
        latencies.append(time.perf_counter() - started)
        if response.status not in (200, 303):
            raise RuntimeError(f"{path} answered {response.status}")
    conn.close()
    return latencies


def browser(args: tuple) -> list[float]:
    """As a browser: POST the answer, then GET the thank-you page the 303 sends it to; one latency for both."""
    port, path, bodies = args
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies = []
    for body in bodies:
        started = time.perf_counter()
        response = post_form(conn, path, body)
        if response.status != 303:
            raise RuntimeError(f"{path} answered {response.status}")
        conn.request("GET", response.getheader("Location"))
        thanks = conn.getresponse()
        thanks.read()
        latencies.append(time.perf_counter() - started)
        if thanks.status != 200:
            raise RuntimeError(f"the thank-you page answered {thanks.status}")
    conn.close()
    return latencies


def paced(port: int, path: str, bodies: list[str], rate: float) -> None:
    """POST the answers one by one at `rate` per second: the steady traffic of an ordinary day."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    started = time.perf_counter()
    for i, body in enumerate(bodies):
        time.sleep(max(0.0, started + i / rate - time.perf_counter()))
        response = post_form(conn, path, body)
        if response.status != 303:
            raise RuntimeError(f"{path} answered {response.status}")
    conn.close()


def load(port: int, path: str, bodies: list[str], concurrency: int, client=worker) -> dict:
    chunks = [bodies[i::concurrency] for i in range(concurrency)]
    started = time.perf_counter()
    with multiprocessing.Pool(concurrency) as pool:
        results = pool.map(client, [(port, path, chunk) for chunk in chunks])
    elapsed = time.perf_counter() - started
    latencies = sorted(x for chunk in results for x in chunk)
    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
    }


def group_cpu(leaders: list[int]) -> float:
    """CPU seconds (user and system) used so far by the live processes of these process groups (Linux /proc).

    The machine is shared, so req/s move with the neighbours' load; CPU per request does not, and says what a
    quiet machine's ratio would be (gunicorn's workers and `otklik worker` live as long as the run).
    """
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        if int(fields[2]) in leaders:  # pgrp; utime and stime follow at 11 and 12
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def database_cpu(name: str) -> dict[int, float]:
    """CPU seconds used so far by each live PostgreSQL backend connected to the database `name`, by process id
    (Linux /proc); `database_cpu_since` takes the difference across a load.

    Shared processes (WAL writer, checkpointer) are not counted, nor a backend that ended during the load (the
    server's connections live CONN_MAX_AGE seconds): a lower bound, close when no connection was replaced.
    """
    ticks = os.sysconf("SC_CLK_TCK")
    used = {}
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            title = (proc / "cmdline").read_bytes().split(b"\0")[0].decode(errors="replace")
            if not title.startswith("postgres: ") or f" {name} " not in title:
                continue
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile, or is not ours to read
            continue
        used[int(proc.name)] = (int(fields[11]) + int(fields[12])) / ticks
    return used


def database_cpu_since(name: str, before: dict[int, float]) -> float:
    """CPU seconds the backends of `name` used since `before` (a backend started since counts from zero)."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in database_cpu(name).items())


def children_cpu() -> float:
    """CPU seconds used by this process's ended children (the load's client processes, once their pool is closed)."""
    times = os.times()
    return times.children_user + times.children_system


def percentile(values: list[float], share: float) -> float:
    values = sorted(values)
    return values[max(0, int(len(values) * share) - 1)]


class Database:
    """The bench's own reads of what the server and the worker stored (psycopg, outside Django)."""

    def __init__(self, url: str, organization: int):
        import psycopg

        self.conn = psycopg.connect(url, autocommit=True)
        self.org = organization

    def last_id(self) -> int:
        row = self.conn.execute("SELECT coalesce(max(id), 0) FROM surveys_response").fetchone()
        return row[0]

    def rollup_total(self) -> int:
        return self.conn.execute(ROLLUP_SQL, {"org": self.org}).fetchone()[0]

    def check(self, first_id: int) -> dict:
        answers, pending, detractors, cases, alerts = self.conn.execute(
            CHECK_SQL, {"org": self.org, "first_id": first_id}
        ).fetchone()
        return {"answers": answers, "pending": pending, "detractors": detractors, "cases": cases, "alerts": alerts}

    def drained(self, first_id: int, timeout: float = 600) -> tuple[dict, float]:
        """Wait until the worker has processed every answer after `first_id`; (the check, seconds waited)."""
        started = time.perf_counter()
        while True:
            found = self.check(first_id)
            if not found["pending"] or time.perf_counter() - started > timeout:
                return found, time.perf_counter() - started
            time.sleep(0.2)

    def alert_latencies(self, first_id: int) -> list[float]:
        return [float(row[0]) for row in self.conn.execute(LATENCY_SQL, {"org": self.org, "first_id": first_id})]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--task-workers", type=int, default=1, help="`otklik worker` processes")
    parser.add_argument(
        "--worker-nice", type=int, default=0, help="run the worker at this niceness (deploy/systemd: Nice=)"
    )
    parser.add_argument("--no-browser", action="store_true", help="skip the POST-then-thank-you round")
    parser.add_argument(
        "--worker-after-load",
        action="store_true",
        help="start the worker only once the answers' load is over: the request alone, then the catch-up",
    )
    parser.add_argument(
        "--steady-rate", type=float, default=20, help="answers/s of the steady round that times the alerts (0: skip)"
    )
    parser.add_argument("--steady-seconds", type=float, default=15)
    parser.add_argument(
        "--answers-interval",
        type=float,
        default=None,
        help="the worker's --answers-interval, to measure it against its CPU (default: the product's own default)",
    )
    parser.add_argument("--database-url", default=os.environ.get("OTKLIK_BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument(
        "--cache-url",
        default=os.environ.get("OTKLIK_BENCH_CACHE_URL", "redis://127.0.0.1:6379/15"),
        help="cache for the rate limit; 'db' for the database cache (the embedded default)",
    )
    args = parser.parse_args()

    ensure_database(args.database_url)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "otklik.settings",
        "OTKLIK_DATABASE_URL": args.database_url,
        "OTKLIK_BENCH_VIEWS": "1",
        # `otklik serve` and `otklik worker` refuse to start without a real key; one per run will do.
        "OTKLIK_SECRET_KEY": os.environ.get("OTKLIK_SECRET_KEY") or secrets.token_urlsafe(50),
        "OTKLIK_CACHE_URL": "" if args.cache_url == "db" else args.cache_url,
        "OTKLIK_RATE_LIMIT_ANSWERS": str(10**9),
        "OTKLIK_EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
    }
    manage = [PYTHON, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
    subprocess.run([*manage, "createcachetable"], env=env, check=True, cwd=ROOT)
    keys = json.loads(
        subprocess.run([*manage, "shell", "-c", SETUP], env=env, check=True, cwd=ROOT, capture_output=True, text=True)
        .stdout.strip()
        .splitlines()[-1]
    )

    port = free_port()
    quiet = {"env": {**env, "OTKLIK_LOG_LEVEL": "WARNING"}, "cwd": ROOT, "stdout": subprocess.DEVNULL}
    server = subprocess.Popen(
        [*manage, "serve", f"--port={port}", f"--workers={args.web_workers}"],
        **quiet,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    workers: list[subprocess.Popen] = []
    # The worker as the product ships it (decision 0063), unless an interval is being measured.
    interval = [] if args.answers_interval is None else [f"--answers-interval={args.answers_interval}"]

    def start_workers() -> None:
        # Its task runner logs every task to stderr; the counts below say whether it did its work.
        workers.extend(
            subprocess.Popen(
                ["nice", "-n", str(args.worker_nice), *manage, "worker", *interval],
                **quiet,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            for _ in range(args.task_workers)
        )

    if not args.worker_after_load:
        start_workers()
    db = Database(args.database_url, keys["organization"])
    browsed = None
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        pairs = real_comments(args.requests)
        bodies = [urllib.parse.urlencode({"score": score, "comment": text, "lang": "en"}) for score, text in pairs]
        answer_path = f"/s/{keys['survey']}/{keys['touchpoint']}/"
        load(port, answer_path, bodies[:200], args.concurrency)  # warm-up
        load(port, "/bench/bare/", bodies[:200], args.concurrency)
        if workers:
            db.drained(0)
        web, background = [server.pid], [process.pid for process in workers]
        database = urllib.parse.urlparse(args.database_url).path.lstrip("/")
        cpu_before, pg_before, client_before = group_cpu(web), database_cpu(database), children_cpu()
        bare = load(port, "/bench/bare/", bodies, args.concurrency)
        cpu_bare, pg_bare = group_cpu(web) - cpu_before, database_cpu_since(database, pg_before)
        client_bare = children_cpu() - client_before
        first_id, rollup_before = db.last_id(), db.rollup_total()
        cpu_before, worker_before = group_cpu(web), group_cpu(background)
        pg_before, client_before = database_cpu(database), children_cpu()
        ours = load(port, answer_path, bodies, args.concurrency)
        cpu_ours, cpu_worker = group_cpu(web) - cpu_before, group_cpu(background) - worker_before
        pg_ours, client_ours = database_cpu_since(database, pg_before), children_cpu() - client_before
        if args.worker_after_load:
            start_workers()
        worker_before = group_cpu([process.pid for process in workers])
        found, waited = db.drained(first_id)
        cpu_drain = group_cpu([process.pid for process in workers]) - worker_before
        counted = db.rollup_total() - rollup_before
        latencies = db.alert_latencies(first_id)
        steady = None
        if args.steady_rate > 0:
            steady_id = db.last_id()
            count = int(args.steady_rate * args.steady_seconds)
            worker_before = group_cpu([process.pid for process in workers])
            paced(port, answer_path, (bodies * (count // len(bodies) + 1))[:count], args.steady_rate)
            steady_found, _ = db.drained(steady_id)
            cpu_steady = group_cpu([process.pid for process in workers]) - worker_before
            steady = (steady_found, db.alert_latencies(steady_id), cpu_steady / count)
        if not args.no_browser:
            second_id = db.last_id()
            browsed = load(port, answer_path, bodies[:BROWSER_ANSWERS], args.concurrency, client=browser)
            browsed_found, _ = db.drained(second_id)
    finally:
        for process in [server, *workers]:
            os.killpg(process.pid, signal.SIGTERM)
        for process in [server, *workers]:
            process.wait(timeout=20)

    print(
        f"\nPublic answer submissions, gunicorn {args.web_workers} workers, PostgreSQL, "
        f"{args.concurrency} clients, cache {args.cache_url}"
    )
    print(f"{'endpoint':<34}{'requests':>10}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}")
    for name, r in [("bare Django view (baseline)", bare), ("POST /s/<survey>/<touchpoint>/", ours)]:
        print(f"{name:<34}{r['requests']:>10}{r['rps']:>10.0f}{r['p50_ms']:>10.1f}{r['p99_ms']:>10.1f}")
    print(
        f"ratio answer/bare throughput: {ours['rps'] / bare['rps']:.2f}  "
        f"p99 ratio: {ours['p99_ms'] / bare['p99_ms']:.1f}x"
    )
    print(
        f"CPU per request, gunicorn: bare {cpu_bare / bare['requests'] * 1000:.2f} ms, "
        f"answer POST {cpu_ours / ours['requests'] * 1000:.2f} ms "
        f"(ratio {cpu_bare / bare['requests'] / (cpu_ours / ours['requests']):.2f}); "
        f"the worker per answer {(cpu_worker + cpu_drain) / ours['requests'] * 1000:.2f} ms "
        f"({cpu_worker:.1f} s of CPU during the load, {cpu_drain:.1f} s after it)"
    )
    print(
        f"CPU per request during the load, PostgreSQL backends (the worker's included): bare "
        f"{pg_bare / bare['requests'] * 1000:.2f} ms, answer POST {pg_ours / ours['requests'] * 1000:.2f} ms; "
        f"the bench's clients: bare {client_bare / bare['requests'] * 1000:.2f} ms, "
        f"answer POST {client_ours / ours['requests'] * 1000:.2f} ms"
    )
    # What the two cores spent per request during each load (gunicorn, PostgreSQL, the worker, the clients): on a
    # shared machine the req/s ratio moves with the neighbours; this one much less.
    spent_bare = (cpu_bare + pg_bare + client_bare) / bare["requests"]
    spent_ours = (cpu_ours + pg_ours + cpu_worker + client_ours) / ours["requests"]
    print(
        f"all CPU per request during the load: bare {spent_bare * 1000:.2f} ms, answer POST {spent_ours * 1000:.2f} ms "
        f"(ratio {spent_bare / spent_ours:.2f})"
    )
    print(
        f"worker ({args.task_workers} process, nice {args.worker_nice}"
        f"{', started after the load' if args.worker_after_load else ''}): "
        f"{found['answers']} answers stored, {counted} counted in the rollups, "
        f"{found['pending']} left pending; {found['detractors']} detractors, {found['cases']} cases, "
        f"{found['alerts']} alerts in the outbox; the last processed {waited:.1f} s after the load ended"
    )
    if latencies:
        print(
            f"answer to alert in the outbox, the burst above: p50 {percentile(latencies, 0.5):.2f} s, "
            f"p99 {percentile(latencies, 0.99):.2f} s, max {max(latencies):.2f} s ({len(latencies)} alerts)"
        )
    complete = found["answers"] == counted == len(bodies) and not found["pending"]
    complete = complete and found["cases"] == found["alerts"] == found["detractors"]
    print("full path: " + ("every answer stored, counted and processed" if complete else "INCOMPLETE"))
    if steady and steady[1]:
        found_steady, times, cpu_per_answer = steady
        print(
            f"answer to alert in the outbox at a steady {args.steady_rate:.0f} answers/s "
            f"for {args.steady_seconds:.0f} s: "
            f"p50 {percentile(times, 0.5):.2f} s, p99 {percentile(times, 0.99):.2f} s, max {max(times):.2f} s "
            f"({len(times)} alerts for {found_steady['detractors']} detractors, "
            f"{found_steady['pending']} left pending); the worker's CPU {cpu_per_answer * 1000:.2f} ms per answer"
        )
    if browsed:
        print(
            f"as a browser (POST, then GET the thank-you page): {browsed['rps']:.0f} answers/s, "
            f"p50 {browsed['p50_ms']:.1f} ms, p99 {browsed['p99_ms']:.1f} ms; "
            f"{browsed_found['cases']} cases, {browsed_found['alerts']} alerts "
            f"for {browsed_found['detractors']} detractors"
        )


if __name__ == "__main__":
    main()
