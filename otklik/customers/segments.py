"""RFM segments (D6): recency, frequency and monetary scores from 1 to 5, and a named segment per customer.

Each score is the customer's quintile among the organization's customers who
bought anything: 5 is the most recent, the most frequent, the biggest spender.
Equal values get equal scores (1 000 customers with one purchase all score 1 on
frequency). The segment is read from the recency × frequency grid, with the
monetary score lifting a big spender into "can't lose them". The scores are
relative, so they say little until an organization has a few dozen customers.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, Max, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from otklik.accounts.models import Organization
from otklik.customers.models import Customer, OrderStatus, Purchase, SegmentRun
from otklik.customers.money import revenue_currency

# The worker recomputes an organization's segments at most this often.
SEGMENTS_EVERY = timedelta(days=1)
# Ids per UPDATE … WHERE id IN (…): under SQLite's limit on query parameters.
UPDATE_CHUNK = 900


class Segment:
    CHAMPIONS = "champions"
    LOYAL = "loyal"
    POTENTIAL = "potential"
    NEW = "new"
    NEEDS_ATTENTION = "needs_attention"
    AT_RISK = "at_risk"
    CANT_LOSE = "cant_lose"
    HIBERNATING = "hibernating"
    LOST = "lost"


SEGMENT_LABELS = {
    Segment.CHAMPIONS: _("Champions"),
    Segment.LOYAL: _("Loyal"),
    Segment.POTENTIAL: _("Potential loyalists"),
    Segment.NEW: _("New customers"),
    Segment.NEEDS_ATTENTION: _("Need attention"),
    Segment.AT_RISK: _("At risk"),
    Segment.CANT_LOSE: _("Can't lose them"),
    Segment.HIBERNATING: _("Hibernating"),
    Segment.LOST: _("Lost"),
}
SEGMENT_CHOICES = list(SEGMENT_LABELS.items())


def segment_label(code: str) -> str:
    """The segment's name in the user's language; empty for a customer without purchases."""
    return str(SEGMENT_LABELS.get(code, code))


def segment_of(*, recency: int, frequency: int, monetary: int) -> str:
    """The named segment for 1–5 scores (the classic R × F grid, monetary lifting big spenders)."""
    if recency >= 4:
        if frequency >= 4:
            return Segment.CHAMPIONS if recency == 5 else Segment.LOYAL
        if frequency >= 2:
            return Segment.POTENTIAL
        return Segment.NEW
    if recency == 3:
        return Segment.LOYAL if frequency >= 4 else Segment.NEEDS_ATTENTION
    # Recency 1–2: they used to buy and stopped.
    if frequency == 5 or monetary == 5:
        return Segment.CANT_LOSE
    if frequency >= 3:
        return Segment.AT_RISK
    return Segment.HIBERNATING if recency == 2 else Segment.LOST


def quintiles(values: list) -> list[int]:
    """Scores 1–5 by rank: the lowest fifth 1, the highest 5; equal values share the lower score."""
    count = len(values)
    order = sorted(range(count), key=lambda index: values[index])
    scores = [0] * count
    first_of_tie = 0
    for position, index in enumerate(order):
        if position and values[index] != values[order[position - 1]]:
            first_of_tie = position
        scores[index] = 1 + first_of_tie * 5 // count
    return scores


@dataclass
class SegmentsResult:
    scored: int = 0
    changed: int = 0
    cleared: int = 0


def _leaving(chunk: list[int], old_segments: dict[int, str], new: str) -> dict[str, list[int]]:
    """The chunk's customers whose segment changes, by the segment they leave ("" and None both "no segment")."""
    leaving: dict[str, list[int]] = defaultdict(list)
    for pk in chunk:
        if (old_segments[pk] or "") != (new or ""):
            leaving[old_segments[pk] or ""].append(pk)
    return leaving


