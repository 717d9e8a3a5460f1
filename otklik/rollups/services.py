"""Writes that keep the answer rollups current: one upsert per answer (or per claim of pending answers), and
reconciliation from raw answers.

Every change is an *increment* (`count = count + delta`), never an overwrite, so the
answer path and a reconciliation running at the same time both land: the upsert
happens in the answer's own transaction, and reconciliation computes the drift
between one consistent snapshot of the answers and of the rollups, then adds it.
"""

import datetime
import functools
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from otklik.accounts.models import Organization
from otklik.rollups.models import (
    OTHER_NOT_RECORDED,
    SCORES,
    CaseRollup,
    CaseSegmentRollup,
    Grain,
    ResponseRollup,
    RollupState,
    SegmentRollup,
    TagRollup,
)
from otklik.surveys.kinds import KINDS
from otklik.surveys.models import Response

logger = logging.getLogger(__name__)

# A full reconciliation per organization this often fixes whatever drifted (answers
# deleted or moved by hand, a restored backup); a changed time zone is noticed at once.
RECONCILE_EVERY = datetime.timedelta(hours=24)
# A worker that died mid-reconciliation frees its claim after this long.
CLAIM_FOR = datetime.timedelta(minutes=30)
BATCH = 1000

VALUE_COLUMNS = ("count", "with_text", "score_sum", *(f"s{score}" for score in SCORES))
_VALUE_TYPES = ["integer", "integer", "bigint"] + ["integer"] * len(SCORES)


@dataclass(frozen=True)
class _Table:
    """A rollup table as the upsert and the reconciliation see it."""

    model: type
    key_columns: tuple[str, ...]  # inserted in this order, then VALUE_COLUMNS
    # The model's unique constraint: the conflict target of the upsert, and what tells two rows apart.
    conflict: tuple[str, ...]
    values: tuple[str, ...] = VALUE_COLUMNS  # the columns an upsert adds to
    value_types: tuple[str, ...] = tuple(_VALUE_TYPES)
    # Packed columns (bytes) an upsert appends to, after the values: the case rollups' clocks.
    packed: tuple[str, ...] = ()
    # The key columns' SQL types (PostgreSQL's unnest casts each array); None: four ids, kind, grain, two dates.
    key_types: tuple[str, ...] | None = None

    @property
    def row_key(self) -> tuple[str, ...]:
        """The fields of a row's identity, as `values()` names them."""
        return tuple(c for c in self.key_columns if c in self.conflict)


ANSWERS = _Table(
    model=ResponseRollup,
    key_columns=(
        *("organization_id", "location_id", "touchpoint_id", "survey_id"),
        *("kind", "grain", "start", "month_start"),
    ),
    conflict=("survey_id", "touchpoint_id", "location_id", "grain", "start"),
)
TAGS = _Table(
    model=TagRollup,
    key_columns=(
        *("organization_id", "theme_id", "location_id", "touchpoint_id"),
        *("kind", "grain", "start", "month_start"),
    ),
    conflict=("theme_id", "touchpoint_id", "location_id", "kind", "grain", "start"),
)
# Complaints per place, severity and responsible person (rollups.cases keeps them).
CASES = _Table(
    model=CaseRollup,
    key_columns=(
        *("organization_id", "location_id", "touchpoint_id", "responsible_id"),
        *("severity", "grain", "start", "month_start"),
    ),
    conflict=("location_id", "touchpoint_id", "responsible_id", "severity", "grain", "start"),
    values=("count", "answered", "answered_in_time", "resolved", "resolved_in_time"),
    value_types=("integer",) * 5,
    packed=("first_answer_us", "first_answer_gone", "resolution_us", "resolution_gone"),
)
# Answers by their customer's current RFM segment (rollups.segments keeps them).
SEGMENTS = _Table(
    model=SegmentRollup,
    key_columns=("organization_id", "location_id", "segment", "kind", "grain", "start", "month_start"),
    conflict=("location_id", "segment", "kind", "grain", "start"),
    key_types=("bigint", "bigint", "varchar", "varchar", "varchar", "date", "date"),
)
# Complaints per location by their customer's current RFM segment (rollups.cases and rollups.segments keep them).
CASE_SEGMENTS = _Table(
    model=CaseSegmentRollup,
    key_columns=("organization_id", "location_id", "segment", "grain", "start", "month_start"),
    conflict=("location_id", "segment", "grain", "start"),
    values=CASES.values,
    value_types=CASES.value_types,
    packed=CASES.packed,
    key_types=("bigint", "bigint", "varchar", "varchar", "date", "date"),
)
KEY_COLUMNS = ANSWERS.key_columns
# The other tables' keys: four ids, kind, grain, two dates.
_KEY_TYPES = ["bigint"] * 4 + ["varchar", "varchar", "date", "date"]


