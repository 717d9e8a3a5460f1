import multiprocessing
from datetime import UTC, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from otklik.customers import services as customers_services
from otklik.customers.models import Customer, Product, Purchase, PurchaseLine
from otklik.imports import readers
from otklik.imports.mapping import guess_mapping
from otklik.imports.readers import FileError, detect_format, read_header
from otklik.imports.services import import_file, read_options
from otklik.imports.tests.helpers import PURCHASE_HEADER, purchase_rows, write_csv
from otklik.intake import purchases as intake_purchases
from otklik.outreach.models import ScheduledInvitation

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="the fast path is PostgreSQL's")


def run(organization, kind, path, **kwargs):
    fmt = detect_format(path)
    return import_file(
        organization=organization,
        kind=kind,
        path=path,
        fmt=fmt,
        mapping=guess_mapping(kind, read_header(path, fmt)),
        **kwargs,
    )


def snapshot(organization) -> dict:
    """What an import stored, without ids and timestamps, to compare two organizations."""
    return {
        "customers": sorted(
            Customer.objects.filter(organization=organization).values_list("external_id", "name", "email", "phone")
        ),
        "products": sorted(Product.objects.filter(organization=organization).values_list("external_id", "name")),
        "purchases": sorted(
            Purchase.objects.filter(organization=organization).values_list(
                "external_id",
                "customer__external_id",
                "product__external_id",
                "amount",
                "currency",
                "purchased_at",
                "location__name",
                "employee_name",
            )
        ),
    }


@pytest.fixture(params=[False, True], ids=["orm", "postgresql-fast-path"])
def fast(request):
    if request.param and connection.vendor != "postgresql":
        pytest.skip("the fast path is PostgreSQL's")
    return request.param


def test_a_purchases_file_creates_customers_products_and_purchases(world, tmp_path, fast):
    path = write_csv(tmp_path / "p.csv", [PURCHASE_HEADER, *purchase_rows(7)])
    report = run(world.org, "purchases", path, fast=fast, chunk_rows=3)
    assert (report.rows, report.created, report.updated, report.unchanged) == (7, 7, 0, 0)
    purchase = Purchase.objects.get(organization=world.org, external_id="R1")
    assert purchase.customer.name == "Customer 1" and purchase.customer.phone == "79160000001"
    assert purchase.product.name == "Product 1" and purchase.amount == Decimal("100.50")
    assert purchase.location == world.store
    assert Customer.objects.filter(organization=world.org).count() == 3
    assert not Purchase.objects.filter(organization=world.other_org).exists()


def test_every_bad_row_is_reported_by_its_row_number_and_nothing_is_written(world, tmp_path, fast):
    rows = purchase_rows(8)
    rows[1][1] = "вчера"  # row 3
    rows[7][8] = "Nowhere"  # row 9, in the last chunk: a store not set up, and the user chose to refuse those
    path = write_csv(tmp_path / "p.csv", [PURCHASE_HEADER, *rows])
    refuse = read_options(world.org, new_locations="refuse")
    report = run(world.org, "purchases", path, fast=fast, chunk_rows=3, options=refuse)
    assert not report.ok and report.errors_total == 2
    assert [row for row, _reasons in report.errors] == [3, 9]
    assert "вчера" in report.errors[0][1][0] and "Nowhere" in report.errors[1][1][0]
    assert not Purchase.objects.exists() and not Customer.objects.exists() and not Product.objects.exists()


def test_importing_the_same_file_twice_changes_nothing_and_a_changed_row_updates(world, tmp_path, fast):
    path = write_csv(tmp_path / "p.csv", [PURCHASE_HEADER, *purchase_rows(6)])
    run(world.org, "purchases", path, fast=fast, chunk_rows=4)
    stamps = dict(Purchase.objects.values_list("external_id", "updated_at"))
    again = run(world.org, "purchases", path, fast=fast, chunk_rows=4)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 6)
    assert dict(Purchase.objects.values_list("external_id", "updated_at")) == stamps
    rows = purchase_rows(6)
    rows[2][7] = "999.00"
    changed = run(world.org, "purchases", write_csv(tmp_path / "p2.csv", [PURCHASE_HEADER, *rows]), fast=fast)
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 5)
    assert Purchase.objects.get(external_id="R3").amount == Decimal("999.00")


