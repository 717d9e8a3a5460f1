"""Order-lines files: both write paths store the same orders, lines, statuses and invitations."""

from datetime import UTC, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from otklik.customers.models import Product, Purchase, PurchaseLine
from otklik.imports.readers import detect_format
from otklik.imports.services import import_file, whole_orders
from otklik.imports.tests.helpers import write_csv
from otklik.outreach.models import ScheduledInvitation, ScheduledStatus

HEADER = ["InvoiceNo", "StockCode", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Currency", "Status"]
MAPPING = {
    "external_id": 0,
    "product_external_id": 1,
    "quantity": 2,
    "purchased_at": 3,
    "unit_price": 4,
    "customer_external_id": 5,
    "currency": 6,
    "status": 7,
}


@pytest.fixture(params=[False, True], ids=["orm", "postgresql-fast-path"])
def fast(request):
    if request.param and connection.vendor != "postgresql":
        pytest.skip("the fast path is PostgreSQL's")
    return request.param


def run(organization, path, **kwargs):
    return import_file(
        organization=organization, kind="purchases", path=path, fmt=detect_format(path), mapping=MAPPING, **kwargs
    )


def rows(now) -> list[list]:
    """Lines as UCI Online Retail lists them (its invoice numbers and stock codes), dated in the last days."""
    at = (now - timedelta(days=1)).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    return [
        ["536365", "85123A", "6", at, "2.55", "17850", "", ""],
        ["536365", "71053", "6", at, "3.39", "17850", "", ""],
        ["536365", "84406B", "8", at, "2.75", "17850", "", ""],
        ["536366", "22633", "6", at, "1.85", "17850", "", ""],
        ["536367", "84879", "32", at, "1.69", "13047", "GBP", ""],
        ["536367", "22745", "6", at, "2.10", "13047", "GBP", ""],
        ["C536379", "D", "-1", at, "27.50", "14527", "", ""],  # a cancellation: takes revenue back
        ["536380", "22961", "24", at, "1.45", "", "", ""],  # without a customer: anonymous
        ["536381", "22139", "2", at, "4.95", "13047", "EUR", ""],
        ["536382", "22139", "3", at, "4.95", "14527", "", "отменён"],  # cancelled by its status
    ]


def stored(organization) -> dict:
    orders = sorted(
        Purchase.objects.filter(organization=organization).values_list(
            "external_id", "customer__external_id", "product__external_id", "amount", "currency", "status"
        )
    )
    lines = sorted(
        PurchaseLine.objects.filter(purchase__organization=organization).values_list(
            "purchase__external_id", "line_no", "product__external_id", "quantity", "unit_price", "amount"
        )
    )
    invitations = sorted(
        ScheduledInvitation.objects.filter(organization=organization).values_list("purchase__external_id", "status")
    )
    return {"orders": orders, "lines": lines, "invitations": invitations}


@pytest.mark.django_db
def test_orders_with_lines_returns_and_anonymous_orders(world, tmp_path, fast):
    now = timezone.now()
    world.org.time_zone = "UTC"
    world.org.currency = "GBP"
    world.org.save()
    path = write_csv(tmp_path / "lines.csv", [HEADER, *rows(now)], delimiter=",")
    report = run(world.org, path, fast=fast, chunk_rows=2)
    assert (report.created, report.updated, report.unchanged) == (7, 0, 0)
    data = stored(world.org)
    orders = {order[0]: order[3:] for order in data["orders"]}
    assert orders["536365"] == (Decimal("57.64"), "GBP", "completed")  # 15.30 + 20.34 + 22.00
    assert orders["C536379"] == (Decimal("-27.50"), "GBP", "cancelled")
    assert orders["536380"] == (Decimal("34.80"), "GBP", "completed")
    assert orders["536381"][1] == "EUR"
    assert orders["536382"] == (Decimal("0.00"), "GBP", "cancelled")
    assert [line[1:3] for line in data["lines"] if line[0] == "536365"] == [(1, "85123A"), (2, "71053"), (3, "84406B")]
    assert (
        dict(Purchase.objects.filter(organization=world.org).values_list("external_id", "customer"))["536380"] is None
    )
    # One invitation per completed order with a customer; none for the cancelled ones or the anonymous one.
    assert data["invitations"] == [
        ("536365", "scheduled"),
        ("536366", "scheduled"),
        ("536367", "scheduled"),
        ("536381", "scheduled"),
    ]
    again = run(world.org, path, fast=fast, chunk_rows=3)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 7)
    assert stored(world.org) == data