@functools.cache
def _upsert_sql(vendor: str, table: _Table = ANSWERS, unnest: bool = False, values_rows: int = 1) -> str:
    quote = connection.ops.quote_name
    name = quote(table.model._meta.db_table)
    columns = ", ".join(quote(c) for c in (*table.key_columns, *table.values, *table.packed))
    types = [*(table.key_types or _KEY_TYPES), *table.value_types, *["bytea"] * len(table.packed)]
    if unnest:
        # PostgreSQL: one array per column, so a thousand rows are one short statement to parse.
        rows = "SELECT * FROM unnest(" + ", ".join(f"%s::{t}[]" for t in types) + ")"
    else:
        row = "(" + ", ".join(["%s"] * len(types)) + ")"
        rows = "VALUES " + ", ".join([row] * values_rows)
    increments = ", ".join(
        [f"{quote(c)} = {name}.{quote(c)} + excluded.{quote(c)}" for c in table.values]
        # Appended: SQLite's || makes text of two blobs, the cast gives back the same bytes as a blob.
        + [
            f"{quote(c)} = {name}.{quote(c)} || excluded.{quote(c)}"
            if vendor == "postgresql"
            else f"{quote(c)} = CAST({name}.{quote(c)} || excluded.{quote(c)} AS BLOB)"
            for c in table.packed
        ]
    )
    # The conflict target is the model's unique constraint (rollup_unique_key, tag_rollup_unique_key).
    target = ", ".join(quote(c) for c in table.conflict)
    # Raw SQL because the ORM's upsert can only overwrite; an increment needs `column + excluded.column`.
    # Both SQLite (3.24+) and PostgreSQL speak this dialect. `vendor` picks how packed columns are appended.
    return f"INSERT INTO {name} ({columns}) {rows} ON CONFLICT ({target}) DO UPDATE SET {increments}"


def _answer_values(score: int, sign: int, with_text: bool = False) -> list[int]:
    return [sign, sign * int(with_text), sign * score, *(sign if s == score else 0 for s in SCORES)]


def _apply(rows: list[list], table: _Table = ANSWERS) -> None:
    """Add each row's values (key columns, then the table's values, then its packed bytes) to its rollup,
    creating missing ones.

    The keys must be distinct: PostgreSQL refuses to update one row twice in a statement.
    """
    if not rows:
        return
    adapt = connection.ops.adapt_datefield_value
    keys = len(table.key_columns)  # the last two key columns are the dates
    rows = [[*row[: keys - 2], adapt(row[keys - 2]), adapt(row[keys - 1]), *row[keys:]] for row in rows]
    with connection.cursor() as cursor:
        if len(rows) <= 2:  # one answer: its day and its month, one statement
            cursor.execute(
                _upsert_sql(connection.vendor, table, values_rows=len(rows)), [v for row in rows for v in row]
            )
        elif connection.vendor == "postgresql":
            cursor.execute(
                _upsert_sql(connection.vendor, table, unnest=True), [list(column) for column in zip(*rows, strict=True)]
            )
        else:
            cursor.executemany(_upsert_sql(connection.vendor, table), rows)


def _has_text(response: Response) -> bool:
    return bool(response.comment or response.second_answer)


