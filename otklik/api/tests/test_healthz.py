from datetime import timedelta

from django.db import OperationalError, connection
from django.urls import reverse
from django.utils import timezone

from otklik.messaging.models import WorkerHeartbeat
from otklik.messaging.services import worker_heartbeat


def test_it_says_the_worker_was_never_seen(client, db):
    response = client.get(reverse("api:healthz"))
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "worker": "never seen", "worker_last_seen": None}


def test_it_says_ok_after_a_heartbeat(client, db):
    worker_heartbeat(worker_id="x")
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert (body["database"], body["worker"]) == ("ok", "ok")
    assert body["worker_last_seen"] == WorkerHeartbeat.objects.get().seen_at.isoformat()


def test_it_says_stale_but_stays_healthy_when_the_worker_went_quiet(client, db):
    WorkerHeartbeat.objects.create(worker_id="x", seen_at=timezone.now() - timedelta(minutes=5))
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["worker"] == "stale"


def test_it_answers_503_when_the_database_fails(client, db):
    def refuse(execute, sql, params, many, context):
        raise OperationalError("database is unavailable")

    with connection.execute_wrapper(refuse):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": "error", "worker": "unknown", "worker_last_seen": None}


def test_it_is_never_cached(client, db):
    assert "no-cache" in client.get("/healthz")["Cache-Control"]