def test_a_file_longer_than_the_apis_batch_limit_is_written_in_batches_within_it(world, tmp_path, monkeypatch):
    """The ORM path (SQLite, and customers and products everywhere) writes through the API's upserts.

    They refuse more than MAX_BATCH records at once; a file of more rows than that, read in
    bigger chunks, failed at the write after passing the check.
    """
    monkeypatch.setattr(customers_services, "MAX_BATCH", 4)
    purchases = run(
        world.org, "purchases", write_csv(tmp_path / "p.csv", [PURCHASE_HEADER, *purchase_rows(11)]), fast=False
    )
    assert purchases.written and purchases.created == 11
    rows = [["Код", "ФИО"], *[[f"K{n}", f"Name {n}"] for n in range(9)]]
    customers = run(world.org, "customers", write_csv(tmp_path / "c.csv", rows))
    assert customers.written and customers.created == 9
    assert Customer.objects.filter(organization=world.org, external_id__startswith="K").count() == 9


def test_a_dry_run_checks_but_writes_nothing(world, tmp_path):
    path = write_csv(tmp_path / "p.csv", [PURCHASE_HEADER, *purchase_rows(4)])
    report = run(world.org, "purchases", path, dry_run=True)
    assert report.ok and report.rows == 4 and not report.written
    assert not Purchase.objects.exists()


def test_stored_and_changed_purchases_are_handed_to_the_invitation_hook_in_the_transaction(
    world, tmp_path, fast, monkeypatch
):
    handed = []
    monkeypatch.setattr(
        intake_purchases,
        "invitations_schedule",
        lambda *, organization, purchase_ids: handed.append((organization, list(purchase_ids))),
    )

    def from_table(*, organization, table):  # the fast path lists them in a temporary table
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id FROM {table}")
            handed.append((organization, [row[0] for row in cursor.fetchall()]))

    monkeypatch.setattr(intake_purchases, "purchases_changed_in_table", from_table)
    path = write_csv(tmp_path / "p.csv", [PURCHASE_HEADER, *purchase_rows(5)])
    run(world.org, "purchases", path, fast=fast)
    assert {pk for _org, ids in handed for pk in ids} == set(Purchase.objects.values_list("pk", flat=True))
    assert all(org == world.org for org, _ids in handed)


def test_customers_and_products_files_are_imported_with_updates(world, tmp_path):
    customers = write_csv(
        tmp_path / "c.csv",
        [["Код", "ФИО", "E-mail", "Телефон", "Теги"], ["C1", "Анна", "ANNA@example.com", "8 916 123 45 67", "VIP"]],
    )
    assert run(world.org, "customers", customers).created == 1
    anna = Customer.objects.get(organization=world.org, external_id="C1")
    assert (anna.email, anna.phone, [tag.name for tag in anna.tags.all()]) == (
        "anna@example.com",
        "79161234567",
        ["VIP"],
    )
    products = write_csv(
        tmp_path / "p.csv", [["Артикул", "Наименование", "Дней"], ["P1", "Кофе", "2"], ["P2", "", "3"]]
    )
    report = run(world.org, "products", products)
    assert report.errors == [(3, ["name is required"])]
    write_csv(products, [["Артикул", "Наименование", "Дней"], ["P1", "Кофе", "2"]])
    assert run(world.org, "products", products).created == 1
    assert Product.objects.get(external_id="P1").evaluation_delay_days == 2


@on_postgresql
def test_the_postgresql_fast_path_stores_exactly_what_the_orm_path_stores(world, tmp_path):
    rows = purchase_rows(23)
    rows[4][3] = ""  # a customer named in one row and not in another
    rows[5][4] = ""
    # Text that COPY's CSV (quotes, commas, line ends, an end-of-data marker) and text formats must keep.
    tricky = 'Tab\there, back\\slash, "quoted";\r\nnew line\n\\.\n'
    rows += [["R900", "05.03.2025 12:00", "C9", tricky, "", "P9", tricky, "1", "Airport"]]
    rows += [["R2", "05.03.2025 12:00", "C2", "Customer 2", "", "P0", "", "1 234,5", "Airport"]]  # a repeat: last wins
    first = write_csv(tmp_path / "a.csv", [PURCHASE_HEADER, *rows])
    Customer.objects.create(organization=world.org, external_id="C0", name="Known")
    Customer.objects.create(organization=world.other_org, external_id="C0", name="Known")
    world.other_org.locations.create(name="Main Street")
    world.other_org.locations.create(name="Airport")
    run(world.org, "purchases", first, fast=False, chunk_rows=5)
    run(world.other_org, "purchases", first, fast=True, chunk_rows=5)
    assert snapshot(world.org) == snapshot(world.other_org)
    assert Customer.objects.get(organization=world.other_org, external_id="C9").name == tricky.strip()
    assert Product.objects.get(organization=world.other_org, external_id="P9").name == tricky.strip()
    rows[7][7] = "5.00"
    second = write_csv(tmp_path / "b.csv", [PURCHASE_HEADER, *rows, *purchase_rows(2, start=100)])
    orm = run(world.org, "purchases", second, fast=False, chunk_rows=50)
    pg = run(world.other_org, "purchases", second, fast=True, chunk_rows=50)
    assert (orm.created, orm.updated, orm.unchanged) == (pg.created, pg.updated, pg.unchanged) == (2, 1, 23)
    assert snapshot(world.org) == snapshot(world.other_org)