def _response_rows(response: Response, organization: Organization, sign: int) -> list[list]:
    day = timezone.localtime(response.created_at, organization.zone).date()
    place = [organization.pk, response.location_id, response.touchpoint_id, response.survey_id, response.kind]
    values = _answer_values(response.score, sign, _has_text(response))
    month = day.replace(day=1)
    return [[*place, Grain.DAY, day, month, *values], [*place, Grain.MONTH, month, month, *values]]


def rollup_add_response(*, response: Response, organization: Organization) -> None:
    """Count a new answer in its day's and month's rollups (by touchpoint, and by its customer's current segment);
    call it inside the transaction that stores the answer.

    One statement on PostgreSQL (the segment rows' upsert in its WITH), two on SQLite. Being in the same
    transaction, the counts and the answer commit (or roll back) together.
    """
    _count_response(response, organization, +1)


def _count_response(response: Response, organization: Organization, sign: int) -> None:
    from otklik.rollups.segments import segment_add_statement

    segment_sql, segment_params = segment_add_statement(response=response, organization=organization, sign=sign)
    rows = _response_rows(response, organization, sign)
    if connection.vendor == "postgresql":
        adapt = connection.ops.adapt_datefield_value
        key = len(KEY_COLUMNS)
        params = [*rows[0][:5], *rows[0][key:], adapt(rows[0][6]), adapt(rows[1][6])]
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH segment_counted AS ({segment_sql}) {_upsert_one_answer_sql()}", segment_params + params
            )
        return
    _apply(rows)
    with connection.cursor() as cursor:
        cursor.execute(segment_sql, segment_params)


def rollup_add_responses(responses: Iterable[Response]) -> None:
    """Count answers in their days' and months' rollups, one statement for all of them (each with its
    organization loaded); call it in the transaction that stores them or clears their pending mark.

    The worker counts a claim of pending answers this way: the rows of one place, day and month are added up
    first, so a hundred answers to one touchpoint write its two rows once; their segment rows are a read of
    their customers' segments and one more upsert.
    """
    responses = list(responses)
    totals: dict[tuple, list[int]] = {}
    for response in responses:
        for row in _response_rows(response, response.organization, +1):
            key, values = tuple(row[: len(KEY_COLUMNS)]), row[len(KEY_COLUMNS) :]
            total = totals.setdefault(key, [0] * len(VALUE_COLUMNS))
            for i, value in enumerate(values):
                total[i] += value
    _apply([[*key, *values] for key, values in totals.items()])
    # The same answers by their customers' current segments (rollups.segments).
    from otklik.rollups.segments import rollup_segments_add

    rollup_segments_add(responses)


@functools.cache
def _upsert_one_answer_sql() -> str:
    # PostgreSQL: one answer's day and month rows from one set of values. Bound on the server, a parameter's
    # type is what psycopg sends (a small int as smallint, a str as unknown): the INSERT casts each to its column.
    table = ANSWERS
    quote = connection.ops.quote_name
    name = quote(table.model._meta.db_table)
    columns = ", ".join(quote(c) for c in (*table.key_columns, *table.values))
    values = ", ".join(["%s"] * len(table.values))
    increments = ", ".join(f"{quote(c)} = {name}.{quote(c)} + excluded.{quote(c)}" for c in table.values)
    target = ", ".join(quote(c) for c in table.conflict)
    assert table.key_columns[5:] == ("grain", "start", "month_start")  # the three the rows below make
    return (
        f"INSERT INTO {name} ({columns}) SELECT %s, %s, %s, %s, %s, g.grain, g.start, d.month, {values} "
        f"FROM (SELECT %s::date AS day, %s::date AS month) AS d, "
        f"LATERAL (VALUES ('{Grain.DAY.value}', d.day), ('{Grain.MONTH.value}', d.month)) AS g (grain, start) "
        f"ON CONFLICT ({target}) DO UPDATE SET {increments}"
    )


def rollup_remove_response(*, response: Response, organization: Organization) -> None:
    """Uncount an answer that is being deleted; call it in the transaction that deletes it.

    Whoever deletes answers without calling this leaves drift that the next reconciliation removes.
    """
    _count_response(response, organization, -1)


