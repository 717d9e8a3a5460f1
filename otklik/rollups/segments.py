"""The answers counted by their customer's *current* RFM segment (`SegmentRollup`): counted at intake, moved when
a segment changes, reconciled with the other rollups (docs/decisions/0047).

/metrics/?by=segment groups by the segment a customer has today, so a count made under the segment of the
answer's day would disagree after every daily segment run. Instead every write that changes a customer's segment
moves that customer's answers from the old segment's rows to the new one's, in its own transaction, so the rows
always hold the answers by today's segments:

- the intake counts an answer under the segment its customer has as the answer is stored (a subquery in the same
  upsert: on PostgreSQL the same one statement that stores the answer and its touchpoint rollup);
- the daily RFM run (`intake.segments.segments_recompute`) moves the answers of each customer whose segment it changed
  (`rollup_segments_move`), set-based: one grouped read of those customers' answers and one upsert per slice of
  customers, committed with the customers' new segment;
- the daily reconciliation recounts them from the answers joined to today's segments (`rollups.services`).

A customer's segment changed while one of its answers is being stored (between the intake's subquery and its
commit) leaves that answer under the old segment until the next reconciliation: the move, made after the change,
does not see the answer yet. A write that changes a segment or re-links answers elsewhere must call
`rollup_segments_move`; one that does not (a hand fix, a customer deleted, which leaves its answers without one)
drifts until the daily reconciliation, as the other rollups do.
"""

import functools
from collections.abc import Iterable

from django.db import connection
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from otklik.accounts.models import Organization
from otklik.rollups.cases import CaseFacts, _change_rows, _policies
from otklik.rollups.models import SCORES, Grain
from otklik.rollups.services import CASE_SEGMENTS, SEGMENTS, VALUE_COLUMNS, _answer_values, _apply, _has_text
from otklik.surveys.models import Response

# Customers whose answers one move reads at once: a statement's `IN` list, and a short transaction.
MOVE_SLICE = 500


def _customers_table() -> str:
    # The customers' table through the answers' key: the rollups sit below the customers app.
    return connection.ops.quote_name(Response._meta.get_field("customer").related_model._meta.db_table)


@functools.cache
def _segment_add_sql(vendor: str) -> str:
    """One answer's day and month rows under its customer's segment as it is now: INSERT … SELECT with the segment
    as a scalar subquery (no customer, or none found: "")."""
    quote = connection.ops.quote_name
    name = quote(SEGMENTS.model._meta.db_table)
    columns = ", ".join(quote(c) for c in (*SEGMENTS.key_columns, *SEGMENTS.values))
    values = ", ".join(["%s"] * len(SEGMENTS.values))
    increments = ", ".join(f"{quote(c)} = {name}.{quote(c)} + excluded.{quote(c)}" for c in SEGMENTS.values)
    target = ", ".join(quote(c) for c in SEGMENTS.conflict)
    segment = f"COALESCE((SELECT c.{quote('segment')} FROM {_customers_table()} c WHERE c.{quote('id')} = %s), '')"
    assert SEGMENTS.key_columns[4:] == ("grain", "start", "month_start")  # the three the rows below make
    if vendor == "postgresql":
        # Each value passed once (the intake binds them on the server); the day and the month made in SQL.
        rows = (
            "FROM (SELECT %s::date AS day, %s::date AS month) AS d, "
            f"LATERAL (VALUES ('{Grain.DAY.value}', d.day), ('{Grain.MONTH.value}', d.month)) AS g (grain, start)"
        )
        month = "d.month"
    else:
        # SQLite: `WHERE true` tells its parser the ON CONFLICT is the upsert's, not a join's.
        rows = f"FROM (SELECT '{Grain.DAY.value}' AS grain, %s AS start UNION ALL SELECT '{Grain.MONTH.value}', %s) g"
        rows += " WHERE true"
        month = "%s"
    return (
        f"INSERT INTO {name} ({columns}) SELECT %s, %s, {segment}, %s, g.grain, g.start, {month}, {values} "
        f"{rows} ON CONFLICT ({target}) DO UPDATE SET {increments}"
    )


def segment_add_statement(*, response: Response, organization: Organization, sign: int = +1) -> tuple[str, list]:
    """The statement that counts one answer (`sign` −1: uncounts it) in its day's and month's segment rollups under
    its customer's current segment, as SQL and parameters (plain values, for a cursor that binds them on the
    server too), for a caller that joins it with another statement (`WITH segment_counted AS (…) …`)."""
    day = timezone.localtime(response.created_at, organization.zone).date()
    month = day.replace(day=1)
    adapt = connection.ops.adapt_datefield_value
    key = [organization.pk, response.location_id, response.customer_id, response.kind]
    values = _answer_values(response.score, sign, _has_text(response))
    if connection.vendor == "postgresql":
        return _segment_add_sql(connection.vendor), [*key, *values, adapt(day), adapt(month)]
    return _segment_add_sql(connection.vendor), [*key, adapt(month), *values, adapt(day), adapt(month)]


