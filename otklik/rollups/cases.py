"""The case rollups: complaints opened, answered and resolved (and within their SLA) per place, day and month.

Case counts are sums over cases, so they are kept like the answer rollups: one increment per change of a case,
in the transaction that changes it, and a month-by-month reconciliation from the cases
(`rollups.services.rollups_reconcile_month` walks them with the answers). /people/ reads them (0031). Each row
also carries its cases' clocks, packed and appended to (`pack`, ADR 0042), so /metrics/ and the report take
exact medians and 90th percentiles from the rows instead of reading the period's cases.

"In time" is judged by the organization's SLA policy per severity (`sla.selectors.sla_policies`), as
the reports judge it: an unknown severity is held to the medium one. The policies the counts were judged by
are recorded (`policies_key`); after an edit of a policy the rows are not read until a reconciliation
counted them again under the new hours.
"""

import datetime
import functools
import struct
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db import connection
from django.db.models import Case as Cases
from django.db.models import Count, F, Q, Value, When
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from otklik.accounts.models import Organization
from otklik.batch import gather
from otklik.rollups.models import Grain, RollupState

HOUR = datetime.timedelta(hours=1)
MICROSECOND = datetime.timedelta(microseconds=1)
MEDIUM = "medium"  # cases.models.Severity.MEDIUM: the policy of a severity that has none
CASE_VALUES = ("count", "answered", "answered_in_time", "resolved", "resolved_in_time")


@dataclass(frozen=True)
class CaseFacts:
    """What the case rollups count of one case: where it was opened, by whom it is held, and its clock."""

    location_id: int
    touchpoint_id: int | None
    responsible_id: int | None
    severity: str
    created_at: datetime.datetime
    thanked_at: datetime.datetime | None
    resolved_at: datetime.datetime | None
    # Whose complaint it is: the case rollups by segment count it under this customer's current segment.
    customer_id: int | None = None


def case_facts(case) -> CaseFacts:
    """The counted fields of a case as they are now: take them before changing a case, and again after."""
    return CaseFacts(
        location_id=case.location_id,
        touchpoint_id=case.touchpoint_id,
        responsible_id=case.responsible_id,
        severity=case.severity,
        created_at=case.created_at,
        thanked_at=case.thanked_at,
        resolved_at=case.resolved_at,
        customer_id=case.customer_id,
    )


# The SLA policies per severity of an organization: `sla.selectors.sla_policies`, which the sla app registers
# when it is ready (`policies_reader`). The rollups sit below cases and sla, so they are handed the reader.
_read_policies: Callable[..., dict] | None = None


def policies_reader(reader: Callable[..., dict]) -> None:
    """Say how to read an organization's SLA policies per severity (`reader(organization=…)`)."""
    global _read_policies
    _read_policies = reader


def _policies(organization: Organization) -> dict:
    if _read_policies is None:
        raise RuntimeError("No SLA policies reader: the sla app registers one when it is ready.")
    return _read_policies(organization=organization)


def policies_key(policies: dict) -> str:
    """The SLA hours per severity as one short string: what the "in time" counts were judged by."""
    return " ".join(f"{s}:{p.first_answer_hours}/{p.resolution_hours}" for s, p in sorted(policies.items()))


def _hours(policies: dict, severity: str, attr: str) -> datetime.timedelta:
    policy = policies.get(severity) or policies[MEDIUM]
    return getattr(policy, attr) * HOUR


def _values(facts: CaseFacts, policies: dict | None, sign: int) -> list[int]:
    answered, resolved = facts.thanked_at is not None, facts.resolved_at is not None
    answered_in_time = resolved_in_time = False
    if answered:
        answered_in_time = facts.thanked_at <= facts.created_at + _hours(policies, facts.severity, "first_answer_hours")
    if resolved:
        resolved_in_time = facts.resolved_at <= facts.created_at + _hours(policies, facts.severity, "resolution_hours")
    return [sign * int(v) for v in (True, answered, answered_in_time, resolved, resolved_in_time)]