def rollup_tags_change(
    *,
    organization: Organization,
    removed: Iterable[tuple[Response, int]] = (),
    added: Iterable[tuple[Response, int]] = (),
) -> None:
    """Count tags (answer, theme id) added and uncount those removed; call it in the transaction that writes them.

    One statement for any number of tags. Two taggers racing on one answer (the first write wins there)
    may count a tag twice: the next reconciliation corrects it.
    """
    tz = organization.zone
    totals: dict[tuple, list[int]] = {}
    for tags, sign in ((removed, -1), (added, +1)):
        for response, theme_id in tags:
            day = timezone.localtime(response.created_at, tz).date()
            month = day.replace(day=1)
            values = _answer_values(response.score, sign, _has_text(response))
            place = [organization.pk, theme_id, response.location_id, response.touchpoint_id, response.kind]
            for grain, start in ((Grain.DAY, day), (Grain.MONTH, month)):
                key = (*place, grain, start, month)
                total = totals.setdefault(key, [0] * len(VALUE_COLUMNS))
                for i, value in enumerate(values):
                    total[i] += value
    _apply([[*key, *values] for key, values in totals.items() if any(values)], TAGS)


@dataclass
class ReconcileResult:
    organization: Organization
    time_zone: str
    answers: int = 0
    rows: int = 0
    corrected: list[tuple] = field(default_factory=list)  # the keys whose rollup had drifted
    tags_corrected: list[tuple] = field(default_factory=list)  # the same for the theme tags' rollups
    cases_corrected: list[tuple] = field(default_factory=list)  # the same for the case rollups
    segments_corrected: list[tuple] = field(default_factory=list)  # the same for the segment rollups
    case_segments_corrected: list[tuple] = field(default_factory=list)  # the same for the cases by segment


def month_after(month: datetime.date) -> datetime.date:
    """The first day of the next month."""
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def _month_bounds(month: datetime.date, tz: datetime.tzinfo) -> tuple[datetime.datetime, datetime.datetime]:
    """The moments the organization's local month starts and the next one starts."""
    return (
        datetime.datetime.combine(month, datetime.time(), tzinfo=tz),
        datetime.datetime.combine(month_after(month), datetime.time(), tzinfo=tz),
    )


def _answers_of(organization: Organization):
    # Every kind named, so PostgreSQL reads the (organization, kind, created_at) index for a month's range.
    return Response.objects.filter(organization=organization, kind__in=list(KINDS))


def reconcile_months(*, organization: Organization, tz: datetime.tzinfo) -> tuple[datetime.date, datetime.date] | None:
    """The first and last month (in `tz`) that hold answers or rollups: the slices a reconciliation walks.
    None when there is neither."""
    first_last = _answers_of(organization).aggregate(first=Min("created_at"), last=Max("created_at"))
    months = [
        timezone.localtime(moment, tz).date().replace(day=1)
        for moment in (first_last["first"], first_last["last"])
        if moment is not None
    ]
    # The cases through the organization's reverse relation (the rollups sit below the cases app).
    opened = organization.cases.aggregate(first=Min("created_at"), last=Max("created_at"))
    months += [
        timezone.localtime(moment, tz).date().replace(day=1)
        for moment in (opened["first"], opened["last"])
        if moment is not None
    ]
    for table in (ANSWERS, TAGS, CASES, SEGMENTS, CASE_SEGMENTS):
        rolled = table.model.objects.filter(organization=organization).aggregate(
            first=Min("month_start"), last=Max("month_start")
        )
        months += [month for month in (rolled["first"], rolled["last"]) if month is not None]
    return (min(months), max(months)) if months else None


