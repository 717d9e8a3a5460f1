"""Plain Django views of the api app: the health check and the metrics for load balancers and monitoring."""

import hmac

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from otklik.ops.health import health_report, metric_samples, prometheus_text, version


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 while everything an alert should wake someone for is fine; 503 naming what is not."""
    health = health_report()
    last_seen = health.worker_last_seen.isoformat() if health.worker_last_seen else None
    return JsonResponse(
        {
            "status": "ok" if health.ok else "failing",
            "failing": health.failing,
            "version": version(),
            "database": health.database,
            "worker": health.worker,
            "worker_last_seen": last_seen,
            "tasks": health.tasks,
            "oldest_task_seconds": health.oldest_task_seconds,
            "outbox": health.outbox,
            "oldest_outbox_seconds": health.oldest_outbox_seconds,
            "answers": health.answers,
            "oldest_answer_seconds": health.oldest_answer_seconds,
        },
        status=200 if health.ok else 503,
    )


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus text format, for a scraper holding OTKLIK_METRICS_TOKEN; absent (404) while no token is set."""
    token = settings.OTKLIK_METRICS_TOKEN
    if not token:
        raise Http404
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        response = HttpResponse("A bearer token is required.\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(prometheus_text(metric_samples()), content_type="text/plain; version=0.0.4; charset=utf-8")