def invitations(organization) -> list[tuple]:
    return sorted(
        ScheduledInvitation.objects.filter(organization=organization).values_list(
            "purchase__external_id", "customer__external_id", "mode", "status", "due_at", "send_at"
        )
    )


@on_postgresql
def test_the_fast_path_schedules_and_moves_invitations_as_the_orm_path_does(world, tmp_path):
    now = timezone.now().replace(second=0, microsecond=0)

    def rows(shift_days: int) -> list[list]:
        def at(days_ago: float) -> str:
            return (now - timedelta(days=days_ago)).astimezone(UTC).strftime("%d.%m.%Y %H:%M")

        return [
            ["R1", at(1), "C1", "Customer 1", "", "P-auto", "Kettle", "1", ""],  # due in two days
            ["R2", at(2), "C2", "Customer 2", "", "P-manual", "Piano", "1", ""],  # waits for the manager's date
            ["R3", at(400), "C3", "Customer 3", "", "P-auto", "Kettle", "1", ""],  # long past due: none
            ["R4", at(1), "C4", "Customer 4", "", "P-off", "Retired", "1", ""],  # inactive product: none
            ["R5", at(3 + shift_days), "C5", "Customer 5", "", "P-auto", "Kettle", "1", ""],  # moved when shifted
            ["R6", at(30), "C6", "Customer 6", "", "P-auto", "Kettle", "1", ""],  # past due, until moved nearer
        ]

    for organization in (world.org, world.other_org):
        organization.time_zone = "UTC"
        organization.save()
        Product.objects.create(
            organization=organization, external_id="P-manual", name="Piano", evaluation_mode="manual"
        )
        Product.objects.create(organization=organization, external_id="P-off", name="Retired", is_active=False)
    first = write_csv(tmp_path / "a.csv", [PURCHASE_HEADER, *rows(0)])
    run(world.org, "purchases", first, fast=False, chunk_rows=4)
    run(world.other_org, "purchases", first, fast=True, chunk_rows=4)
    assert [row[0] for row in invitations(world.other_org)] == ["R1", "R2", "R5"]
    assert invitations(world.org) == invitations(world.other_org)

    moved = rows(-1)
    moved[5][1] = (now - timedelta(days=1)).strftime("%d.%m.%Y %H:%M")  # R6 now recent: scheduled
    moved[0][2] = "C2"  # R1 now by another customer: its invitation follows
    second = write_csv(tmp_path / "b.csv", [PURCHASE_HEADER, *moved])
    orm = run(world.org, "purchases", second, fast=False, chunk_rows=4)
    pg = run(world.other_org, "purchases", second, fast=True, chunk_rows=4)
    assert (orm.created, orm.updated) == (pg.created, pg.updated) == (0, 3)
    assert [row[0] for row in invitations(world.other_org)] == ["R1", "R2", "R5", "R6"]
    assert invitations(world.org) == invitations(world.other_org)
    assert dict((row[0], row[1]) for row in invitations(world.other_org))["R1"] == "C2"


@on_postgresql
def test_the_validator_process_reports_bad_rows_as_the_orm_path_does_in_the_users_language(world, tmp_path):
    rows = purchase_rows(12)
    rows[1][1] = "вчера"  # row 3, first chunk
    rows[6][7] = "много"  # row 8, third chunk
    rows[10][8] = "Nowhere"  # row 12, the last chunk: a store not set up, refused as the user chose
    path = write_csv(tmp_path / "p.csv", [PURCHASE_HEADER, *rows])
    refuse = read_options(world.org, new_locations="refuse")
    with translation.override("ru"):
        orm = run(world.org, "purchases", path, fast=False, chunk_rows=3, options=refuse)
        pg = run(world.org, "purchases", path, fast=True, chunk_rows=3, options=refuse)
    assert (pg.rows, pg.errors_total, pg.errors) == (orm.rows, orm.errors_total, orm.errors)
    assert [row for row, _reasons in pg.errors] == [3, 8, 12]
    assert all(type(reason) is str for _row, reasons in pg.errors for reason in reasons)
    english = run(world.org, "purchases", path, fast=True, chunk_rows=3, options=refuse)
    assert pg.errors != english.errors  # the reasons are Russian
    assert not Purchase.objects.exists()


