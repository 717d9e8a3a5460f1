"""Writes that keep the answer rollups current: one upsert per answer, and reconciliation from raw answers.

Every change is an *increment* (`count = count + delta`), never an overwrite, so the
answer path and a reconciliation running at the same time both land: the upsert
happens in the answer's own transaction, and reconciliation computes the drift
between one consistent snapshot of the answers and of the rollups, then adds it.
"""

import datetime
import functools
import logging
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from otklik.accounts.models import Organization
from otklik.rollups.models import SCORES, Grain, ResponseRollup, RollupState
from otklik.surveys.models import Response

logger = logging.getLogger(__name__)

# A full reconciliation per organization this often fixes whatever drifted (answers
# deleted or moved by hand, a restored backup); a changed time zone is noticed at once.
RECONCILE_EVERY = datetime.timedelta(hours=24)
# A worker that died mid-reconciliation frees its claim after this long.
CLAIM_FOR = datetime.timedelta(minutes=30)
BATCH = 1000

KEY_COLUMNS = ("organization_id", "location_id", "touchpoint_id", "survey_id", "kind", "grain", "start", "month_start")
VALUE_COLUMNS = ("count", "score_sum", *(f"s{score}" for score in SCORES))


@functools.cache
def _upsert_sql(vendor: str, unnest: bool = False, values_rows: int = 1) -> str:
    quote = connection.ops.quote_name
    table = quote(ResponseRollup._meta.db_table)
    columns = ", ".join(quote(c) for c in (*KEY_COLUMNS, *VALUE_COLUMNS))
    if unnest:
        # PostgreSQL: one array per column, so a thousand rows are one short statement to parse.
        types = ["bigint"] * 4 + ["varchar", "varchar", "date", "date", "integer", "bigint"] + ["integer"] * len(SCORES)
        rows = "SELECT * FROM unnest(" + ", ".join(f"%s::{t}[]" for t in types) + ")"
    else:
        row = "(" + ", ".join(["%s"] * (len(KEY_COLUMNS) + len(VALUE_COLUMNS))) + ")"
        rows = "VALUES " + ", ".join([row] * values_rows)
    increments = ", ".join(f"{quote(c)} = {table}.{quote(c)} + excluded.{quote(c)}" for c in VALUE_COLUMNS)
    # The conflict target is ResponseRollup's unique constraint "rollup_unique_key".
    target = ", ".join(quote(c) for c in ("survey_id", "touchpoint_id", "location_id", "grain", "start"))
    # Raw SQL because the ORM's upsert can only overwrite; an increment needs `column + excluded.column`.
    # Both SQLite (3.24+) and PostgreSQL speak this dialect. `vendor` is part of the cache key only.
    return f"INSERT INTO {table} ({columns}) {rows} ON CONFLICT ({target}) DO UPDATE SET {increments}"


def _answer_values(score: int, sign: int) -> list[int]:
    return [sign, sign * score, *(sign if s == score else 0 for s in SCORES)]


def _apply(rows: list[list]) -> None:
    """Add each row's values (key columns, then VALUE_COLUMNS) to its rollup, creating missing ones.

    The keys must be distinct: PostgreSQL refuses to update one row twice in a statement.
    """
    if not rows:
        return
    adapt = connection.ops.adapt_datefield_value
    rows = [[*row[:6], adapt(row[6]), adapt(row[7]), *row[len(KEY_COLUMNS) :]] for row in rows]
    with connection.cursor() as cursor:
        if len(rows) <= 2:  # one answer: its day and its month, one statement
            cursor.execute(_upsert_sql(connection.vendor, values_rows=len(rows)), [v for row in rows for v in row])
        elif connection.vendor == "postgresql":
            cursor.execute(
                _upsert_sql(connection.vendor, unnest=True), [list(column) for column in zip(*rows, strict=True)]
            )
        elif rows:
            cursor.executemany(_upsert_sql(connection.vendor), rows)


def _response_rows(response: Response, organization: Organization, sign: int) -> list[list]:
    day = timezone.localtime(response.created_at, organization.zone).date()
    place = [organization.pk, response.location_id, response.touchpoint_id, response.survey_id, response.kind]
    values = _answer_values(response.score, sign)
    month = day.replace(day=1)
    return [[*place, Grain.DAY, day, month, *values], [*place, Grain.MONTH, month, month, *values]]


def rollup_add_response(*, response: Response, organization: Organization) -> None:
    """Count a new answer in its day's and month's rollups; call it inside the transaction that stores the answer.

    One statement. Being in the same transaction, the count and the answer commit (or roll back) together.
    """
    _apply(_response_rows(response, organization, +1))


def rollup_add_statement(*, response: Response, organization: Organization) -> tuple[str, list]:
    """`rollup_add_response`'s one statement as SQL and parameters, for a caller that joins it with another (the
    intake stores an answer and its count in one PostgreSQL statement). The answer's id is not needed."""
    adapt = connection.ops.adapt_datefield_value
    rows = [
        [*row[:6], adapt(row[6]), adapt(row[7]), *row[len(KEY_COLUMNS) :]]
        for row in _response_rows(response, organization, +1)
    ]
    return _upsert_sql(connection.vendor, values_rows=len(rows)), [v for row in rows for v in row]


def rollup_remove_response(*, response: Response, organization: Organization) -> None:
    """Uncount an answer that is being deleted; call it in the transaction that deletes it.

    Whoever deletes answers without calling this leaves drift that the next reconciliation removes.
    """
    _apply(_response_rows(response, organization, -1))


@dataclass
class ReconcileResult:
    organization: Organization
    time_zone: str
    answers: int = 0
    rows: int = 0
    corrected: list[tuple] = field(default_factory=list)  # the keys whose rollup had drifted


