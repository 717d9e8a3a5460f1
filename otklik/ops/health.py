"""What /healthz and /healthz/metrics report: facts an operator can alert on.

/healthz fails (503) on the first thing that loses or delays customers' answers and messages: the
database does not answer, no worker has written its heartbeat lately, or queued work waits far past
its time (the oldest ready task, the oldest outbox message due, the oldest answer whose rules the worker
has yet to run). Each check is named in the answer.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from importlib import metadata

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Count, Min
from django.utils import timezone

DB_TASK_BACKEND = "django_tasks_db.DatabaseBackend"


@lru_cache(maxsize=1)
def version() -> str:
    """The installed package's version (pyproject.toml), or "unknown" when running from a bare checkout."""
    try:
        return metadata.version("otklik")
    except metadata.PackageNotFoundError:
        return "unknown"


@dataclass
class Health:
    database: str = "ok"  # "ok" or "error"
    worker: str = "unknown"  # "ok", "stale", "never seen", or "unknown" when the database is down
    worker_last_seen: datetime | None = None
    tasks: str = "unknown"  # "ok", "stuck", or "not measured" (the RQ backend keeps its queue in Redis)
    oldest_task_seconds: int | None = None
    outbox: str = "unknown"  # "ok" or "stuck"
    oldest_outbox_seconds: int | None = None
    answers: str = "unknown"  # "ok" or "stuck"
    oldest_answer_seconds: int | None = None
    failing: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failing


def _age(now: datetime, then: datetime | None) -> int | None:
    return None if then is None else max(0, int((now - then).total_seconds()))


def worker_last_seen() -> datetime | None:
    from otklik.messaging.services import worker_last_seen as last_seen

    return last_seen()


def oldest_ready_task() -> datetime | None:
    """Since when the oldest task has been ready to run (enqueued, or due if it was scheduled)."""
    from django_tasks_db.models import DBTaskResult, get_date_max

    ready = DBTaskResult.objects.ready()
    oldest_now = ready.filter(run_after=get_date_max()).aggregate(at=Min("enqueued_at"))["at"]
    oldest_due = ready.exclude(run_after=get_date_max()).aggregate(at=Min("run_after"))["at"]
    return min((at for at in (oldest_now, oldest_due) if at is not None), default=None)


def ready_task_count() -> int:
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.ready().count()


def oldest_outbox_due(*, now: datetime) -> datetime | None:
    """When the oldest pending outbox message came due (the sweep sends it within seconds normally)."""
    from otklik.messaging.models import OutboxMessage, OutboxStatus

    due = OutboxMessage.objects.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=now)
    return due.aggregate(at=Min("next_attempt_at"))["at"]


def oldest_pending_answer() -> datetime | None:
    """When the oldest answer still waiting for the worker to run its rules was stored (a second, normally)."""
    from otklik.surveys.models import Response

    return Response.objects.filter(rules_pending=True).aggregate(at=Min("created_at"))["at"]


def health_report(*, now: datetime | None = None) -> Health:
    """Every check, each named; `failing` lists those that make /healthz answer 503."""
    now = now or timezone.now()
    health = Health()
    stale_after = timedelta(seconds=settings.OTKLIK_HEALTH_WORKER_STALE_SECONDS)
    stuck_after = timedelta(seconds=settings.OTKLIK_HEALTH_QUEUE_STUCK_SECONDS)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        health.worker_last_seen = worker_last_seen()
        if settings.TASKS["default"]["BACKEND"] == DB_TASK_BACKEND:
            oldest_task = oldest_ready_task()
            health.oldest_task_seconds = _age(now, oldest_task) or 0
            health.tasks = "stuck" if oldest_task and now - oldest_task > stuck_after else "ok"
        else:
            health.tasks = "not measured"
        oldest_message = oldest_outbox_due(now=now)
        health.oldest_outbox_seconds = _age(now, oldest_message) or 0
        health.outbox = "stuck" if oldest_message and now - oldest_message > stuck_after else "ok"
        oldest_answer = oldest_pending_answer()
        health.oldest_answer_seconds = _age(now, oldest_answer) or 0
        health.answers = "stuck" if oldest_answer and now - oldest_answer > stuck_after else "ok"
    except DatabaseError:
        health.database = "error"
        health.failing = ["database"]
        return health
    if health.worker_last_seen is None:
        health.worker = "never seen"
    else:
        health.worker = "ok" if now - health.worker_last_seen <= stale_after else "stale"
    health.failing = [
        name
        for name, fine in (
            ("worker", health.worker == "ok"),
            ("tasks", health.tasks != "stuck"),
            ("outbox", health.outbox != "stuck"),
            ("answers", health.answers != "stuck"),
        )
        if not fine
    ]
    return health