def rollup_segments_add(responses: Iterable[Response]) -> None:
    """Count answers (each with its organization loaded) under their customers' current segments, in the
    transaction that stores them or clears their pending mark: one read of the segments, one upsert for all.

    The worker counts a claim of pending answers this way (decision 0046), as the intake's subquery does for one
    answer (`segment_add_statement`)."""
    responses = list(responses)
    customers = Response._meta.get_field("customer").related_model
    ids = {response.customer_id for response in responses if response.customer_id}
    segments = dict(customers.objects.filter(pk__in=ids).values_list("pk", "segment")) if ids else {}
    totals: dict[tuple, list[int]] = {}
    for response in responses:
        organization = response.organization
        day = timezone.localtime(response.created_at, organization.zone).date()
        month = day.replace(day=1)
        segment = segments.get(response.customer_id) or ""
        values = _answer_values(response.score, +1, _has_text(response))
        for grain, start in ((Grain.DAY, day), (Grain.MONTH, month)):
            key = (organization.pk, response.location_id, segment, response.kind, grain, start, month)
            total = totals.setdefault(key, [0] * len(VALUE_COLUMNS))
            for i, value in enumerate(values):
                total[i] += value
    _apply([[*key, *values] for key, values in totals.items()], SEGMENTS)


def _moved_rows(organization: Organization, customer_ids: list[int], old: str, new: str) -> list[list]:
    """The rows that move these customers' answers from segment `old` to `new`: per location, kind and day (and
    month), the answers' values taken off `old` and added to `new`."""
    per_score = {f"s{score}": Count("id", filter=Q(score=score)) for score in SCORES}
    answers = (
        # A pending answer is not counted yet: the worker counts it under the segment it finds (decision 0046).
        Response.objects.filter(organization=organization, customer_id__in=customer_ids, rules_pending=False)
        .annotate(day=TruncDate("created_at", tzinfo=organization.zone))
        .values("location_id", "kind", "day")
        .annotate(
            count=Count("id"),
            with_text=Count("id", filter=~Q(comment="") | ~Q(second_answer="")),
            score_sum=Sum("score"),
            **per_score,
        )
        .order_by()
    )
    totals: dict[tuple, list[int]] = {}
    for row in answers:
        month = row["day"].replace(day=1)
        values = [row[c] or 0 for c in VALUE_COLUMNS]
        for grain, start in ((Grain.DAY, row["day"]), (Grain.MONTH, month)):
            for segment, sign in ((old, -1), (new, +1)):
                key = (organization.pk, row["location_id"], segment, row["kind"], grain, start, month)
                total = totals.setdefault(key, [0] * len(VALUE_COLUMNS))
                for i, value in enumerate(values):
                    total[i] += sign * value
    return [[*key, *values] for key, values in totals.items() if any(values)]


def _moved_case_rows(organization: Organization, customer_ids: list[int], old: str, new: str, policies) -> list[list]:
    """The case rollup rows by segment that move these customers' cases from segment `old` to `new`: each case's
    counts and clocks taken off `old` (its clocks as gone) and added to `new`. `policies()` reads the SLA policies
    (once, and only when a case has a clock to judge)."""
    cases = organization.cases.filter(customer_id__in=customer_ids).values_list(
        "location_id", "severity", "created_at", "thanked_at", "resolved_at"
    )
    facts = [CaseFacts(location, None, None, severity, *at) for location, severity, *at in cases.order_by()]
    if not facts:
        return []
    judged = policies() if any(f.thanked_at or f.resolved_at for f in facts) else None
    tz = organization.zone
    rows = []
    for segment, sign in ((old, -1), (new, +1)):
        place = functools.partial(_case_place, organization.pk, segment)
        rows += _change_rows([(f, sign) for f in facts], judged, tz, place)
    return rows


def _case_place(organization_id: int, segment: str, facts: CaseFacts) -> tuple:
    return organization_id, facts.location_id, segment


def rollup_segments_move(*, organization: Organization, customer_ids: Iterable[int], old: str, new: str) -> int:
    """Move the answers and the cases of these customers from segment `old` to `new` in the segment rollups and the
    case rollups by segment; returns the rows written. Call it in the transaction that changes their segment,
    *after* the change: an answer or case counted meanwhile was counted under the segment its writer read (the old
    one, the change not yet committed) and is moved here.

    Set-based: per slice of MOVE_SLICE customers one grouped read of their answers and one upsert of the
    differences, one read of their cases and (when they have any) one upsert of those (`None` or "" segments are
    both "no segment")."""
    old, new = old or "", new or ""
    ids = sorted(set(customer_ids))
    if old == new or not ids:
        return 0
    written = 0
    policies = functools.cache(lambda: _policies(organization))
    for start in range(0, len(ids), MOVE_SLICE):
        rows = _moved_rows(organization, ids[start : start + MOVE_SLICE], old, new)
        for first in range(0, len(rows), 1000):
            _apply(rows[first : first + 1000], SEGMENTS)
        written += len(rows)
        rows = _moved_case_rows(organization, ids[start : start + MOVE_SLICE], old, new, policies)
        for first in range(0, len(rows), 1000):
            _apply(rows[first : first + 1000], CASE_SEGMENTS)
        written += len(rows)
    return written
