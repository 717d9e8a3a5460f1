"""/healthz/metrics: Prometheus text for a scraper holding OTKLIK_METRICS_TOKEN."""

from datetime import timedelta

import pytest
from django.utils import timezone

from otklik.cases.models import Case
from otklik.messaging.services import worker_heartbeat
from otklik.ops.health import version
from otklik.testing import factories

# Real customer words from /work/shared/datasets/airline-tweets-en (tweet id 570295459631263746).
PRAISE = "@VirginAmerica it was amazing, and arrived an hour early. You're too good to me."
# tweet id 570035876845084672
COMPLAINT = "@VirginAmerica Your chat support is not working on your site: http://t.co/vhp2GtDWPk"
TOKEN = "scrape-me-" + "x" * 40


@pytest.fixture
def token(settings):
    settings.OTKLIK_METRICS_TOKEN = TOKEN


def scrape(client):
    return client.get("/healthz/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")


def test_it_is_absent_while_no_token_is_configured(client, db, settings):
    settings.OTKLIK_METRICS_TOKEN = ""
    assert client.get("/healthz/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


def test_it_needs_the_token(client, db, token):
    assert client.get("/healthz/metrics").status_code == 401
    wrong = client.get("/healthz/metrics", HTTP_AUTHORIZATION="Bearer guess")
    assert wrong.status_code == 401
    assert wrong["WWW-Authenticate"].startswith("Bearer")


def test_it_exposes_answers_cases_outbox_and_the_queue(client, world, token):
    worker_heartbeat(worker_id="x")
    factories.make_response(survey=world.nps, touchpoint=world.checkout, score=10, comment=PRAISE)
    factories.make_response(survey=world.nps, touchpoint=world.checkout, score=1, comment=COMPLAINT)
    case = Case.objects.get()
    Case.objects.filter(pk=case.pk).update(created_at=timezone.now() - timedelta(days=30))

    response = scrape(client)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    lines = response.content.decode().splitlines()
    assert f'otklik_info{{version="{version()}"}} 1' in lines
    assert "# TYPE otklik_answers_received_total counter" in lines
    assert 'otklik_answers_received_total{organization="acme"} 2' in lines
    assert 'otklik_answers_received_total{organization="rival"} 0' in lines
    assert 'otklik_cases_open{organization="acme"} 1' in lines
    assert 'otklik_cases_overdue{organization="acme"} 1' in lines
    pending = [line for line in lines if line.startswith('otklik_outbox_messages{status="pending"}')]
    assert len(pending) == 1 and int(pending[0].split()[-1]) >= 1  # the alert to the responsible person
    assert 'otklik_outbox_messages{status="failed"} 0' in lines
    assert any(line.startswith("otklik_task_queue_depth ") for line in lines)
    assert any(line.startswith("otklik_worker_lag_seconds ") for line in lines)
    assert any(line.startswith("otklik_worker_heartbeat_age_seconds ") for line in lines)
    # Every sample belongs to a family announced with HELP and TYPE.
    families = {line.split()[2] for line in lines if line.startswith("# TYPE")}
    assert {line.split("{")[0].split()[0] for line in lines if not line.startswith("#")} <= families
