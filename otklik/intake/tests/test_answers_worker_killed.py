"""A real worker process killed with SIGKILL in the middle of an answer's processing loses nothing and doubles
nothing (decision 0024: the rules, case, alert and the clearing of `rules_pending` commit together).

PostgreSQL only: the worker is another process, so it needs a database server both processes reach (the test's
in-memory SQLite is invisible to another process), and the crash is made with PostgreSQL's table locks.

How the kill lands mid-transaction, with no hook in the production code: the test holds a table lock (SHARE
mode: reads and `FOR UPDATE` go on, writes wait) on one table the processing writes, from a connection of its
own. The worker process (`worker.loop.answers_loop`, the very body of `otklik worker`'s answers thread) claims
the first pending answer and blocks on that write inside its transaction; the test sees it waiting in
`pg_stat_activity` and kills the process. Three kills, three places, three answers:

1. on the alerts' INSERT into the outbox (one for the claim, at its end: decision 0040): the cases are written,
   their alerts are not;
2. on the rule run's INSERT: the case and its alert are written;
3. on the UPDATE that clears `rules_pending`: everything is written but the mark.

A killed client's server session lives on while it waits on the lock (holding the answer's row lock, so a
`SKIP LOCKED` claim passes the answer by); once the test lets the lock go, the session finds its client gone
and rolls back. The test waits for that, checks the answer is still pending with nothing of its processing
left, and processes that one answer in process. At the end a fresh worker process drains the rest and exits.
"""

import os
import signal
import subprocess
import sys
import urllib.parse

import pytest
from django.db import connection, transaction

from otklik.cases.models import Case
from otklik.intake.answers import answer_receive, answers_process_pending
from otklik.messaging.models import OutboxMessage
from otklik.messaging.tests.processes import ROOT, stop, wait_for
from otklik.rules.models import RuleRun
from otklik.rules.services import rules_ensure_defaults
from otklik.surveys.models import Response
from otklik.surveys.selectors import public_survey
from otklik.surveys.services import AnswerInput

pytestmark = [
    pytest.mark.django_db(transaction=True),  # the worker process sees only committed rows
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: the worker is a separate process (the test's SQLite is not shared with it) "
        "and the kill is placed with PostgreSQL table locks",
    ),
]

# (the table locked, the start of the statement the worker must be found waiting on)
KILL_POINTS = [
    ("messaging_outboxmessage", 'INSERT INTO "messaging_outboxmessage"'),
    ("rules_rulerun", 'INSERT INTO "rules_rulerun"'),
    ("surveys_response", 'UPDATE "surveys_response" SET "rules_pending"'),
]
DETRACTORS = 6
PROMOTERS = 2

# `loop`: the worker's answers thread, polling until killed. `drain`: process until nothing is pending, then exit.
WORKER = """
import sys, threading
import django
django.setup()
from otklik.intake.answers import answers_process_pending
from otklik.worker.loop import answers_loop
if sys.argv[1] == "loop":
    answers_loop(interval=0.05, stop=threading.Event())
else:
    while answers_process_pending():
        pass
"""


def _worker(mode: str, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", WORKER, mode],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # `stop` signals the whole process group
    )


def _database_url() -> str:
    """The test database (pytest-django's `test_…`), as `OTKLIK_DATABASE_URL` for the worker process."""
    db = connection.settings_dict
    credentials = urllib.parse.quote(db["USER"] or "")
    if db["PASSWORD"]:
        credentials += ":" + urllib.parse.quote(db["PASSWORD"])
    host = f"{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}"
    return f"postgres://{credentials}@{host}/{db['NAME']}"


def _lock_holder():
    """A connection of the test's own, outside Django's, to hold a lock across the worker's claim."""
    import psycopg

    db = connection.settings_dict
    return psycopg.connect(
        dbname=db["NAME"],
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
        host=db["HOST"] or None,
        port=db["PORT"] or None,
    )