def rollup_case_change(
    *, organization: Organization, before: CaseFacts | None = None, after: CaseFacts | None = None
) -> None:
    """Count a case opened (`after` only), changed (both) or deleted (`before` only); call it in the transaction
    that writes the case. At most one statement on PostgreSQL (the rows by place and those by the customer's
    segment of now in one upsert), two on SQLite (no data-modifying WITH); none when nothing counted changed (a
    note, an apology).

    The policies are read only for a case answered or resolved: a new case is in time by nobody's clock yet.
    """
    if before == after:
        return
    clocked = any(f is not None and (f.thanked_at or f.resolved_at) for f in (before, after))
    policies = _policies(organization) if clocked else None
    tz = organization.zone
    changes = [(facts, sign) for facts, sign in ((before, -1), (after, +1)) if facts is not None]
    # By place (location, touchpoint, person, severity), and by the customer, whose segment the upsert reads.
    rows = _change_rows(changes, policies, tz, lambda f: (organization.pk, f.location_id, *_place(f)))
    by_customer = _change_rows(changes, policies, tz, lambda f: (organization.pk, f.location_id, f.customer_id))
    # In the worker's batch of answers, added to the batch's other cases and written once at its end (decision 0040).
    if rows and gather(GATHERED, rows):
        rows = []
    if by_customer and gather(GATHERED_BY_CUSTOMER, by_customer):
        by_customer = []
    _write(rows, by_customer)


def _place(facts: CaseFacts) -> tuple:
    return facts.touchpoint_id or 0, facts.responsible_id or 0, facts.severity


def _change_rows(changes: list, policies: dict | None, tz, place: Callable[[CaseFacts], tuple]) -> list[list]:
    """The rows (`place(facts)`, grain, start, month, the counts, the packed clocks) that count `changes`, (facts,
    sign) pairs; rows that change nothing left out."""
    totals: dict[tuple, list[int]] = {}
    # Per row and clock: the clocks counted (+1) and uncounted (-1); a clock both leaves and comes back in one
    # row (a case answered and then resolved keeps its first-answer clock) is not written at all.
    clocks: dict[tuple, tuple[Counter, Counter]] = {}
    for facts, sign in changes:
        day = timezone.localtime(facts.created_at, tz).date()
        month = day.replace(day=1)
        values = _values(facts, policies, sign)
        for grain, start in ((Grain.DAY, day), (Grain.MONTH, month)):
            key = (*place(facts), grain, start, month)
            total = totals.setdefault(key, [0] * len(CASE_VALUES))
            for i, value in enumerate(values):
                total[i] += value
            for counter, us in zip(clocks.setdefault(key, (Counter(), Counter())), case_clocks(facts), strict=True):
                if us is not None:
                    counter[us] += sign
    rows = []
    for key, values in totals.items():
        packed = []
        for counter in clocks[key]:
            packed += [pack(counter.elements()), pack((-counter).elements())]
        if any(values) or any(packed):
            rows.append([*key, *values, *packed])
    return rows


GATHERED = "rollup_cases"
GATHERED_BY_CUSTOMER = "rollup_cases_by_customer"


def rollup_cases_add_gathered(rows: list[list], by_customer: list[list] = ()) -> None:
    """Write the case rollup rows a batch gathered (`rollup_case_change` inside `otklik.batch.item`): `rows` by
    place (GATHERED) and `by_customer` (GATHERED_BY_CUSTOMER), rows of the same key added up first; one statement
    for the batch on PostgreSQL.

    Counts add up; packed clocks are joined by concatenation, as the upsert itself joins them (clocks less those
    gone is the same multiset either way).
    """
    _write(_added_up(rows), _added_up(by_customer))


def _added_up(rows) -> list[list]:
    keys = len(rows[0]) - len(CASE_VALUES) - 4 if rows else 0  # the key columns, then the counts and 4 packed
    totals: dict[tuple, list] = {}
    for row in rows:
        total = totals.setdefault(tuple(row[:keys]), [0] * len(CASE_VALUES) + [b""] * 4)
        for i, value in enumerate(row[keys:]):
            total[i] += value
    return [[*key, *values] for key, values in totals.items() if any(values)]


