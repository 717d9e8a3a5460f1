"""Public answer submissions against the real server, beside a bare Django view.

    .venv/bin/python bench/answers.py [--requests 3000] [--concurrency 8]

Starts gunicorn (the same `otklik serve` as production) on a PostgreSQL
database, then in the same run POSTs real answer texts from
../shared/datasets to the public answer page and the same number of POSTs to a
bare Django view on the same server (`OTKLIK_BENCH_VIEWS=1`). Prints requests/s,
p50 and p99 latency for both and the ratio. Every answer is stored, runs the
case rule, and for detractors opens a case and queues an alert: the full path.
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
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/otklik_bench"

SETUP = """
import json
from otklik.accounts.models import Organization
from otklik.cases.case_rules import survey_create_with_case_rule
from otklik.testing import factories
org = Organization.objects.filter(slug="bench").first() or factories.make_organization(name="Bench", slug="bench")
location = org.locations.first() or factories.make_location(organization=org, name="Bench store")
touchpoint = location.touchpoints.first() or factories.make_touchpoint(location=location)
survey = org.surveys.first() or survey_create_with_case_rule(organization=org, kind="nps")
print(json.dumps({"survey": survey.public_key, "touchpoint": touchpoint.public_key}))
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


def worker(args: tuple) -> list[float]:
    port, path, bodies = args
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies = []
    for body in bodies:
        started = time.perf_counter()
        conn.request("POST", path, body=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
        response = conn.getresponse()
        response.read()
        latencies.append(time.perf_counter() - started)
        if response.status not in (200, 303):
            raise RuntimeError(f"{path} answered {response.status}")
    conn.close()
    return latencies


def load(port: int, path: str, bodies: list[str], concurrency: int) -> dict:
    chunks = [bodies[i::concurrency] for i in range(concurrency)]
    started = time.perf_counter()
    with multiprocessing.Pool(concurrency) as pool:
        results = pool.map(worker, [(port, path, chunk) for chunk in chunks])
    elapsed = time.perf_counter() - started
    latencies = sorted(x for chunk in results for x in chunk)
    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--web-workers", type=int, default=2)
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
    server = subprocess.Popen(
        [*manage, "serve", f"--port={port}", f"--workers={args.web_workers}"],
        env={**env, "OTKLIK_LOG_LEVEL": "WARNING"},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
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
        bare = load(port, "/bench/bare/", bodies, args.concurrency)
        ours = load(port, answer_path, bodies, args.concurrency)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)

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


if __name__ == "__main__":
    main()