@dataclass(frozen=True)
class Sample:
    name: str
    value: float
    labels: tuple[tuple[str, str], ...] = ()


# name: (type, help) — the families /healthz/metrics exposes, in this order.
FAMILIES = {
    "otklik_info": ("gauge", "Always 1; the version label says what runs."),
    "otklik_answers_received_total": ("counter", "Answers stored, per organization."),
    "otklik_cases_open": ("gauge", "Complaint cases not yet resolved, per organization."),
    "otklik_cases_overdue": ("gauge", "Open cases past their first-answer or resolution deadline (SLA)."),
    "otklik_outbox_messages": ("gauge", "Outbox messages by status (pending: waiting to be sent)."),
    "otklik_task_queue_depth": ("gauge", "Tasks ready to run and not yet taken by a worker."),
    "otklik_worker_lag_seconds": ("gauge", "How long the oldest ready task has waited; 0 when none waits."),
    "otklik_worker_heartbeat_age_seconds": ("gauge", "Seconds since a worker last wrote its heartbeat."),
}


def metric_samples(*, now: datetime | None = None) -> list[Sample]:
    """The figures behind /healthz/metrics, read fresh on each scrape (a few aggregate queries)."""
    from otklik.accounts.models import Organization
    from otklik.cases.models import Case
    from otklik.messaging.models import UNFINISHED, OutboxMessage, OutboxStatus
    from otklik.sla.selectors import sla_conditions, sla_policy_set
    from otklik.surveys.models import Response

    now = now or timezone.now()
    samples = [Sample("otklik_info", 1, (("version", version()),))]
    per_organization = Response.objects.values("organization_id").annotate(n=Count("id"))
    answers = dict(per_organization.values_list("organization_id", "n"))
    for org in Organization.objects.order_by("slug"):
        label = (("organization", org.slug),)
        samples.append(Sample("otklik_answers_received_total", answers.get(org.id, 0), label))
        conditions = sla_conditions(policies=sla_policy_set(organization=org), now=now)
        figures = Case.objects.filter(organization=org).aggregate(
            open=Count("id", filter=conditions["open"]), overdue=Count("id", filter=conditions["breached_open"])
        )
        samples.append(Sample("otklik_cases_open", figures["open"], label))
        samples.append(Sample("otklik_cases_overdue", figures["overdue"], label))
    # Only the statuses it shows, which the outbox's partial index holds: not a count of every message ever sent.
    unfinished = OutboxMessage.objects.filter(status__in=UNFINISHED)
    by_status = dict(unfinished.values("status").annotate(n=Count("id")).values_list("status", "n"))
    for status in (OutboxStatus.PENDING, OutboxStatus.SENDING, OutboxStatus.FAILED):
        samples.append(Sample("otklik_outbox_messages", by_status.get(status, 0), (("status", status.value),)))
    if settings.TASKS["default"]["BACKEND"] == DB_TASK_BACKEND:
        samples.append(Sample("otklik_task_queue_depth", ready_task_count()))
        samples.append(Sample("otklik_worker_lag_seconds", _age(now, oldest_ready_task()) or 0))
    last_seen = worker_last_seen()
    if last_seen is not None:
        samples.append(Sample("otklik_worker_heartbeat_age_seconds", _age(now, last_seen)))
    return samples


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def prometheus_text(samples: list[Sample]) -> str:
    """Prometheus' text exposition format 0.0.4: HELP and TYPE once per family, then its samples."""
    lines = []
    for name, (kind, text) in FAMILIES.items():
        family = [sample for sample in samples if sample.name == name]
        if not family:
            continue
        lines += [f"# HELP {name} {text}", f"# TYPE {name} {kind}"]
        for sample in family:
            labels = ",".join(f'{key}="{_escape(value)}"' for key, value in sample.labels)
            value = int(sample.value) if float(sample.value).is_integer() else sample.value
            lines.append(f"{name}{{{labels}}} {value}" if labels else f"{name} {value}")
    return "\n".join(lines) + "\n"