def _write(rows: list[list], by_customer: list[list]) -> None:
    """Add case rollup rows by place and rows keyed by customer (counted under its segment of now, "" for none)."""
    from otklik.rollups.services import CASES, _apply

    if not by_customer:
        _apply(rows, CASES)
        return
    if connection.vendor == "postgresql":
        # The segment joined in the by-segment upsert, made a CTE of the by-place one: a single statement.
        sql, params = _by_customer_upsert(by_customer)
        if rows:
            cases_sql, cases_params = _unnest_upsert(rows, CASES)
            sql, params = f"WITH case_segments_counted AS ({sql}) {cases_sql}", [*params, *cases_params]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
        return
    # SQLite (no data-modifying WITH): one more statement, each row's upsert with its customer's segment as a
    # subquery, run row by row (executemany), so two customers of one segment land in the same row.
    _apply(rows, CASES)
    adapt = connection.ops.adapt_datefield_value
    with connection.cursor() as cursor:
        cursor.executemany(
            _by_customer_upsert_sql(connection.vendor),
            [[*row[:4], adapt(row[4]), adapt(row[5]), *row[6:]] for row in by_customer],
        )


def _customers():
    # The customers' model through the cases' key: the rollups sit below the customers app.
    from otklik.surveys.models import Response

    return Response._meta.get_field("customer").related_model


def _unnest_upsert(rows: list[list], table) -> tuple[str, list]:
    from otklik.rollups.services import _upsert_sql

    adapt = connection.ops.adapt_datefield_value
    keys = len(table.key_columns)
    rows = [[*row[: keys - 2], adapt(row[keys - 2]), adapt(row[keys - 1]), *row[keys:]] for row in rows]
    return _upsert_sql(connection.vendor, table, unnest=True), [list(column) for column in zip(*rows, strict=True)]


@functools.cache
def _by_customer_upsert_sql(vendor: str = "postgresql") -> str:
    from otklik.rollups.services import CASE_SEGMENTS

    quote = connection.ops.quote_name
    table = CASE_SEGMENTS
    name = quote(table.model._meta.db_table)
    columns = ", ".join(quote(c) for c in (*table.key_columns, *table.values, *table.packed))
    values = [f"v{i}" for i in range(len(table.values))]
    packed = [f"p{i}" for i in range(len(table.packed))]
    types = ["bigint", "bigint", "bigint", "varchar", "date", "date", *table.value_types, *["bytea"] * len(packed)]
    unnest = ", ".join(f"%s::{t}[]" for t in types)
    segment = f"COALESCE(c.{quote('segment')}, '')"
    sums = ", ".join([f"sum(v.{v})" for v in values] + [f"string_agg(v.{p}, ''::bytea)" for p in packed])
    increments = ", ".join(
        [f"{quote(c)} = {name}.{quote(c)} + excluded.{quote(c)}" for c in table.values]
        + [f"{quote(c)} = {name}.{quote(c)} || excluded.{quote(c)}" for c in table.packed]
    )
    target = ", ".join(quote(c) for c in table.conflict)
    assert table.key_columns == ("organization_id", "location_id", "segment", "grain", "start", "month_start")
    customers = quote(_customers()._meta.db_table)
    if vendor != "postgresql":
        # One row: its customer's segment as a scalar subquery; `WHERE true` tells SQLite's parser the ON CONFLICT
        # is the upsert's. Appended blobs are cast back from the text || makes.
        increments = ", ".join(
            [f"{quote(c)} = {name}.{quote(c)} + excluded.{quote(c)}" for c in table.values]
            + [f"{quote(c)} = CAST({name}.{quote(c)} || excluded.{quote(c)} AS BLOB)" for c in table.packed]
        )
        placeholders = ", ".join(["%s"] * (len(table.values) + len(table.packed)))
        return (
            f"INSERT INTO {name} ({columns}) SELECT %s, %s, "
            f"COALESCE((SELECT c.{quote('segment')} FROM {customers} c WHERE c.{quote('id')} = %s), ''), "
            f"%s, %s, %s, {placeholders} WHERE true ON CONFLICT ({target}) DO UPDATE SET {increments}"
        )
    return (
        f"INSERT INTO {name} ({columns}) SELECT v.o, v.l, {segment}, v.g, v.s, v.m, {sums} "
        f"FROM unnest({unnest}) AS v (o, l, cu, g, s, m, {', '.join(values + packed)}) "
        f"LEFT JOIN {customers} c ON c.{quote('id')} = v.cu "
        f"GROUP BY v.o, v.l, {segment}, v.g, v.s, v.m ON CONFLICT ({target}) DO UPDATE SET {increments}"
    )