def _fresh_cases(
    organization: Organization, tz: datetime.tzinfo, month: datetime.date, table: _Table = CASES
) -> dict[tuple, dict]:
    from otklik.rollups.cases import case_clocks_fresh, cases_fresh

    by_segment = table is CASE_SEGMENTS
    fresh = {}
    bounds = _month_bounds(month, tz)
    for row in cases_fresh(organization, tz, *bounds, by_segment=by_segment):
        if not by_segment:
            row["touchpoint_id"], row["responsible_id"] = row.pop("touchpoint_key"), row.pop("responsible_key")
        row["start"] = row.pop("day")
        row["month_start"] = row["start"].replace(day=1)
        for grain, start in ((Grain.DAY, row["start"]), (Grain.MONTH, row["month_start"])):
            keyed = {**row, "grain": grain, "start": start}
            total = fresh.setdefault(_row_key(keyed, table), {**keyed, **dict.fromkeys(table.values, 0)})
            total.setdefault("clocks", ([], []))
            for column in table.values:
                total[column] += row[column]
    # Each case's clocks, in the day's and the month's rows (every case counted above is in one of them).
    for key, first_us, resolution_us in case_clocks_fresh(organization, tz, *bounds, by_segment=by_segment):
        for grain, start in ((Grain.DAY, key[-1]), (Grain.MONTH, key[-1].replace(day=1))):
            clocks = fresh[(*key[:-1], grain, start)]["clocks"]
            for clock, us in zip(clocks, (first_us, resolution_us), strict=True):
                if us is not None:
                    clock.append(us)
    return fresh


def _fresh(organization: Organization, tz: datetime.tzinfo, month: datetime.date, table: _Table) -> dict[tuple, dict]:
    if table in (CASES, CASE_SEGMENTS):
        return _fresh_cases(organization, tz, month, table)
    since, until = _month_bounds(month, tz)
    answers = _answers_of(organization).filter(created_at__gte=since, created_at__lt=until)
    if table in (ANSWERS, SEGMENTS):
        # A pending answer is counted when the worker processes it, in the transaction that clears its mark
        # (intake.answers): in one snapshot the rollups hold exactly the answers not pending.
        answers = answers.filter(rules_pending=False)
    if table is TAGS:
        # One row per tag: the reverse relation of insights' AnswerTheme, read without importing insights; then the
        # answers no theme holds, by the reason their analysis stored (`_others_of`).
        tagged = answers.annotate(theme_id=F("answer_themes__theme_id")).filter(theme_id__isnull=False)
        fresh = _fresh_grouped(tagged, tz, table)
        return _fresh_grouped(_others_of(answers), tz, table, fresh)
    if table is SEGMENTS:
        # Today's segment of the answer's customer; no customer and one not yet segmented are both "".
        answers = answers.annotate(segment=Coalesce(F("customer__segment"), Value("")))
    return _fresh_grouped(answers, tz, table)


def _others_of(answers):
    """The answers counted in the "other" rows of the tag rollups: tagged (an analysis, which insights writes
    for every answer with text it reads), holding no theme and put in "other" by that tagging (a reason ≤ 0: an
    answer whose themes were deleted since waits for its re-tagging), each with its reason's reserved theme id
    (`OTHER_NOT_RECORDED` when tagged before the reason was kept)."""
    reason = Q(analysis__other_reason__isnull=True) | Q(analysis__other_reason__lte=OTHER_NOT_RECORDED)
    return answers.filter(reason, analysis__isnull=False, answer_themes__isnull=True).annotate(
        theme_id=Coalesce(F("analysis__other_reason"), Value(OTHER_NOT_RECORDED))
    )


def _fresh_grouped(answers, tz: datetime.tzinfo, table: _Table, fresh: dict | None = None) -> dict[tuple, dict]:
    """The answers grouped into the table's day rows and month rows (added to `fresh` when given)."""
    per_score = {f"s{score}": Count("id", filter=Q(score=score)) for score in SCORES}
    with_text = Count("id", filter=~Q(comment="") | ~Q(second_answer=""))
    fields = [c for c in table.row_key if c not in ("grain", "start")]
    rows = (
        answers.annotate(day=TruncDate("created_at", tzinfo=tz))
        .values(*fields, "kind", "day")
        .annotate(count=Count("id"), with_text=with_text, score_sum=Sum("score"), **per_score)
        .order_by()
    )
    fresh = {} if fresh is None else fresh
    for row in rows:
        row["grain"] = Grain.DAY
        row["start"] = row.pop("day")
        row["month_start"] = row["start"].replace(day=1)
        fresh[_row_key(row, table)] = row
        month_row = {**row, "grain": Grain.MONTH, "start": row["month_start"]}
        total = fresh.setdefault(_row_key(month_row, table), {**month_row, **dict.fromkeys(VALUE_COLUMNS, 0)})
        for column in VALUE_COLUMNS:
            total[column] += row[column]
    return fresh