def _blocked_by(holder, statement: str) -> int | None:
    """The server process of a session waiting on `holder`'s lock in `statement`, if there is one yet.

    Asked on the test's own connection (autocommit): a session reads `pg_stat_activity` once per transaction, so
    the holder, in its transaction, would see the moment it first looked for ever."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid)) AND query LIKE %s",
            [holder.info.backend_pid, statement.replace("%", r"\%") + "%"],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def _session_alive(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone() is not None


def _kill_mid_answer(env: dict[str, str], *, table: str, statement: str, held: Response) -> None:
    """Start a worker process, SIGKILL it while it waits in `statement` inside its transaction on `held`, and
    return once its orphaned server session has rolled back and ended."""
    holder = _lock_holder()
    try:
        holder.execute(f'LOCK TABLE "{table}" IN SHARE MODE')
        worker = _worker("loop", env)
        session = None

        def waiting() -> bool:
            nonlocal session
            assert worker.poll() is None, worker.stderr.read().decode()
            session = _blocked_by(holder, statement)
            return session is not None

        try:
            wait_for(waiting, timeout=60, what=f"the worker to block on {statement}")
        finally:
            stop(worker, signal.SIGKILL)
        assert worker.returncode == -signal.SIGKILL
        # The dead worker's session still holds the answer: another worker's claim passes it by for now.
        with transaction.atomic():
            assert not Response.objects.filter(pk=held.pk).select_for_update(skip_locked=True).exists()
    finally:
        holder.rollback()  # the lock goes: the orphaned session finds its client gone and rolls back
        holder.close()
    wait_for(lambda: not _session_alive(session), timeout=30, what="the killed session to end")


def _tag_tasks(response: Response) -> int:
    """Tagging tasks queued for the answer: its own (the thank-you page's path) or its batch's (the worker's)."""
    from django.db.models import Q
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        Q(task_path__endswith=".tag_response", args_kwargs__kwargs__response_id=response.pk)
        | Q(task_path__endswith=".tag_responses", args_kwargs__kwargs__response_ids__contains=[response.pk])
    ).count()


def _processed_once(response: Response) -> None:
    """The answer is done, with one case, one alert, one rule run and one tagging task: nothing lost or doubled."""
    response.refresh_from_db()
    assert not response.rules_pending
    assert Case.objects.filter(response=response).count() == 1
    assert list(OutboxMessage.objects.filter(case__response=response).values_list("kind", flat=True)) == ["case_alert"]
    assert RuleRun.objects.filter(response=response).count() == 1
    assert _tag_tasks(response) == 1


def test_a_worker_process_killed_mid_answer_loses_nothing_and_doubles_nothing(world, tmp_path):
    rules_ensure_defaults(organization=world.org)
    survey, touchpoint = public_survey(survey_key=world.nps.public_key, touchpoint_key=world.checkout.public_key)
    # As the public page stores them: the answer and its count committed, the rest left to the worker.
    detractors = [
        answer_receive(
            survey=survey, touchpoint=touchpoint, answer=AnswerInput(score=2, comment=f"Answer {n}"), rules_later=True
        )
        for n in range(DETRACTORS)
    ]
    promoters = [
        answer_receive(survey=survey, touchpoint=touchpoint, answer=AnswerInput(score=10), rules_later=True)
        for _ in range(PROMOTERS)
    ]
    assert Response.objects.filter(rules_pending=True).count() == DETRACTORS + PROMOTERS
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "otklik.settings",
        "OTKLIK_DATABASE_URL": _database_url(),
        "OTKLIK_VAR_DIR": str(tmp_path),
        "OTKLIK_TASK_BACKEND": "django_tasks_db.DatabaseBackend",
        "OTKLIK_LOG_LEVEL": "WARNING",
    }

    for done, (killed, (table, statement)) in enumerate(zip(detractors, KILL_POINTS, strict=False)):
        _kill_mid_answer(env, table=table, statement=statement, held=killed)

        killed.refresh_from_db()
        assert killed.rules_pending, "the killed worker's transaction must not have committed"
        assert not Case.objects.filter(response=killed).exists()
        assert OutboxMessage.objects.count() == done  # the alerts of the answers processed before, no more
        assert not RuleRun.objects.filter(response=killed).exists()
        assert _tag_tasks(killed) == 0
        # The next claim takes the oldest pending answer: the one the killed worker held.
        assert answers_process_pending(limit=1) == 1
        _processed_once(killed)

    # A fresh worker process drains the rest and exits.
    worker = _worker("drain", env)
    try:
        _out, err = worker.communicate(timeout=60)
    finally:
        stop(worker, signal.SIGKILL)
    assert worker.returncode == 0, err.decode()

    assert not Response.objects.filter(rules_pending=True).exists()
    for response in detractors:
        _processed_once(response)
    assert Case.objects.count() == DETRACTORS
    assert OutboxMessage.objects.filter(kind="case_alert").count() == DETRACTORS
    for response in promoters:
        assert not Case.objects.filter(response=response).exists()
    assert answers_process_pending() == 0