def segments_compute(
    *,
    organization: Organization,
    now: datetime | None = None,
    moved: Callable[[list[int], str, str], object] | None = None,
) -> SegmentsResult:
    """Recompute every customer's RFM scores and segment; writes only the customers whose values changed.

    Monetary counts net revenue in the organization's revenue currency (see customers.money).
    Customers without orders (only returns, or nothing) get no scores and no segment. Each chunk of customers is
    written in its own transaction, and `moved(customer_ids, old, new)` is called in it, after the change, for
    each old segment the chunk's customers leave (the intake moves their answers in the segment rollups,
    `intake.segments`), so no long transaction holds the rollup rows the worker writes; a run stopped half-way
    leaves consistent chunks and the next run writes the rest.
    """
    now = now or timezone.now()
    currency = revenue_currency(organization=organization)
    # Recency and frequency are of orders (a return is not a visit that went well); monetary is the net
    # revenue in the revenue currency, returns taken off. Anonymous orders belong to no customer.
    orders = Q(status=OrderStatus.COMPLETED)
    rows = list(
        Purchase.objects.filter(organization=organization, customer__isnull=False)
        .values("customer_id")
        .annotate(
            last=Max("purchased_at", filter=orders),
            count=Count("id", filter=orders),
            total=Sum("amount", filter=Q(currency=currency)),
        )
        .filter(count__gt=0)
        .order_by("customer_id")
    )
    recency = quintiles([row["last"] for row in rows])  # the later the last purchase, the higher
    frequency = quintiles([row["count"] for row in rows])
    monetary = quintiles([row["total"] or 0 for row in rows])
    wanted = {
        row["customer_id"]: (r, f, m, segment_of(recency=r, frequency=f, monetary=m))
        for row, r, f, m in zip(rows, recency, frequency, monetary, strict=True)
    }
    result = SegmentsResult(scored=len(wanted))
    # Customers grouped by their new values: at most 126 distinct ones, one UPDATE per group (and per chunk of
    # ids), which is far cheaper than bulk_update's CASE per row on a large base.
    groups: dict[tuple, list[int]] = defaultdict(list)
    old_segments: dict[int, str] = {}
    current = Customer.objects.filter(organization=organization).values_list(
        "pk", "rfm_recency", "rfm_frequency", "rfm_monetary", "segment"
    )
    for pk, *values in current.iterator(chunk_size=2000):
        target = wanted.get(pk, (None, None, None, ""))
        if tuple(values) != target:
            groups[target].append(pk)
            old_segments[pk] = values[3]
    for (r, f, m, segment), ids in groups.items():
        for start in range(0, len(ids), UPDATE_CHUNK):
            chunk = ids[start : start + UPDATE_CHUNK]
            with transaction.atomic():
                Customer.objects.filter(pk__in=chunk).update(
                    rfm_recency=r, rfm_frequency=f, rfm_monetary=m, segment=segment
                )
                if moved is not None:
                    # After the change: an answer counted meanwhile under the old segment moves too.
                    for old, leaving in _leaving(chunk, old_segments, segment).items():
                        moved(leaving, old, segment)
        result.changed += len(ids)
        result.cleared += len(ids) if segment == "" else 0
    SegmentRun.objects.update_or_create(organization=organization, defaults={"computed_at": now, "claimed_at": now})
    return result


def segments_claim_due(*, now: datetime | None = None) -> list[int]:
    """Claim the organizations whose segments are older than a day (or never computed); returns their ids.

    The claim is an atomic conditional update, so two workers never both claim one organization.
    """
    now = now or timezone.now()
    claimed = []
    with_customers = Organization.objects.filter(
        Exists(Customer.objects.filter(organization=OuterRef("pk")))
    ).values_list("pk", flat=True)
    known = dict(SegmentRun.objects.values_list("organization_id", "claimed_at"))
    for organization_id in with_customers:
        if organization_id not in known:
            try:
                with transaction.atomic():
                    SegmentRun.objects.create(organization_id=organization_id, claimed_at=now)
            except IntegrityError:
                continue  # another worker created it a moment ago
            claimed.append(organization_id)
        elif (known[organization_id] is None or known[organization_id] <= now - SEGMENTS_EVERY) and (
            SegmentRun.objects.filter(organization_id=organization_id, claimed_at=known[organization_id]).update(
                claimed_at=now
            )
        ):
            claimed.append(organization_id)
    return claimed
