"""A file sent again: the PostgreSQL path finds an unchanged order by its digest, and still every change.

Each test imports the same files into two organizations, one through the ORM path (which compares
every order line by line) and one through the PostgreSQL fast path (which skips an order whose
stored digest is the staged one), and holds both to the same stored rows and the same counts.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from otklik.customers import services as customers
from otklik.customers.models import Customer, Product, Purchase
from otklik.imports.readers import detect_format
from otklik.imports.services import import_file
from otklik.imports.tests.helpers import write_csv
from otklik.imports.tests.test_order_lines import HEADER, MAPPING, rows, run, stored

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("the digest is the PostgreSQL path's")


def both(world, tmp_path, name: str, lines: list[list]) -> tuple:
    """Import `lines` into world.org by the ORM path and into world.other_org by the fast path; both counts."""
    path = write_csv(tmp_path / name, [HEADER, *lines], delimiter=",")
    orm = run(world.org, path, fast=False, chunk_rows=4)
    pg = run(world.other_org, path, fast=True, chunk_rows=4)
    assert stored(world.org) == stored(world.other_org)
    return (orm.created, orm.updated, orm.unchanged), (pg.created, pg.updated, pg.unchanged)


def digests(organization) -> dict[str, object]:
    return dict(Purchase.objects.filter(organization=organization).values_list("external_id", "digest"))


def test_the_same_file_again_is_unchanged_by_digest_and_writes_nothing(world, tmp_path):
    lines = rows(timezone.now())
    orm, pg = both(world, tmp_path, "a.csv", lines)
    assert orm == pg == (7, 0, 0)
    assert all(digests(world.other_org).values())  # every order the fast path stored has its digest
    assert not any(digests(world.org).values())  # the ORM path keeps none
    written = dict(Purchase.objects.filter(organization=world.other_org).values_list("external_id", "updated_at"))
    orm, pg = both(world, tmp_path, "a.csv", lines)
    assert orm == pg == (0, 0, 7)
    assert dict(Purchase.objects.filter(organization=world.other_org).values_list("external_id", "updated_at")) == (
        written
    )


@pytest.mark.parametrize(
    "change",
    ["a changed quantity", "a changed price", "an added line", "a removed line", "lines swapped", "a changed status"],
)
def test_every_change_to_an_order_is_found(world, tmp_path, change):
    lines = rows(timezone.now())
    both(world, tmp_path, "a.csv", lines)
    changed = [list(line) for line in lines]
    if change == "a changed quantity":
        changed[1][2] = "7"
    elif change == "a changed price":
        changed[1][4] = "3.40"
    elif change == "an added line":
        changed.insert(3, ["536365", "22633", "1", lines[0][3], "1.85", "17850", "", ""])
    elif change == "a removed line":
        del changed[1]
    elif change == "lines swapped":
        changed[0], changed[1] = changed[1], changed[0]
    else:
        changed[4][7] = changed[5][7] = "Cancelled"
    orm, pg = both(world, tmp_path, "b.csv", changed)
    assert orm == pg == (0, 1, 6)
    # And the order so changed is found unchanged by its new digest the time after.
    orm, pg = both(world, tmp_path, "b.csv", changed)
    assert orm == pg == (0, 0, 7)


def test_an_order_edited_elsewhere_is_compared_again(world, tmp_path):
    lines = rows(timezone.now())
    both(world, tmp_path, "a.csv", lines)
    at = lines[0][3]
    for organization in (world.org, world.other_org):  # the API sends the order with one line less
        result = customers.purchases_upsert(
            organization=organization,
            records=[
                {
                    "external_id": "536365",
                    "product_external_id": "85123A",
                    "quantity": "6",
                    "unit_price": "2.55",
                    "purchased_at": at,
                    "customer_external_id": "17850",
                },
            ],
        )
        assert result.updated == 1
    assert digests(world.other_org)["536365"] is None
    orm, pg = both(world, tmp_path, "a.csv", lines)  # the file puts the order back as it says
    assert orm == pg == (0, 1, 6)
    assert len([line for line in stored(world.other_org)["lines"] if line[0] == "536365"]) == 3


def test_a_line_changed_elsewhere_empties_the_digest(world, tmp_path):
    lines = rows(timezone.now())
    both(world, tmp_path, "a.csv", lines)
    # The API changes one line's product at the same amount: the order's own fields stay.
    records = [
        {
            "external_id": line[0],
            "product_external_id": line[1],
            "quantity": line[2],
            "unit_price": line[4],
            "purchased_at": line[3],
            "customer_external_id": line[5],
        }
        for line in lines[:3]
    ]
    records[2]["product_external_id"] = "84406B-2"
    customers.purchases_upsert(organization=world.other_org, records=records)
    assert digests(world.other_org)["536365"] is None
    path = write_csv(tmp_path / "a.csv", [HEADER, *lines], delimiter=",")
    again = run(world.other_org, path, fast=True, chunk_rows=4)
    assert (again.created, again.updated, again.unchanged) == (0, 1, 6)
    assert stored(world.org) == stored(world.other_org)


def test_a_product_setting_that_changes_an_orders_product_is_found(world, tmp_path):
    lines = rows(timezone.now())
    both(world, tmp_path, "a.csv", lines)
    before = digests(world.other_org)
    for organization in (world.org, world.other_org):  # the order's second product is now asked about last
        Product.objects.filter(organization=organization, external_id="71053").update(evaluation_delay_days=9)
    orm, pg = both(world, tmp_path, "a.csv", lines)
    assert orm == pg == (0, 1, 6)
    assert Purchase.objects.get(organization=world.other_org, external_id="536365").product.external_id == "71053"
    # Every order's digest now holds the new settings: the next time, all are unchanged by it.
    after = digests(world.other_org)
    assert all(after.values()) and not set(before.items()) & set(after.items())
    orm, pg = both(world, tmp_path, "a.csv", lines)
    assert orm == pg == (0, 0, 7)


def test_a_renamed_customer_is_found(world, tmp_path):
    lines = rows(timezone.now())
    both(world, tmp_path, "a.csv", lines)
    for organization in (world.org, world.other_org):
        Customer.objects.filter(organization=organization, external_id="13047").update(external_id="13047-old")
    orm, pg = both(world, tmp_path, "a.csv", lines)  # its orders go to a new customer 13047
    assert orm == pg == (0, 2, 5)
    order = Purchase.objects.get(organization=world.other_org, external_id="536367")
    assert order.customer.external_id == "13047"


def test_an_order_split_over_chunks_keeps_no_digest(world, tmp_path):
    lines = rows(timezone.now() - timedelta(hours=1))
    scattered = [*lines, ["536365", "21730", "6", lines[0][3], "4.25", "17850", "", ""]]
    both(world, tmp_path, "a.csv", scattered)
    assert digests(world.other_org)["536365"] is None
    assert digests(world.other_org)["536366"] is not None
    orm, pg = both(world, tmp_path, "a.csv", scattered)
    assert orm == pg  # (the scattered order counts as updated on both paths: its first chunk meets 4 stored lines)
    # The later part changes: found, though the order's first chunk is as before.
    scattered[-1][2] = "5"
    orm, pg = both(world, tmp_path, "b.csv", scattered)
    assert pg == orm
    assert stored(world.org) == stored(world.other_org)


def test_an_unchanged_file_costs_the_same_statements_whatever_its_orders(world, tmp_path):
    """Set-based: sent again, a chunk of 2 orders and one of 7 run the same statements (none per order)."""
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    lines = [line for line in rows(timezone.now()) if line[5]]  # all left out by their raw digest
    counted = []
    for organization, part in ((world.org, lines[:4]), (world.other_org, lines)):
        path = write_csv(tmp_path / f"{organization.slug}.csv", [HEADER, *part], delimiter=",")
        run(organization, path, fast=True)
        with CaptureQueriesContext(db) as queries:
            again = run(organization, path, fast=True)
        assert again.created == again.updated == 0
        counted.append(len(queries))
    assert counted[0] == counted[1]


# The raw digest (imports/raw_orders.py): an order whose lines, as read, are those it was stored from is left
# out before validation; everything else goes the whole way as before.


def raw_digests(organization) -> dict[str, object]:
    return dict(Purchase.objects.filter(organization=organization).values_list("external_id", "raw_digest"))


def staged_lines(queries) -> bool:
    return any("COPY otklik_import_staging" in query["sql"] for query in queries)


def test_the_same_file_again_is_left_out_before_validation(world, tmp_path, monkeypatch):
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    lines = rows(timezone.now())
    both(world, tmp_path, "a.csv", lines)
    raw = raw_digests(world.other_org)
    # Every order but the anonymous one (its line names no customer) keeps one.
    assert [name for name, value in raw.items() if value is None] == ["536380"]
    # The validator is not called for the lines left out: only the anonymous order's line meets it.
    from otklik.imports import fast_rows

    encoded = tmp_path / "encoded.txt"  # written by the validator process
    encoded.write_text("")
    original = fast_rows.staging_encoder

    def counting(**kwargs):
        encode = original(**kwargs)

        def spy(line, record):
            with open(encoded, "a") as f:
                f.write(record["external_id"] + "\n")
            return encode(line, record)

        return spy

    monkeypatch.setattr(fast_rows, "staging_encoder", counting)
    path = write_csv(tmp_path / "a.csv", [HEADER, *lines], delimiter=",")
    first_count = run(world.org, path, fast=False, chunk_rows=4)
    with CaptureQueriesContext(db) as queries:
        again = run(world.other_org, path, fast=True, chunk_rows=4)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 7)
    assert (again.rows, again.anonymous, again.skipped) == (first_count.rows, first_count.anonymous, 0) == (10, 1, 0)
    assert again.kinds == {
        "purchases": {"created": 0, "updated": 0, "unchanged": 7},
        "customers": {"created": 0},
        "products": {"created": 0},
    }
    assert encoded.read_text().split() == ["536380"]
    assert staged_lines(queries)  # the anonymous order's line
    assert raw_digests(world.other_org) == raw


def test_orders_left_out_stage_nothing(world, tmp_path):
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    lines = [line for line in rows(timezone.now()) if line[5]]  # every line with its customer
    path = write_csv(tmp_path / "a.csv", [HEADER, *lines], delimiter=",")
    run(world.other_org, path, fast=True, chunk_rows=4)
    with CaptureQueriesContext(db) as queries:
        again = run(world.other_org, path, fast=True, chunk_rows=4)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 6)
    assert not staged_lines(queries)
    assert not any("INSERT INTO" in query["sql"] and "customers_customer" in query["sql"] for query in queries)


def test_a_bad_row_is_found_in_an_order_otherwise_unchanged_and_beside_unchanged_ones(world, tmp_path):
    lines = rows(timezone.now())
    both(world, tmp_path, "a.csv", lines)
    before = stored(world.other_org)
    bad = [list(line) for line in lines]
    bad[1][2] = "six"  # the second line of an order stored from the first file
    path = write_csv(tmp_path / "b.csv", [HEADER, *bad], delimiter=",")
    report = run(world.other_org, path, fast=True, chunk_rows=4)
    assert not report.written and [row for row, _reasons in report.errors] == [3]
    # A new order with a bad line among orders all sent again unchanged.
    extra = [*lines, ["536390", "22139", "2", "yesterday-ish", "4.95", "13047", "", ""]]
    path = write_csv(tmp_path / "c.csv", [HEADER, *extra], delimiter=",")
    report = run(world.other_org, path, fast=True, chunk_rows=4)
    assert not report.written and [row for row, _reasons in report.errors] == [12]
    assert stored(world.other_org) == before


@pytest.mark.parametrize("setting", ["the organization's currency", "the time zone", "a new place", "skip anonymous"])
def test_a_setting_that_validation_depends_on_is_found(world, tmp_path, setting):
    from otklik.accounts.models import Location
    from otklik.imports.services import read_options

    lines = rows(timezone.now())
    for line in lines:
        line.append("Main Street" if line[0] == "536366" else "")
    header = [*HEADER, "Store"]
    mapping = {**MAPPING, "location": 8}
    path = write_csv(tmp_path / "a.csv", [header, *lines], delimiter=",")
    for organization in (world.org, world.other_org):
        Location.objects.get_or_create(organization=organization, name="Main Street")

    def imports(**options):
        results = []
        for organization, fast in ((world.org, False), (world.other_org, True)):
            report = import_file(
                organization=organization,
                kind="purchases",
                path=path,
                fmt=detect_format(path),
                mapping=mapping,
                fast=fast,
                chunk_rows=4,
                options=read_options(organization, **options) if options else None,
            )
            results.append((report.created, report.updated, report.unchanged, report.skipped, report.anonymous))
        assert stored(world.org) == stored(world.other_org)
        return results

    imports()
    options = {}
    for organization in (world.org, world.other_org):
        if setting == "the organization's currency":
            organization.currency = "EUR"
        elif setting == "the time zone":
            organization.time_zone = "Asia/Tokyo"
        elif setting == "a new place":  # the one named is now another location (the old one renamed away)
            Location.objects.filter(organization=organization, name="Main Street").update(name="Old Main Street")
            Location.objects.create(organization=organization, name="Main Street")
        organization.save()
    if setting == "skip anonymous":
        options = {"without_customer": "skip"}
    orm, pg = imports(**options)
    assert orm == pg
    assert orm[1] > 0 or setting == "skip anonymous"
    orm, pg = imports(**options)
    assert orm == pg and orm[:3] == (0, 0, orm[2])


def test_an_order_left_out_that_goes_on_later_in_the_file_is_read_again(world, tmp_path):
    lines = rows(timezone.now())
    both(world, tmp_path, "a.csv", lines)
    # The file now lists one more line of its first order at its end: the first chunk's part is as stored.
    scattered = [*lines, ["536365", "21730", "6", lines[0][3], "4.25", "17850", "", ""]]
    orm, pg = both(world, tmp_path, "b.csv", scattered)
    assert orm == pg
    assert digests(world.other_org)["536365"] is None and raw_digests(world.other_org)["536365"] is None


def test_an_order_changed_while_the_file_is_read_is_read_again(world, tmp_path, monkeypatch):
    from otklik.imports import pg_fast

    lines = rows(timezone.now())
    both(world, tmp_path, "a.csv", lines)
    original, calls = pg_fast._raw_orders, []

    def then_changed(cursor, organization, clean, clock):
        found = original(cursor, organization, clean, clock)
        # Another writer changes the order after the stored digests were read: it empties the digest.
        customers.purchases_upsert(
            organization=organization,
            records=[
                {
                    "external_id": "536366",
                    "product_external_id": "22633",
                    "quantity": "5",
                    "unit_price": "1.85",
                    "purchased_at": lines[0][3],
                    "customer_external_id": "17850",
                }
            ],
        )
        calls.append(found is not None)
        return found

    tries, importer = [], pg_fast.purchases_import_pg

    def counted(**kwargs):
        tries.append(kwargs.get("by_raw_digest", True))
        return importer(**kwargs)

    monkeypatch.setattr(pg_fast, "_raw_orders", then_changed)
    monkeypatch.setattr(pg_fast, "purchases_import_pg", counted)
    path = write_csv(tmp_path / "a.csv", [HEADER, *lines], delimiter=",")
    again = run(world.other_org, path, fast=True, chunk_rows=4)
    # Found at the end, so the import started over without leaving anything out (the first try's
    # writes, the other writer's here too, rolled back: the test runs it in the import's transaction).
    assert calls == [True] and tries == [True, False]
    assert (again.created, again.updated, again.unchanged) == (0, 0, 7)
    assert stored(world.other_org) == stored(world.org)


def test_lines_that_read_alike_when_joined_are_told_apart():
    from otklik.imports.raw_orders import FIELD, LINE, _order_text

    def text(*records):
        texts = [FIELD.join(r.values()) if all(type(v) is str for v in r.values()) else None for r in records]
        return _order_text(texts, list(records))

    assert text({"a": "x\x1fy", "b": "z"}) != text({"a": "x", "b": "y\x1fz"})
    assert text({"a": "x", "b": f"y{LINE}x"}, {"a": "z", "b": "w"}) != text(
        {"a": "x", "b": "y"}, {"a": f"x{LINE}z", "b": "w"}
    )
    assert text({"a": "x", "b": None}) != text({"a": "x", "b": "None"})
    assert text({"a": "x", "b": "y"}) == FIELD.join(["x", "y"])