@pytest.mark.django_db
def test_both_paths_store_the_same_even_when_an_order_is_scattered(world, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the fast path is PostgreSQL's")
    now = timezone.now()
    lines = rows(now)
    scattered = [*lines, ["536365", "21730", "6", lines[0][3], "4.25", "17850", "", ""]]  # the order goes on later
    path = write_csv(tmp_path / "lines.csv", [HEADER, *scattered], delimiter=",")
    run(world.org, path, fast=False, chunk_rows=3)
    run(world.other_org, path, fast=True, chunk_rows=3)
    assert stored(world.org) == stored(world.other_org)
    assert len([line for line in stored(world.org)["lines"] if line[0] == "536365"]) == 4
    # The order shrinks in the next file: its lines follow, its amount too, on both paths.
    shorter = [line for line in scattered if line[1] not in ("71053", "21730")]
    path = write_csv(tmp_path / "shorter.csv", [HEADER, *shorter], delimiter=",")
    orm = run(world.org, path, fast=False, chunk_rows=3)
    pg = run(world.other_org, path, fast=True, chunk_rows=3)
    assert (orm.updated, pg.updated) == (1, 1)
    assert stored(world.org) == stored(world.other_org)
    assert Purchase.objects.get(organization=world.org, external_id="536365").amount == Decimal("37.30")


@pytest.mark.django_db
def test_a_first_import_looks_up_among_the_stored_orders_only_those_an_earlier_chunk_stored(world, tmp_path):
    """The organization had no orders: only an order continued from an earlier chunk can be stored, so only
    those are looked for in the purchases' unique index, not each of the chunk's orders (ADR 0078)."""
    if connection.vendor != "postgresql":
        pytest.skip("the fast path is PostgreSQL's")
    at = rows(timezone.now())[0][3]
    orders = [[f"5{n:05}", "22139", "1", at, "4.95", "17850", "", ""] for n in range(30)]
    scattered = [*orders, ["500000", "21730", "6", at, "4.25", "17850", "", ""]]  # the first order goes on
    path = write_csv(tmp_path / "lines.csv", [HEADER, *scattered], delimiter=",")

    def probes() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_get_xact_numscans('purchase_unique_external_id'::regclass)")
            return cursor.fetchone()[0]

    before = probes()
    assert run(world.other_org, path, fast=True, chunk_rows=3).ok
    # The continued order and the import's own reads (has the organization orders?): not one per order (31).
    assert probes() - before <= 3
    assert [line[:2] for line in stored(world.other_org)["lines"] if line[0] == "500000"] == [
        ("500000", 1),
        ("500000", 2),
    ]


def _index_scans(index: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_get_xact_numscans(%s::regclass)", [index])
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_a_chunk_looks_each_of_its_customers_up_once_not_once_per_order(world, tmp_path):
    """The customers a chunk names are probed once each, where the missing ones are made, and the orders take
    their ids from there: not a lookup per order again, nor a read of all the stored customers (ADR 0083)."""
    if connection.vendor != "postgresql":
        pytest.skip("the fast path is PostgreSQL's")
    at = rows(timezone.now())[0][3]
    orders = [[f"5{n:05}", "22139", "1", at, "4.95", "17850", "", ""] for n in range(30)]
    path = write_csv(tmp_path / "lines.csv", [HEADER, *orders], delimiter=",")
    with connection.cursor() as cursor:
        # The test's tables are tiny: without this the planner may read them whole rather than by their index,
        # and there would be nothing to count.
        cursor.execute("SET enable_seqscan = off")
    try:
        before = _index_scans("customer_unique_external_id")
        assert run(world.other_org, path, fast=True, chunk_rows=3).ok
        scans = _index_scans("customer_unique_external_id") - before
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET enable_seqscan")
    # Ten chunks of three orders of one customer: one probe a chunk, and four of the import's own reads (14).
    # Main made 44: a probe per order (30) on top of a read of all the customers per chunk.
    assert scans <= 15
    customer = Purchase.objects.get(organization=world.other_org, external_id="500000").customer
    assert customer.external_id == "17850"
    assert set(Purchase.objects.filter(organization=world.other_org).values_list("customer", flat=True)) == {
        customer.pk
    }


@pytest.mark.django_db
def test_a_customer_stored_meanwhile_by_another_import_is_still_the_orders(world, tmp_path, monkeypatch):
    """A customer missing when probed but stored before the insert (another transaction's, ON CONFLICT did
    nothing) is looked up again, so its orders still name it."""
    if connection.vendor != "postgresql":
        pytest.skip("the fast path is PostgreSQL's")
    from otklik.customers.models import Customer
    from otklik.imports import pg_fast_statements

    Customer.objects.create(organization=world.other_org, external_id="17850", name="Stored meanwhile")
    real = pg_fast_statements._by_external_id
    calls = []

    def first_probe_misses(table: str, key: str) -> str:
        calls.append(table)
        if table == '"customers_customer"' and calls.count(table) == 1:
            return "SELECT NULL::bigint AS id WHERE %s IS NULL"  # as if probed before the other commit
        return real(table, key)

    monkeypatch.setattr(pg_fast_statements, "_by_external_id", first_probe_misses)
    at = rows(timezone.now())[0][3]
    path = write_csv(
        tmp_path / "lines.csv", [HEADER, ["500000", "22139", "1", at, "4.95", "17850", "", ""]], delimiter=","
    )
    report = run(world.other_org, path, fast=True)
    assert report.ok
    assert Purchase.objects.get(organization=world.other_org, external_id="500000").customer.name == "Stored meanwhile"
    assert Customer.objects.filter(organization=world.other_org).count() == 1


@pytest.mark.django_db
def test_each_lines_digest_text_is_made_once():
    """An order's digest hashes each line's text twice (two seeds): the text is made once for both, not pulled
    into each hash, where PostgreSQL would format every date and number of the line twice (ADR 0083)."""
    if connection.vendor != "postgresql":
        pytest.skip("the fast path is PostgreSQL's")
    from otklik.imports.pg_fast_sql import STAGING, STAGING_COLUMNS, _digest_source

    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE {STAGING} ({', '.join(f'{n} {t}' for n, t in STAGING_COLUMNS)})")
        try:
            cursor.execute(
                "EXPLAIN (VERBOSE, COSTS OFF) SELECT s.external_id, sum(hashtextextended(s.src, 0)), "
                f"sum(hashtextextended(s.src, 1)) FROM ({_digest_source()}) s GROUP BY s.external_id"
            )
            plan = "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute(f"DROP TABLE {STAGING}")
    # Made in the scan, once a line; the aggregate's two hashes read it from there (EXPLAIN shows them the
    # expression they read). Pulled up, the scan gives the bare columns and each hash makes the text anew.
    scan = plan.split("Seq Scan on", 1)[1]
    assert "ROW(" in scan, plan


@pytest.mark.django_db
def test_a_pending_invitation_is_withdrawn_when_its_order_is_cancelled(world, tmp_path, fast):
    now = timezone.now()
    world.org.time_zone = "UTC"
    world.org.save()
    first = write_csv(tmp_path / "a.csv", [HEADER, *rows(now)[:3]], delimiter=",")
    run(world.org, first, fast=fast)
    scheduled = ScheduledInvitation.objects.get(purchase__external_id="536365")
    assert scheduled.status == ScheduledStatus.SCHEDULED
    cancelled = [[*line[:7], "Cancelled"] for line in rows(now)[:3]]
    run(world.org, write_csv(tmp_path / "b.csv", [HEADER, *cancelled], delimiter=","), fast=fast)
    scheduled.refresh_from_db()
    assert scheduled.status == ScheduledStatus.CANCELLED
    assert scheduled.reason == "The order was cancelled."
    assert Purchase.objects.get(external_id="536365").amount == Decimal("0.00")


@pytest.mark.django_db
def test_the_order_is_asked_about_the_product_asked_about_last(world, tmp_path, fast):
    now = timezone.now()
    Product.objects.create(organization=world.org, external_id="85123A", name="Holder", evaluation_delay_days=2)
    Product.objects.create(organization=world.org, external_id="71053", name="Lantern", evaluation_delay_days=5)
    path = write_csv(tmp_path / "a.csv", [HEADER, *rows(now)[:3]], delimiter=",")
    run(world.org, path, fast=fast)
    order = Purchase.objects.get(external_id="536365")
    assert order.product.external_id == "71053"
    scheduled = ScheduledInvitation.objects.get(purchase=order)
    assert scheduled.due_at == order.purchased_at + timedelta(days=5)


def test_chunks_are_cut_between_orders():
    def chunk(*keys):
        return [(index, {"external_id": key}) for index, key in enumerate(keys)]

    cut = list(whole_orders([chunk("1", "1", "2"), chunk("2", "3", "3"), chunk("3")], limit=10))
    assert [[record["external_id"] for _n, record in part] for part in cut] == [["1", "1"], ["2", "2"], ["3", "3", "3"]]
    long = list(whole_orders([chunk("1", "1"), chunk("1", "1"), chunk("2")], limit=3))
    assert [len(part) for part in long] == [2, 2, 1]


@pytest.mark.django_db
def test_ties_between_products_go_to_an_active_one_with_a_survey_then_the_first_line(world, tmp_path, fast):
    """The rank the fast path packs into one number (ADR 0014's order: active, delay, own survey, first line)."""
    from otklik.testing.factories import make_survey

    now = timezone.now()
    survey = make_survey(organization=world.org)
    Product.objects.create(
        organization=world.org, external_id="85123A", name="Holder", evaluation_delay_days=30, is_active=False
    )
    Product.objects.create(organization=world.org, external_id="71053", name="Lantern", evaluation_delay_days=4)
    Product.objects.create(
        organization=world.org, external_id="84406B", name="Stand", evaluation_delay_days=4, survey=survey
    )
    Product.objects.create(organization=world.org, external_id="22633", name="Mitt", evaluation_delay_days=4)
    Product.objects.create(organization=world.org, external_id="84879", name="Bird", evaluation_delay_days=4)
    lines = rows(now)
    lines[3][0] = lines[4][0] = "536366"  # a second order: two equal products, the first line's wins
    run(world.org, write_csv(tmp_path / "a.csv", [HEADER, *lines[:5]], delimiter=","), fast=fast)
    assert Purchase.objects.get(external_id="536365").product.external_id == "84406B"
    assert Purchase.objects.get(external_id="536366").product.external_id == "22633"


@pytest.mark.django_db
def test_an_orders_customer_place_and_seller_come_from_its_first_line_that_has_each(world, tmp_path, fast):
    # The fast path takes them from the order's first staged line, where the validator process put the
    # first non-empty ones of its lines (pg_fast.staging_rows); the ORM path from customers.services._order_head.
    at = (timezone.now() - timedelta(days=1)).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    header = ["InvoiceNo", "StockCode", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Store", "Seller"]
    lines = [
        ["A1", "P1", "1", at, "2.00", "", "", ""],
        ["A1", "P2", "1", at, "3.00", "17850", "", "emma"],
        ["A1", "P3", "1", at, "4.00", "13047", "Airport", "max"],
        ["A1", "P1", "1", at, "5.00", "", "Main Street", ""],
        ["B2", "P1", "1", at, "6.00", "14527", "Main Street", ""],
        ["B2", "P2", "1", at, "7.00", "", "", "max"],
    ]
    path = write_csv(tmp_path / "heads.csv", [header, *lines], delimiter=",")
    mapping = {**{name: MAPPING[name] for name in list(MAPPING)[:6]}, "location": 6, "employee": 7}
    import_file(
        organization=world.org, kind="purchases", path=path, fmt=detect_format(path), mapping=mapping, fast=fast
    )
    orders = {
        order[0]: order[1:]
        for order in Purchase.objects.filter(organization=world.org).values_list(
            "external_id", "customer__external_id", "location__name", "employee_name"
        )
    }
    assert orders == {"A1": ("17850", "Airport", "emma"), "B2": ("14527", "Main Street", "max")}


@pytest.mark.django_db
@pytest.mark.parametrize("chunk_rows", [100, 2])  # the whole file in one chunk; each order in a chunk of its own
def test_a_new_customer_and_product_take_the_details_their_lines_give_on_both_paths(world, tmp_path, chunk_rows):
    # The fast path reads them from the chunk's first line naming each, where the validator process put the last
    # non-empty ones of their lines (pg_fast.staging_rows); the ORM path goes line by line (customers.services).
    if connection.vendor != "postgresql":
        pytest.skip("the fast path is PostgreSQL's")
    at = (timezone.now() - timedelta(days=1)).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    header = ["InvoiceNo", "StockCode", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Name", "Email",
              "Product"]  # fmt: skip
    lines = [
        ["A1", "P1", "1", at, "2.00", "17850", "", "first@example.com", ""],
        ["A1", "P2", "1", at, "3.00", "17850", "Anna", "", "Kettle"],
        ["B2", "P1", "1", at, "4.00", "13047", "Olga", "", "Teapot"],
        ["B2", "P2", "1", at, "5.00", "17850", "", "", ""],
        ["C3", "P3", "1", at, "6.00", "17850", "Anna K.", "second@example.com", ""],
        ["C3", "P1", "1", at, "7.00", "13047", "", "", ""],
    ]
    path = write_csv(tmp_path / "details.csv", [header, *lines], delimiter=",")
    mapping = {
        **{name: MAPPING[name] for name in list(MAPPING)[:6]},
        "customer_name": 6,
        "customer_email": 7,
        "product_name": 8,
    }
    found = []
    for organization, fast in [(world.org, False), (world.other_org, True)]:
        import_file(
            organization=organization,
            kind="purchases",
            path=path,
            fmt=detect_format(path),
            mapping=mapping,
            fast=fast,
            chunk_rows=chunk_rows,
        )
        customers = set(organization.customers.values_list("external_id", "name", "email"))
        products = set(Product.objects.filter(organization=organization).values_list("external_id", "name"))
        found.append((customers, products))
    assert found[0] == found[1]
    if chunk_rows == 100:
        assert found[1] == (
            {("17850", "Anna", "first@example.com"), ("13047", "Olga", "")},
            {("P1", "Teapot"), ("P2", "Kettle"), ("P3", "P3")},
        )
