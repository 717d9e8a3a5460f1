"""How long a fresh `otklik worker`'s first answers wait for their alerts, this tree against another.

    .venv/bin/python bench/first_alert.py --other ../otklik-main [--rounds 4] [--answers 5]

Starts `otklik serve` once on a PostgreSQL database, then, round after round and alternating
the two trees, a fresh `otklik worker`: once its heartbeat is in and two more seconds have
passed (its start-up over), it POSTs `--answers` detractor answers (real Russian sentences from
../shared/datasets, a third of a second apart) to the public answer page and prints each one's
answer-to-alert times (the alert's outbox row queued, and sent, against the answer's) and the worker's CPU seconds
for the round. The worker is stopped after each round. The first answer is the one a worker
that loads its dictionaries lazily makes wait (decision 0067).
"""

import argparse
import csv
import http.client
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from answers import (  # noqa: E402  (the answers bench's helpers, beside this file)
    DATASETS,
    PYTHON,
    ROOT,
    SETUP,
    Database,
    ensure_database,
    free_port,
    group_cpu,
    post_form,
)

# Per answer with an alert: seconds from the answer to its alert's outbox row, and to the alert sent.
SENT_SQL = """
SELECT extract(epoch FROM min(o.created_at) - r.created_at), extract(epoch FROM min(o.sent_at) - r.created_at)
FROM surveys_response r
JOIN cases_case c ON c.response_id = r.id
JOIN messaging_outboxmessage o ON o.case_id = c.id AND o.kind = 'case_alert'
WHERE r.id > %s GROUP BY r.id ORDER BY r.id
"""
SENTENCES = DATASETS / "semeval2016-restaurants-ru" / "sentences.csv"


def russian_sentences(limit: int) -> list[str]:
    with SENTENCES.open(newline="", encoding="utf-8") as handle:
        return [row["text"] for row, _ in zip(csv.DictReader(handle), range(limit), strict=False)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--other", type=Path, required=True, help="the other tree (a worktree of main)")
    parser.add_argument("--rounds", type=int, default=4, help="rounds per tree")
    parser.add_argument("--answers", type=int, default=5)
    parser.add_argument("--database-url", default=os.environ.get("OTKLIK_BENCH_DATABASE_URL", ""))
    args = parser.parse_args()
    ensure_database(args.database_url)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "otklik.settings",
        "OTKLIK_DATABASE_URL": args.database_url,
        "OTKLIK_SECRET_KEY": os.environ.get("OTKLIK_SECRET_KEY") or secrets.token_urlsafe(50),
        "OTKLIK_CACHE_URL": "",
        "OTKLIK_RATE_LIMIT_ANSWERS": str(10**9),
        "OTKLIK_EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "OTKLIK_LOG_LEVEL": "WARNING",
        "OTKLIK_WORKER_PRELOAD": "1",
    }
    manage = [PYTHON, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
    subprocess.run([*manage, "createcachetable"], env=env, check=True, cwd=ROOT)
    shell = subprocess.run([*manage, "shell", "-c", SETUP], env=env, check=True, cwd=ROOT, capture_output=True)
    keys = json.loads(shell.stdout.decode().strip().splitlines()[-1])
    port = free_port()
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "start_new_session": True}
    server = subprocess.Popen([*manage, "serve", f"--port={port}", "--workers=1"], env=env, cwd=ROOT, **quiet)
    db = Database(args.database_url, keys["organization"])
    path = f"/s/{keys['survey']}/{keys['touchpoint']}/"
    texts = russian_sentences(args.answers * args.rounds * 2)
    trees = {"this": ROOT, "other": args.other.resolve()}
    results: dict[str, list[tuple[list[float], float]]] = {name: [] for name in trees}
    try:
        time.sleep(3)
        for round_number in range(args.rounds * 2):
            name = ("this", "other")[round_number % 2]
            tree = trees[name]
            db.conn.execute("DELETE FROM messaging_workerheartbeat")
            worker = subprocess.Popen(
                [PYTHON, str(tree / "manage.py"), "worker"], env={**env, "PYTHONPATH": str(tree)}, cwd=tree, **quiet
            )
            while not db.conn.execute("SELECT 1 FROM messaging_workerheartbeat").fetchone():
                time.sleep(0.1)
            time.sleep(2)
            first_id = db.last_id()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            for text in texts[round_number * args.answers : (round_number + 1) * args.answers]:
                post_form(conn, path, urllib.parse.urlencode({"score": 3, "comment": text, "lang": "ru"}))
                time.sleep(0.33)
            found, _waited = db.drained(first_id)
            for _ in range(300):  # the alerts are sent by the task runner, after the answers are processed
                rows = db.conn.execute(SENT_SQL, [first_id]).fetchall()
                if len(rows) == found["alerts"] and all(sent is not None for _created, sent in rows):
                    break
                time.sleep(0.1)
            latencies = [float(sent) for _created, sent in rows]
            queued = [float(created) for created, _sent in rows]
            cpu = group_cpu([worker.pid])
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait()
            load = os.getloadavg()[0]
            print(
                f"{name:5} round {round_number // 2 + 1}: alerts {found['alerts']}/{args.answers}; sent: first "
                f"{latencies[0]:.3f} s, others {statistics.mean(latencies[1:]):.3f} s; "
                f"queued: first {queued[0]:.3f} s, others {statistics.mean(queued[1:]):.3f} s; "
                f"worker CPU {cpu:.2f} s, load {load:.2f}",
                flush=True,
            )
            results[name].append((latencies, cpu))
        for name, rounds in results.items():
            firsts = [latencies[0] for latencies, _cpu in rounds]
            print(
                f"{name}: first answer's alert median {statistics.median(firsts):.3f} s "
                f"(min {min(firsts):.3f}, max {max(firsts):.3f}); worker CPU per round median "
                f"{statistics.median(cpu for _l, cpu in rounds):.2f} s"
            )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait()


if __name__ == "__main__":
    main()