def _by_customer_upsert(rows: list[list]) -> tuple[str, list]:
    """PostgreSQL: rows keyed (organization, location, customer or None, grain, start, month) added to the case
    rollups by segment under each customer's segment as it is now, added up per segment in the same statement."""
    adapt = connection.ops.adapt_datefield_value
    rows = [[*row[:4], adapt(row[4]), adapt(row[5]), *row[6:]] for row in rows]
    return _by_customer_upsert_sql(), [list(column) for column in zip(*rows, strict=True)]


def case_clocks(facts: CaseFacts) -> tuple[int | None, int | None]:
    """A case's time to first answer and to resolution in whole microseconds (None: not answered, not resolved)."""
    return tuple(
        None if end is None else (end - facts.created_at) // MICROSECOND
        for end in (facts.thanked_at, facts.resolved_at)
    )


def pack(clocks) -> bytes:
    """Clocks in whole microseconds as the case rollups store them: 8-byte big-endian signed integers, as
    PostgreSQL's int8send writes them, so rows' clocks are joined by concatenating bytes."""
    clocks = list(clocks)
    return struct.pack(f">{len(clocks)}q", *clocks)


def unpack(packed: bytes) -> list[int]:
    """The clocks `pack` packed."""
    return list(struct.unpack(f">{len(packed) // 8}q", packed))


def _multiset_minus(values: list[int], gone: list[int]) -> Counter:
    left = Counter(values)
    left.subtract(gone)
    return +left  # a clock gone that the row never held is ignored


def stored_clocks(row: dict) -> tuple[Counter, Counter]:
    """The clocks a case rollup row counts (its clocks less those gone), first answer and resolution, as multisets."""
    return tuple(
        _multiset_minus(unpack(row[f"{clock}_us"]), unpack(row[f"{clock}_gone"]))
        for clock in ("first_answer", "resolution")
    )


def clock_drift(row: dict, clocks: tuple[list[int], list[int]]) -> tuple[tuple[list, list], tuple[list, list]]:
    """What a stored row (as read) lacks of `clocks` (first answer, resolution) and what it holds beyond them."""
    counted, fresh = stored_clocks(row), tuple(Counter(c) for c in clocks)
    missing = tuple(sorted((f - c).elements()) for c, f in zip(counted, fresh, strict=True))
    extra = tuple(sorted((c - f).elements()) for c, f in zip(counted, fresh, strict=True))
    return missing, extra


def pack_clocks(clocks: tuple[list[int], list[int]]) -> list[bytes]:
    """The packed columns of a row holding exactly `clocks` (first answer, resolution): nothing gone."""
    first, resolution = clocks
    return [pack(first), b"", pack(resolution), b""]


def case_clocks_rewrite(rewrites: list[tuple[dict, tuple[list[int], list[int]]]], table=None) -> None:
    """Write case rollup rows' clocks again (the reconciliation): each row, as it was read, gets exactly the fresh
    clocks and nothing gone. A row changed since it was read (a case change appended to it meanwhile) is not
    overwritten: the difference between what was read and the fresh clocks is appended instead, which lands
    beside the concurrent change as the count increments do. `table`: the case rollups (CASES, the default) or
    those by segment (CASE_SEGMENTS)."""
    from otklik.rollups.services import CASES, _apply

    table = table or CASES
    for row, clocks in rewrites:
        first, resolution = pack_clocks(clocks)[::2]
        as_read = {c: row[c] for c in table.packed}
        if table.model.objects.filter(pk=row["id"], **as_read).update(
            first_answer_us=first, first_answer_gone=b"", resolution_us=resolution, resolution_gone=b""
        ):
            continue
        packed = []
        for counted, fresh in zip(stored_clocks(row), clocks, strict=True):
            fresh = Counter(fresh)
            packed += [pack((fresh - counted).elements()), pack((counted - fresh).elements())]
        key = [row["organization_id"], *(row[c] for c in table.key_columns[1:])]
        _apply([[*key, *[0] * len(table.values), *packed]], table)


