from datetime import timedelta

import pytest
from django.db import OperationalError, connection
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from otklik.messaging.models import OutboxMessage, WorkerHeartbeat
from otklik.messaging.services import worker_heartbeat
from otklik.ops.health import version


@pytest.fixture
def fresh_worker(db):
    worker_heartbeat(worker_id="x")


def test_it_is_healthy_with_a_fresh_worker_and_names_the_version(client, fresh_worker):
    response = client.get(reverse("api:healthz"))
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["failing"], body["database"], body["worker"]) == ("ok", [], "ok", "ok")
    assert body["worker_last_seen"] == WorkerHeartbeat.objects.get().seen_at.isoformat()
    assert body["version"] == version() != ""


def test_a_worker_never_seen_fails(client, db):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert (response.json()["worker"], response.json()["failing"]) == ("never seen", ["worker"])


def test_a_stale_worker_fails(client, db, settings):
    settings.OTKLIK_HEALTH_WORKER_STALE_SECONDS = 180
    WorkerHeartbeat.objects.create(worker_id="x", seen_at=timezone.now() - timedelta(minutes=5))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert (response.json()["worker"], response.json()["failing"]) == ("stale", ["worker"])


def test_a_heartbeat_within_the_threshold_is_fine(client, db, settings):
    settings.OTKLIK_HEALTH_WORKER_STALE_SECONDS = 180
    WorkerHeartbeat.objects.create(worker_id="x", seen_at=timezone.now() - timedelta(minutes=2))
    assert client.get("/healthz").status_code == 200


def _enqueue_task(*, age: timedelta) -> None:
    from otklik.messaging.tasks import deliver_message

    result = deliver_message.enqueue(0)
    DBTaskResult.objects.filter(id=result.id).update(enqueued_at=timezone.now() - age)


def test_a_task_waiting_past_the_threshold_fails(client, fresh_worker, settings):
    settings.OTKLIK_HEALTH_QUEUE_STUCK_SECONDS = 900
    _enqueue_task(age=timedelta(minutes=20))
    body = client.get("/healthz").json()
    assert (body["tasks"], body["failing"]) == ("stuck", ["tasks"])
    assert body["oldest_task_seconds"] >= 20 * 60


def test_a_task_just_enqueued_is_fine(client, fresh_worker):
    _enqueue_task(age=timedelta(seconds=5))
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["tasks"] == "ok"


def test_an_outbox_message_overdue_past_the_threshold_fails(client, fresh_worker, world, settings):
    settings.OTKLIK_HEALTH_QUEUE_STUCK_SECONDS = 900
    OutboxMessage.objects.create(
        organization=world.org,
        key="stuck",
        kind="alert",
        recipient="max@example.com",
        subject="A new complaint",
        body="…",
        next_attempt_at=timezone.now() - timedelta(hours=1),
    )
    response = client.get("/healthz")
    assert response.status_code == 503
    assert (response.json()["outbox"], response.json()["failing"]) == ("stuck", ["outbox"])


def test_it_answers_503_when_the_database_fails(client, db):
    def refuse(execute, sql, params, many, context):
        raise OperationalError("database is unavailable")

    with connection.execute_wrapper(refuse):
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert (body["database"], body["worker"], body["failing"]) == ("error", "unknown", ["database"])


def test_it_is_never_cached(client, db):
    assert "no-cache" in client.get("/healthz")["Cache-Control"]


def test_an_answer_the_worker_has_not_processed_past_the_threshold_fails(client, fresh_worker, world, settings):
    settings.OTKLIK_HEALTH_QUEUE_STUCK_SECONDS = 900
    from otklik.intake.answers import answer_receive
    from otklik.surveys.services import AnswerInput

    answer = AnswerInput(score=2, comment="Cold.")
    answer_receive(survey=world.nps, touchpoint=world.checkout, answer=answer, rules_later=True)
    assert client.get("/healthz").json()["answers"] == "ok"  # just stored: the worker comes within a second
    answer_receive(
        survey=world.nps,
        touchpoint=world.checkout,
        answer=answer,
        rules_later=True,
        created_at=timezone.now() - timedelta(hours=1),
    )
    response = client.get("/healthz")
    assert response.status_code == 503
    assert (response.json()["answers"], response.json()["failing"]) == ("stuck", ["answers"])
    assert response.json()["oldest_answer_seconds"] >= 3600
