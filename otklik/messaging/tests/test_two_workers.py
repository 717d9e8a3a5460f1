"""Two real `worker` processes on one PostgreSQL database never send the same message twice.

SLOW: about 20 seconds per task backend. The workers start first; then 200
messages are queued in one transaction, so both task runners and both outbox
sweeps race for the same rows. Runs on the database task queue and on RQ over
Redis; skipped when PostgreSQL (or, for RQ, Redis) is unreachable.
"""

import os
import re
import signal
import time
from collections import Counter
from pathlib import Path

import psycopg
import pytest

from otklik.messaging.tests.processes import ScratchPostgres, backend_env, manage, run, stop, wait_for

MESSAGES = 200

ENQUEUE = f"""
from django.db import transaction
from otklik.accounts.models import Organization
from otklik.messaging.services import outbox_enqueue

organization, _ = Organization.objects.get_or_create(slug="race", defaults={{"name": "Race"}})
with transaction.atomic():
    for n in range({MESSAGES}):
        outbox_enqueue(
            organization=organization,
            key=f"race:{{n}}",
            recipient=f"customer{{n}}@example.org",
            subject=f"Message {{n}}",
            body=f"Body {{n}}",
            kind="case_report",
        )
"""


@pytest.fixture(scope="module")
def postgres():
    database = ScratchPostgres()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "otklik.settings", "OTKLIK_DATABASE_URL": database.url}
    run("migrate", "--no-input", env=env)
    yield database
    database.drop()


def delivered(mail_dir: Path) -> Counter:
    found: Counter = Counter()
    for path in mail_dir.glob("*.eml"):
        found.update(re.findall(r"^Message-ID: <(race\.\d+)@", path.read_text(), flags=re.MULTILINE))
    return found


@pytest.mark.parametrize("backend", ["db", "rq"])
def test_two_workers_on_postgresql_send_each_message_once(tmp_path, postgres, backend):
    with psycopg.connect(postgres.url, autocommit=True) as conn:
        conn.execute("DELETE FROM messaging_outboxmessage")
    mail_dir = tmp_path / "mail"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "otklik.settings",
        "OTKLIK_VAR_DIR": str(tmp_path),
        "OTKLIK_DATABASE_URL": postgres.url,
        "OTKLIK_EMAIL_BACKEND": "otklik.messaging.tests.mail_backends.OneFilePerMessageBackend",
        "OTKLIK_LOG_LEVEL": "WARNING",
        **backend_env(backend),
    }
    workers = [manage("worker", "--interval", "0.1", "--outbox-interval", "0.1", env=env) for _ in range(2)]
    try:
        run("shell", "-c", ENQUEUE, env=env)
        wait_for(lambda: len(delivered(mail_dir)) == MESSAGES, timeout=120, what="every message delivered")
        time.sleep(1.0)  # more sweeps by both workers: a duplicate would show now
    finally:
        for worker in workers:
            stop(worker, signal.SIGTERM)

    assert delivered(mail_dir) == Counter({f"race.{n}": 1 for n in range(MESSAGES)})
    with psycopg.connect(postgres.url) as conn:
        statuses = Counter(status for (status,) in conn.execute("SELECT status FROM messaging_outboxmessage"))
    assert statuses == Counter({"sent": MESSAGES})