def case_clocks_fresh(
    organization: Organization,
    tz: datetime.tzinfo,
    since: datetime.datetime,
    until: datetime.datetime,
    *,
    by_segment: bool = False,
) -> Iterator[tuple[tuple, int | None, int | None]]:
    """Each case opened in [since, until): its day row's key (location, touchpoint or 0, person or 0, severity,
    day; `by_segment`: location, its customer's segment of now or "", day) and its two clocks in whole
    microseconds (`case_clocks`)."""
    cases = organization.cases.filter(created_at__gte=since, created_at__lt=until)
    place = ("segment_key",) if by_segment else ("touchpoint_id", "responsible_id", "severity")
    if by_segment:
        cases = cases.annotate(segment_key=Coalesce(F("customer__segment"), Value("")))
    rows = cases.annotate(day=TruncDate("created_at", tzinfo=tz)).values_list(
        "location_id", *place, "day", "created_at", "thanked_at", "resolved_at"
    )
    for location, *where, day, created, thanked, resolved in rows.order_by().iterator(chunk_size=2000):
        clocks = [None if end is None else (end - created) // MICROSECOND for end in (thanked, resolved)]
        if not by_segment:
            where = [where[0] or 0, where[1] or 0, where[2]]
        yield (location, *where, day), *clocks


def sla_interval(policies: dict, attr: str) -> Cases:
    """The hours of a case's severity's policy (`attr`) as an interval, in SQL; an unknown severity: medium's."""
    return Cases(
        *(When(severity=severity, then=Value(getattr(p, attr) * HOUR)) for severity, p in policies.items()),
        default=Value(getattr(policies[MEDIUM], attr) * HOUR),
    )


def cases_fresh(
    organization: Organization,
    tz: datetime.tzinfo,
    since: datetime.datetime,
    until: datetime.datetime,
    *,
    by_segment: bool = False,
):
    """The case rollup rows (day grain) of the cases opened in [since, until), counted from the cases; `by_segment`:
    those of the case rollups by segment (location, the customer's segment of now or "", day)."""
    policies = _policies(organization)
    # Through the organization's reverse relation: the rollups do not import the cases app above them.
    cases = organization.cases.filter(created_at__gte=since, created_at__lt=until)
    if by_segment:
        place = {"segment": Coalesce(F("customer__segment"), Value(""))}
    else:
        place = {
            "touchpoint_key": Coalesce(F("touchpoint_id"), Value(0)),
            "responsible_key": Coalesce(F("responsible_id"), Value(0)),
        }
    return (
        cases.annotate(
            day=TruncDate("created_at", tzinfo=tz),
            first_due=F("created_at") + sla_interval(policies, "first_answer_hours"),
            resolution_due=F("created_at") + sla_interval(policies, "resolution_hours"),
            **place,
        )
        .values("location_id", *place, *(() if by_segment else ("severity",)), "day")
        .annotate(
            count=Count("id"),
            answered=Count("id", filter=Q(thanked_at__isnull=False)),
            answered_in_time=Count("id", filter=Q(thanked_at__lte=F("first_due"))),
            resolved=Count("id", filter=Q(resolved_at__isnull=False)),
            resolved_in_time=Count("id", filter=Q(resolved_at__lte=F("resolution_due"))),
        )
        .order_by()
    )


def case_rollups_ready(*, organization: Organization, policies: dict, segments: bool = False) -> bool:
    """Whether the case rollups may be read: reconciled in the organization's time zone under these policies (and
    with `segments`, those by segment counted too: `RollupState.case_segments_counted`)."""
    counted = {"case_segments_counted": True} if segments else {}
    return RollupState.objects.filter(
        organization=organization,
        time_zone=organization.time_zone,
        reconciled_at__isnull=False,
        case_policies=policies_key(policies),
        **counted,
    ).exists()


def case_rollups_policies_changed(*, organization: Organization) -> None:
    """An SLA policy was edited: stop reading the case rollups' "in time" counts and make the organization due
    for reconciliation (`services.organizations_due`), which counts them again under the new hours."""
    RollupState.objects.filter(organization=organization).update(case_policies="")
