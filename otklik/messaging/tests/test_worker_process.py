"""The real `worker` command, killed with SIGKILL mid-send and restarted: every message arrives once.

SLOW: about 10-15 seconds per task backend. It runs `manage.py` in subprocesses
against a file SQLite database in a temporary folder (pytest-django's in-memory
database is invisible to another process), so it needs no pytest-django
database at all. It runs twice: on the database task queue and on RQ over Redis
(skipped when Redis is unreachable).

How the crash is made deterministic: the eight messages are queued as one
batch (one task), and the worker sends through `HangingFileBackend`, which
never returns from a message whose subject holds "[hang]" while a flag file
exists. Whichever sender claims the batch first (the task runner or the outbox
sweep) takes all eight, sends the first three and sticks in the middle of the
fourth: claimed, nothing written. Then the worker is killed. The restarted
worker (claim timeout 1 s, standing in for the real 5 minutes) must send the
five claimed but unsent messages, and send nothing twice that it had recorded.

Sent messages are recorded in groups (OTKLIK_OUTBOX_SENT_GROUP, decision 0028):
with groups of one, each is recorded as soon as it is sent and nothing is sent
twice; with groups of two, the first two are recorded together, the third was
sent but not yet recorded (in flight) when the worker died, and it alone is
sent twice.
"""

import os
import re
import signal
import sqlite3
import time
from collections import Counter
from pathlib import Path

import pytest

from otklik.messaging.tests.processes import backend_env, manage, run, stop, wait_for

MESSAGES = 8
HANGING = 3


ENQUEUE = f"""
from django.db import transaction
from otklik.accounts.models import Organization
from otklik.messaging.services import outbox_deliver_after_commit, outbox_enqueue

organization = Organization.objects.create(name="Crash test", slug="crash-test")
with transaction.atomic():
    messages = [
        outbox_enqueue(
            organization=organization,
            key=f"crash:{{n}}",
            recipient=f"customer{{n}}@example.org",
            subject=("[hang] " if n == {HANGING} else "") + f"Message {{n}}",
            body=f"Body {{n}}",
            kind="case_report",
            deliver=False,
        )
        for n in range({MESSAGES})
    ]
    outbox_deliver_after_commit([message.pk for message in messages])
"""


def delivered(mail_dir: Path) -> Counter:
    """Message-ID → how many times it was written (the file backend may append several to one file)."""
    found: Counter = Counter()
    for path in mail_dir.glob("*.log"):
        found.update(re.findall(r"^Message-ID: <(crash\.\d+)@", path.read_text(), flags=re.MULTILINE))
    return found


@pytest.mark.parametrize(("backend", "group"), [("db", 1), ("rq", 1), ("db", 2)])
def test_a_killed_worker_loses_nothing_and_repeats_only_what_it_had_in_flight(tmp_path, backend, group):
    mail_dir = tmp_path / "mail"
    flag = tmp_path / "hang-flag"
    database = tmp_path / "otklik.sqlite3"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "otklik.settings",
        "OTKLIK_VAR_DIR": str(tmp_path),
        "OTKLIK_DATABASE_URL": f"sqlite:///{database}",
        "OTKLIK_EMAIL_BACKEND": "otklik.messaging.tests.mail_backends.HangingFileBackend",
        "OTKLIK_TEST_HANG_FLAG": str(flag),
        "OTKLIK_LOG_LEVEL": "WARNING",
        "OTKLIK_OUTBOX_SENT_GROUP": str(group),
        **backend_env(backend),
    }
    run("migrate", "--no-input", env=env)
    run("shell", "-c", ENQUEUE, env=env)
    flag.touch()

    worker = manage("worker", "--interval", "0.2", "--outbox-interval", "0.2", env=env)
    try:
        wait_for(lambda: any(tmp_path.glob("hanging-*")), timeout=60, what="a sender stuck mid-batch")
    finally:
        stop(worker, signal.SIGKILL)

    with sqlite3.connect(database) as db:
        statuses = dict(db.execute("SELECT key, status FROM messaging_outboxmessage").fetchall())
    # Killed in the middle of the batch: the first three sent, those of full groups recorded, the rest claimed.
    recorded = HANGING // group * group
    assert statuses == {f"crash:{n}": "sent" if n < recorded else "sending" for n in range(MESSAGES)}
    assert delivered(mail_dir) == Counter({f"crash.{n}": 1 for n in range(HANGING)})
    in_flight = {f"crash.{n}" for n in range(recorded, HANGING)}

    flag.unlink()
    restarted = manage(
        "worker",
        "--interval",
        "0.2",
        "--outbox-interval",
        "0.2",
        env={**env, "OTKLIK_OUTBOX_CLAIM_TIMEOUT_SECONDS": "1"},
    )
    try:
        wait_for(lambda: len(delivered(mail_dir)) == MESSAGES, timeout=60, what="every message delivered")
        time.sleep(1.5)  # several more sweeps, past the claim timeout: a duplicate would show now
    finally:
        stop(restarted, signal.SIGTERM)

    # Each message arrived; only those the killed worker had sent without recording them arrived twice.
    assert delivered(mail_dir) == Counter(
        {f"crash.{n}": 2 if f"crash.{n}" in in_flight else 1 for n in range(MESSAGES)}
    )
    assert len(in_flight) == (0 if group == 1 else 1)
    with sqlite3.connect(database) as db:
        statuses = dict(db.execute("SELECT key, status FROM messaging_outboxmessage").fetchall())
    assert statuses == {f"crash:{n}": "sent" for n in range(MESSAGES)}