@on_postgresql
def test_a_file_that_breaks_half_way_stops_the_fast_path_with_the_readers_error_and_writes_nothing(
    world, tmp_path, monkeypatch
):
    monkeypatch.setattr(readers, "SAMPLE_BYTES", 200)  # the encoding is told from the file's start only
    path = write_csv(tmp_path / "p.csv", [PURCHASE_HEADER, *purchase_rows(10)])
    with open(path, "ab") as f:
        f.write("R99;01.03.2025 10:00;C1;Клиент;;P1;;1;Main Street\n".encode("cp1251"))  # not UTF-8
    with pytest.raises(FileError, match="not UTF-8 text"):  # raised in the validator process, raised here
        run(world.org, "purchases", path, fast=True, chunk_rows=3)
    assert not Purchase.objects.exists() and not Customer.objects.exists()


@on_postgresql
def test_a_failing_write_stops_the_validator_process(world, tmp_path, monkeypatch):
    from otklik.imports import pg_fast

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(pg_fast, "_write_chunk", broken)
    path = write_csv(tmp_path / "p.csv", [PURCHASE_HEADER, *purchase_rows(30)])
    with pytest.raises(RuntimeError, match="went away"):
        run(world.org, "purchases", path, fast=True, chunk_rows=2)
    assert not multiprocessing.active_children()


def test_an_imported_purchase_credits_the_seller_it_names(world, tmp_path, fast):
    """Issue 17: the seller column ("Продавец") is matched to a member on both paths."""
    rows = [[*row, seller] for row, seller in zip(purchase_rows(3), ["emma", "Nobody Known", "MAX"], strict=True)]
    path = write_csv(tmp_path / "p.csv", [[*PURCHASE_HEADER, "Продавец"], *rows])
    assert run(world.org, "purchases", path, fast=fast).ok
    sellers = dict(Purchase.objects.filter(organization=world.org).values_list("external_id", "employee__username"))
    assert sellers == {"R1": "emma", "R2": None, "R3": "max"}


def test_a_seller_no_longer_named_is_taken_off_an_imported_purchase(world, tmp_path, fast):
    """An updated order whose file no longer names a seller loses the match (both paths)."""
    named = [[*row, seller] for row, seller in zip(purchase_rows(2), ["emma", "max"], strict=True)]
    path = write_csv(tmp_path / "p.csv", [[*PURCHASE_HEADER, "Продавец"], *named])
    assert run(world.org, "purchases", path, fast=fast).ok
    unnamed = [[*named[0][:-1], ""], named[1]]
    path = write_csv(tmp_path / "p2.csv", [[*PURCHASE_HEADER, "Продавец"], *unnamed])
    assert run(world.org, "purchases", path, fast=fast).ok
    sellers = dict(Purchase.objects.filter(organization=world.org).values_list("external_id", "employee__username"))
    assert sellers == {"R1": None, "R2": "max"}


@on_postgresql
def test_a_first_import_without_sellers_does_not_look_for_them(world, tmp_path):
    """Matching sellers read every purchase of the organization per chunk; with no name to match it is skipped."""
    path = write_csv(tmp_path / "p.csv", [PURCHASE_HEADER, *purchase_rows(12)])
    with CaptureQueriesContext(connection) as queries:
        assert run(world.org, "purchases", path, fast=True, chunk_rows=4).ok
    assert not [query for query in queries if '"customers_purchase"."employee_name"' in query["sql"]]
    assert Purchase.objects.filter(organization=world.org).count() == 12


@on_postgresql
def test_the_fast_path_stores_a_chunks_orders_and_lines_in_key_order(world, tmp_path):
    """Ids follow the external ids and the line numbers, so the unique indexes grow at their right edge."""
    path = write_csv(tmp_path / "p.csv", [PURCHASE_HEADER, *reversed(purchase_rows(12))])
    assert run(world.org, "purchases", path, fast=True, chunk_rows=100).ok
    orders = list(Purchase.objects.filter(organization=world.org).order_by("pk").values_list("external_id", flat=True))
    # The file's last order (R1) is held back for a chunk of its own (imports.services.whole_orders).
    assert orders == [*sorted(f"R{i}" for i in range(2, 13)), "R1"]
    customers = list(
        Customer.objects.filter(organization=world.org).order_by("pk").values_list("external_id", flat=True)
    )
    assert customers == sorted(customers)
    lines = PurchaseLine.objects.filter(purchase__organization=world.org).order_by("pk")
    keys = list(lines.values_list("purchase_id", "line_no"))
    assert keys == sorted(keys)