def _current(organization: Organization, month: datetime.date, table: _Table) -> dict[tuple, dict]:
    # The month's day rows and its month row, as counted in whichever time zone they were counted in.
    rows = table.model.objects.filter(organization=organization, month_start=month).values(
        *table.key_columns[1:], *table.values, *table.packed
    )
    if table.packed:
        rows = table.model.objects.filter(organization=organization, month_start=month).values(
            "id", *table.key_columns, *table.values, *table.packed
        )
        rows = [{**row, **{c: bytes(row[c]) for c in table.packed}} for row in rows]
    return {_row_key(row, table): row for row in rows}


def _row_key(row: dict, table: _Table = ANSWERS) -> tuple:
    return tuple(row[c] for c in table.row_key)


def _snapshot(
    organization: Organization, tz: datetime.tzinfo, month: datetime.date, tables: tuple[_Table, ...]
) -> dict[_Table, tuple[dict, dict]]:
    """One month's raw answers and tags and their rollups as of one moment, so their differences are
    exactly the drift."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and outermost:
            # READ COMMITTED would give each query its own snapshot; an answer committed
            # between them would look like drift and be counted twice.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        return {
            table: (_fresh(organization, tz, month, table), _current(organization, month, table)) for table in tables
        }


def _deltas(
    organization: Organization, table: _Table, fresh: dict, current: dict
) -> tuple[list[list], list[tuple], list[tuple]]:
    """The rows to add so that `current` becomes `fresh`, the keys that differed, and (case rollups) the rows
    whose packed clocks are to be written again: (the row as read, the fresh clocks)."""
    from otklik.rollups.cases import clock_drift, pack, pack_clocks

    deltas, corrected, rewrites = [], [], []
    for key in fresh.keys() | current.keys():
        new, old = fresh.get(key), current.get(key)
        delta = [(new or {}).get(c, 0) - (old or {}).get(c, 0) for c in table.values]
        clocks_wrong = False
        if table.packed:
            clocks = (new or {}).get("clocks") or ([], [])
            if old is None:  # a new row: its clocks are appended with its counts
                delta += pack_clocks(clocks)
            else:
                missing, extra = clock_drift(old, clocks)
                clocks_wrong = any(missing) or any(extra)
                if any(extra) or old["first_answer_gone"] or old["resolution_gone"]:
                    # Written again as read (`case_clocks_rewrite`), so no clock gone stays behind in the row.
                    delta += [b""] * len(table.packed)
                    rewrites.append((old, clocks))
                else:  # only clocks missing (a row counted before it carried clocks): appended with the counts
                    delta += [pack(missing[0]), b"", pack(missing[1]), b""]
        if any(delta):
            row = new or old
            deltas.append([organization.pk, *(row[c] for c in table.key_columns[1:]), *delta])
        if any(delta) or clocks_wrong:
            corrected.append(key)
    return deltas, corrected, rewrites


@dataclass
class MonthResult:
    answers: int = 0
    rows: int = 0
    corrected: list[tuple] = field(default_factory=list)
    tags_corrected: list[tuple] = field(default_factory=list)
    cases_corrected: list[tuple] = field(default_factory=list)
    segments_corrected: list[tuple] = field(default_factory=list)
    case_segments_corrected: list[tuple] = field(default_factory=list)


def rollups_reconcile_month(
    *,
    organization: Organization,
    month: datetime.date,
    tz: datetime.tzinfo | None = None,
    tables: tuple[_Table, ...] = (ANSWERS, TAGS, CASES, SEGMENTS, CASE_SEGMENTS),
) -> MonthResult:
    """Correct one month's rollups of answers and of theme tags (its days and the month) from that
    month's raw answers: one slice.

    A reconciliation is a walk over the months (`reconcile_months`), so no statement reads more than
    a month of answers and a task does a month at a time. The caller holds the organization's claim.
    Answers counted under an earlier time zone sit in the month they were counted in; the slice of that
    month uncounts them and the slice of their month in `tz` counts them, so after the walk every answer
    is in its day in `tz`.
    """
    tz = tz or organization.zone
    result = MonthResult()
    for table, (fresh, current) in _snapshot(organization, tz, month, tables).items():
        deltas, corrected, rewrites = _deltas(organization, table, fresh, current)
        for start in range(0, len(deltas), BATCH):
            # Short transactions: an answer arriving meanwhile waits for one batch at most.
            with transaction.atomic():
                _apply(deltas[start : start + BATCH], table)
        if rewrites:
            from otklik.rollups.cases import case_clocks_rewrite

            case_clocks_rewrite(rewrites, table)
        if deltas:
            table.model.objects.filter(organization=organization, month_start=month, count=0).delete()
        if table is CASES:
            result.cases_corrected = corrected
        elif table is CASE_SEGMENTS:
            result.case_segments_corrected = corrected
        elif table is SEGMENTS:
            result.segments_corrected = corrected
        elif table is ANSWERS:
            result.corrected = corrected
            result.answers = sum(row["count"] for row in fresh.values() if row["grain"] == Grain.DAY)
            result.rows = len(fresh)
        else:
            result.tags_corrected = corrected
    return result


def rollups_reconcile_finish(
    *, organization: Organization, time_zone: str, now: datetime.datetime, answers: int, corrected: int
) -> None:
    """Record a finished walk: reconciled now in `time_zone` (the one its slices used), and free the claim.

    The SLA policies recorded are those in force now: a policy edited during the walk may leave some months'
    case rows counted under the old hours until the next walk (the edit itself makes the organization due).
    """
    from otklik.rollups.cases import _policies, policies_key

    RollupState.objects.filter(organization=organization).update(
        time_zone=time_zone,
        reconciled_at=now,
        answers_counted=answers,
        rows_corrected=corrected,
        claimed_until=None,
        case_policies=policies_key(_policies(organization)),
        segments_counted=True,
        case_segments_counted=True,
    )


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


def rollups_claim_extend(
    *, organization: Organization, until: datetime.datetime | None, now: datetime.datetime | None = None
) -> datetime.datetime | None:
    """Carry the claim ending at `until` on for another CLAIM_FOR (a walk's next slice); when it lapsed, take
    the organization again if it is free. Returns the new end, or None when another process holds it."""
    now = now or timezone.now()
    if until is not None and until > now:
        renewed = RollupState.objects.filter(organization=organization, claimed_until=until)
        if renewed.update(claimed_until=now + CLAIM_FOR):
            return now + CLAIM_FOR
    return rollups_claim(organization=organization, now=now)


def rollups_release(*, organization: Organization) -> None:
    """Give back a claim that will not be used (its task could not be queued)."""
    RollupState.objects.filter(organization=organization).update(claimed_until=None)


def rollups_reconcile(
    *, organization: Organization, now: datetime.datetime | None = None, claimed: bool = False
) -> ReconcileResult:
    """Recompute the organization's rollups from its raw answers and correct every row that differs,
    month by month in this process (the worker's task does the same walk a month per task).

    Idempotent (a second run finds nothing to correct) and safe while answers arrive. Also moves
    the days to the organization's current time zone. Raises RollupsBusy when another process
    holds the claim; `claimed` says the caller took it already (`rollups_claim`).
    """
    now = now or timezone.now()
    if not claimed and not _claim(organization, now):
        raise RollupsBusy(organization.slug)
    try:
        tz = organization.zone
        result = ReconcileResult(organization=organization, time_zone=organization.time_zone)
        span = reconcile_months(organization=organization, tz=tz)
        month = span[0] if span else None
        while span and month <= span[1]:
            part = rollups_reconcile_month(organization=organization, month=month, tz=tz)
            result.answers += part.answers
            result.rows += part.rows
            result.corrected += part.corrected
            result.tags_corrected += part.tags_corrected
            result.cases_corrected += part.cases_corrected
            result.segments_corrected += part.segments_corrected
            result.case_segments_corrected += part.case_segments_corrected
            month = month_after(month)
        rollups_reconcile_finish(
            organization=organization,
            time_zone=organization.time_zone,
            now=now,
            answers=result.answers,
            corrected=len(result.corrected),
        )
        return result
    except BaseException:
        RollupState.objects.filter(organization=organization).update(claimed_until=None)
        raise


def rollups_reconcile_cases(*, organization: Organization) -> list[tuple]:
    """Recompute the organization's case rollups alone (counts and clocks) from its cases, month by month, and
    record the SLA policies they were judged by; returns the keys corrected. Minutes fewer than a full walk at
    millions of answers: what a deployment runs once after the case rollups gained their clocks (migration
    rollups 0006), or after an SLA policy edit. The answers' rollups must already be counted in the organization's
    time zone (else `rollups_reconcile`); raises RollupsBusy when another process holds the claim.

    The cases by segment are walked too: their "in time" counts are judged by the same policies, which this walk
    records as those the case rows were counted under."""
    from otklik.rollups.cases import _policies, policies_key

    return _reconcile_alone(
        organization,
        (CASES, CASE_SEGMENTS),
        lambda: {"case_policies": policies_key(_policies(organization)), "case_segments_counted": True},
    )


def rollups_reconcile_segments(*, organization: Organization) -> list[tuple]:
    """Recompute the organization's segment rollups alone from its answers and their customers' segments of now,
    month by month, and mark them counted (so /metrics/?by=segment reads them); returns the keys corrected. What a
    deployment runs once after migrating to the segment rollups, instead of a full walk. The answers' rollups must
    already be counted in the organization's time zone (else `rollups_reconcile`); raises RollupsBusy when another
    process holds the claim. The cases by segment (`CaseSegmentRollup`) are walked with them and marked counted."""
    return _reconcile_alone(
        organization,
        (SEGMENTS, CASE_SEGMENTS),
        lambda: {"segments_counted": True, "case_segments_counted": True},
    )


_CORRECTED_OF = {
    CASES: "cases_corrected",
    SEGMENTS: "segments_corrected",
    CASE_SEGMENTS: "case_segments_corrected",
}


def _reconcile_alone(
    organization: Organization, tables: tuple[_Table, ...], finished: Callable[[], dict]
) -> list[tuple]:
    """Some rollup tables recomputed month by month under the organization's claim (the keys corrected returned);
    `finished()` gives what to record on its RollupState when the walk ends (with the claim released)."""
    if not RollupState.objects.filter(organization=organization, time_zone=organization.time_zone).exists():
        raise ValueError(f"{organization.slug}: rollups not counted in its time zone; run a full reconciliation")
    if not _claim(organization, timezone.now()):
        raise RollupsBusy(organization.slug)
    corrected: list[tuple] = []
    try:
        tz = organization.zone
        span = reconcile_months(organization=organization, tz=tz)
        month = span[0] if span else None
        while span and month <= span[1]:
            part = rollups_reconcile_month(organization=organization, month=month, tz=tz, tables=tables)
            for table in tables:
                corrected += getattr(part, _CORRECTED_OF[table])
            month = month_after(month)
        RollupState.objects.filter(organization=organization).update(**finished(), claimed_until=None)
        return corrected
    except BaseException:
        RollupState.objects.filter(organization=organization).update(claimed_until=None)
        raise


def organizations_due(*, now: datetime.datetime | None = None):
    """Organizations whose rollups were never reconciled, are in another time zone, are a day old, or whose case
    rollups wait for a reconciliation under edited SLA policies."""
    now = now or timezone.now()
    fresh_state = RollupState.objects.filter(
        organization=OuterRef("pk"), time_zone=OuterRef("time_zone"), reconciled_at__gte=now - RECONCILE_EVERY
    ).exclude(case_policies="")  # an SLA policy edited since: the case rollups are counted again
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