def _fresh(organization: Organization, tz: datetime.tzinfo) -> dict[tuple, list]:
    per_score = {f"s{score}": Count("id", filter=Q(score=score)) for score in SCORES}
    rows = (
        Response.objects.filter(organization=organization)
        .annotate(day=TruncDate("created_at", tzinfo=tz))
        .values("location_id", "touchpoint_id", "survey_id", "kind", "day")
        .annotate(count=Count("id"), score_sum=Sum("score"), **per_score)
        .order_by()
    )
    fresh = {}
    for row in rows:
        row["grain"] = Grain.DAY
        row["start"] = row.pop("day")
        row["month_start"] = row["start"].replace(day=1)
        fresh[_row_key(row)] = row
        month = {**row, "grain": Grain.MONTH, "start": row["month_start"]}
        total = fresh.setdefault(_row_key(month), {**month, **dict.fromkeys(VALUE_COLUMNS, 0)})
        for column in VALUE_COLUMNS:
            total[column] += row[column]
    return fresh


def _current(organization: Organization) -> dict[tuple, dict]:
    rows = ResponseRollup.objects.filter(organization=organization).values(*KEY_COLUMNS[1:], *VALUE_COLUMNS)
    return {_row_key(row): row for row in rows}


def _row_key(row: dict) -> tuple:
    return (row["location_id"], row["touchpoint_id"], row["survey_id"], row["grain"], row["start"])


def _snapshot(organization: Organization, tz: datetime.tzinfo) -> tuple[dict, dict]:
    """The raw answers and the rollups as of one moment, so their difference is exactly the drift."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and outermost:
            # READ COMMITTED would give each query its own snapshot; an answer committed
            # between them would look like drift and be counted twice.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        return _fresh(organization, tz), _current(organization)


def _claim(organization: Organization, now: datetime.datetime) -> bool:
    try:
        with transaction.atomic():
            RollupState.objects.get_or_create(organization=organization)
    except IntegrityError:  # another worker created it at the same moment
        pass
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    return bool(RollupState.objects.filter(free, organization=organization).update(claimed_until=now + CLAIM_FOR))


class RollupsBusy(Exception):
    """Another process is reconciling this organization's rollups right now."""


def rollups_claim(*, organization: Organization, now: datetime.datetime | None = None) -> datetime.datetime | None:
    """Take the organization's reconciliation for CLAIM_FOR; returns when the claim ends (it names the claim),
    or None when another process holds it."""
    now = now or timezone.now()
    return now + CLAIM_FOR if _claim(organization, now) else None


def rollups_claim_held(*, organization: Organization, until: datetime.datetime) -> bool:
    """Whether the claim ending at `until` is still in force and nobody took the organization again since."""
    current = RollupState.objects.filter(organization=organization, claimed_until=until)
    return until > timezone.now() and current.exists()


def rollups_release(*, organization: Organization) -> None:
    """Give back a claim that will not be used (its task could not be queued)."""
    RollupState.objects.filter(organization=organization).update(claimed_until=None)


def rollups_reconcile(
    *, organization: Organization, now: datetime.datetime | None = None, claimed: bool = False
) -> ReconcileResult:
    """Recompute the organization's rollups from its raw answers and correct every row that differs.

    Idempotent (a second run finds nothing to correct) and safe while answers arrive. Also moves
    the days to the organization's current time zone. Raises RollupsBusy when another process
    holds the claim; `claimed` says the caller took it already (`rollups_claim`).
    """
    now = now or timezone.now()
    if not claimed and not _claim(organization, now):
        raise RollupsBusy(organization.slug)
    try:
        tz = organization.zone
        fresh, current = _snapshot(organization, tz)
        result = ReconcileResult(organization=organization, time_zone=organization.time_zone)
        deltas = []
        for key in fresh.keys() | current.keys():
            new, old = fresh.get(key), current.get(key)
            delta = [(new or {}).get(c, 0) - (old or {}).get(c, 0) for c in VALUE_COLUMNS]
            if any(delta):
                kind = (new or old)["kind"]
                month = key[4].replace(day=1)
                deltas.append([organization.pk, key[0], key[1], key[2], kind, key[3], key[4], month, *delta])
                result.corrected.append(key)
        for start in range(0, len(deltas), BATCH):
            # Short transactions: an answer arriving meanwhile waits for one batch at most.
            with transaction.atomic():
                _apply(deltas[start : start + BATCH])
        ResponseRollup.objects.filter(organization=organization, count=0).delete()
        result.answers = sum(row["count"] for row in fresh.values() if row["grain"] == Grain.DAY)
        result.rows = len(fresh)
        RollupState.objects.filter(organization=organization).update(
            time_zone=organization.time_zone,
            reconciled_at=now,
            answers_counted=result.answers,
            rows_corrected=len(result.corrected),
            claimed_until=None,
        )
        return result
    except BaseException:
        RollupState.objects.filter(organization=organization).update(claimed_until=None)
        raise


def organizations_due(*, now: datetime.datetime | None = None):
    """Organizations whose rollups were never reconciled, are in another time zone, or are a day old."""
    now = now or timezone.now()
    fresh_state = RollupState.objects.filter(
        organization=OuterRef("pk"), time_zone=OuterRef("time_zone"), reconciled_at__gte=now - RECONCILE_EVERY
    )
    return Organization.objects.filter(~Exists(fresh_state)).order_by("pk")


def rollups_reconcile_due() -> int:
    """The worker's periodic job: reconcile every organization that is due; returns how many were done."""
    done = 0
    for organization in organizations_due():
        try:
            result = rollups_reconcile(organization=organization)
        except RollupsBusy:
            continue
        done += 1
        if result.corrected:
            logger.warning("rollups of %s: corrected %d rows", organization.slug, len(result.corrected))
    return done
