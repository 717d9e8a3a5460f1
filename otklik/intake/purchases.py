"""Receiving purchases: the orders are stored, then the invitations they call for are scheduled.

The customer base (customers) stores orders, their lines, customers and products and
credits each order to its seller; outreach schedules the invitations. Neither knows the
other's step: this flow, above both, runs them in order in one transaction, so an order
is never stored without its invitation (or stored twice with one). The API's purchase
pushes, the import (both its paths) and the demo loader come through here.
"""

from django.db import connection, transaction

from otklik.accounts.models import Organization
from otklik.customers.models import Purchase
from otklik.customers.services import (
    LinesSeen,
    UpsertResult,
    purchases_match_sellers,
    purchases_match_sellers_in_table,
    purchases_upsert,
)
from otklik.outreach.services import invitations_schedule, invitations_schedule_changed


def purchases_receive(
    *, organization: Organization, records: list[dict], seen: LinesSeen | None = None
) -> UpsertResult:
    """Store order lines (`customers.services.purchases_upsert`) and schedule one invitation per stored or changed
    order; all or nothing. A batch with an invalid record writes nothing and comes back with its errors."""
    with transaction.atomic():
        result = purchases_upsert(organization=organization, records=records, seen=seen)
        if not result.errors:
            invitations_schedule(organization=organization, purchase_ids=result.ids)
    return result


def purchases_changed(*, organization: Organization, purchase_ids: list[int]) -> None:
    """For purchases stored another way (the demo loader): sellers matched, invitations scheduled.

    Run it in the transaction that stored them.
    """
    purchases_match_sellers(organization=organization, purchases=Purchase.objects.filter(pk__in=purchase_ids))
    invitations_schedule(organization=organization, purchase_ids=purchase_ids)


def purchases_changed_in_table(*, organization: Organization, table: str) -> None:
    """`purchases_changed` for purchases listed in a table (PostgreSQL's import fast path), in the transaction.

    The table holds one row per stored or changed purchase: id, created, customer_id,
    product_id, purchased_at, status and employee_name, as stored (see
    outreach.services.invitations_schedule_changed).
    """
    # Only the purchases a seller's name can change: those naming one, and the updated ones (which may
    # have lost theirs). A new purchase without a name has no seller to set or to take away (the insert
    # leaves it empty). Where there is none, as in a first import of a file without sellers, the matching
    # is skipped; where there are, each listed purchase is read and updated by its id.
    sellers = "c.employee_name <> '' OR NOT c.created"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {table} c WHERE {sellers})")  # noqa: S608 - our own temp table
        (any_seller,) = cursor.fetchone()
    if any_seller:
        purchases_match_sellers_in_table(organization=organization, table=table, where=sellers)
    invitations_schedule_changed(organization=organization, table=table)
