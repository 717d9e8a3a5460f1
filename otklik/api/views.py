"""Plain Django views of the api app: the health check for load balancers and monitoring."""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from otklik.api.selectors import health_report


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 while the database answers (a stale worker is reported, not fatal); 503 when it does not."""
    health = health_report()
    last_seen = health.worker_last_seen.isoformat() if health.worker_last_seen else None
    return JsonResponse(
        {"database": health.database, "worker": health.worker, "worker_last_seen": last_seen},
        status=200 if health.ok else 503,
    )
