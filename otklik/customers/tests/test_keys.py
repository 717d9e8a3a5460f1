"""The keys kept per statement (customers/keys.py): a row never references a missing one, deletes as before."""

import threading

import psycopg
import pytest
from django.db import IntegrityError, connection, transaction

from otklik.customers.keys import EMPTY_INVITATION_KEYS, EMPTY_KEYS, INVITATION_KEYS, KEYS
from otklik.customers.models import Customer, Product, Purchase, PurchaseLine
from otklik.outreach.models import ScheduledInvitation
from otklik.testing import factories

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the triggers are PostgreSQL's")
MISSING = 987654321
INVITATION = (
    "INSERT INTO outreach_scheduledinvitation (organization_id, customer_id, purchase_id, origin, mode, status, "
    "reason, channel, recipient, created_at, updated_at) "
)


def _sql(statement: str, params=(), *, immediate: bool = False) -> int:
    with transaction.atomic(), connection.cursor() as cursor:
        if immediate:  # a delete's check waits for the commit, which a test's transaction never reaches
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(statement, params)
        return cursor.rowcount


@pytest.fixture
def order(world):
    customer = factories.make_customer(organization=world.org)
    return factories.make_purchase(customer=customer, location=factories.make_location(organization=world.org))


@pytest.mark.django_db
def test_every_key_the_import_writes_is_kept_by_a_trigger_and_no_longer_declared():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgrelid::regclass::text, tgname FROM pg_trigger "
            "WHERE tgname LIKE 'otklik_key_%%' AND NOT tgisinternal"
        )
        triggers = set(cursor.fetchall())
        cursor.execute(
            "SELECT conrelid::regclass::text, a.attname FROM pg_constraint c "
            "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] WHERE c.contype = 'f'"
        )
        declared = set(cursor.fetchall())
    # The keys the import leaves empty too: declared, each queued a check per written row even for a NULL.
    for child, column, parent in KEYS + INVITATION_KEYS + EMPTY_KEYS + EMPTY_INVITATION_KEYS:
        assert (child, column) not in declared
        for table, what in [(child, "ins"), (child, "upd"), (parent, "del"), (parent, "trunc")]:
            assert (table, f"otklik_key_{child}_{column}_{what}") in triggers
    assert not [key for key in declared if key[0] in ("customers_purchase", "outreach_scheduledinvitation")]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("statement", "key"),
    [
        (
            "INSERT INTO customers_purchaseline (purchase_id, line_no, product_id, quantity, amount) "
            "SELECT %(purchase)s, 9, %(missing)s, 1, 1",
            "product_id",
        ),
        (
            "INSERT INTO customers_purchaseline (purchase_id, line_no, product_id, quantity, amount) "
            "SELECT %(missing)s, 1, %(product)s, 1, 1",
            "purchase_id",
        ),
        ("UPDATE customers_purchaseline SET product_id = %(missing)s WHERE purchase_id = %(purchase)s", "product_id"),
        ("UPDATE customers_purchase SET customer_id = %(missing)s WHERE id = %(purchase)s", "customer_id"),
        ("UPDATE customers_purchase SET location_id = %(missing)s WHERE id = %(purchase)s", "location_id"),
        ("UPDATE customers_purchase SET product_id = %(missing)s WHERE id = %(purchase)s", "product_id"),
        (
            "INSERT INTO customers_purchase (organization_id, external_id, product_id, amount, currency, status, "
            "purchased_at, employee_name, created_at, updated_at) "
            "SELECT %(missing)s, 'X', %(product)s, 1, 'RUB', 'completed', now(), '', now(), now()",
            "organization_id",
        ),
        (
            INVITATION
            + "SELECT %(org)s, %(customer)s, %(missing)s, 'purchase', 'auto', 'scheduled', '', '', '', now(), now()",
            "purchase_id",
        ),
        (
            INVITATION
            + "SELECT %(org)s, %(missing)s, %(purchase)s, 'purchase', 'auto', 'scheduled', '', '', '', now(), now()",
            "customer_id",
        ),
    ],
)
def test_a_row_that_references_a_missing_one_is_refused_whole(order, statement, key):
    before = (Purchase.objects.count(), PurchaseLine.objects.count(), ScheduledInvitation.objects.count())
    params = {
        "missing": MISSING,
        "purchase": order.pk,
        "product": order.product_id,
        "customer": order.customer_id,
        "org": order.organization_id,
    }
    with pytest.raises(IntegrityError, match=rf"\({key}\)=\({MISSING}\) is not present"):
        _sql(statement, params)
    assert (Purchase.objects.count(), PurchaseLine.objects.count(), ScheduledInvitation.objects.count()) == before
    order.refresh_from_db()
    assert order.customer_id is not None and order.location_id is not None


@pytest.mark.django_db
@pytest.mark.parametrize("column", ["invitation_id", "decided_by_id", "survey_id"])
@pytest.mark.parametrize("how", ["insert", "update"])
def test_an_invitations_key_the_import_leaves_empty_still_refuses_a_missing_row(order, column, how):
    """invitation_id, decided_by_id and survey_id are kept per statement now (ADR 0078): a missing row is refused
    by an INSERT and by an UPDATE that sets it, with PostgreSQL's own error, and nothing is written."""
    params = {"org": order.organization_id, "customer": order.customer_id, "purchase": order.pk, "missing": MISSING}
    if how == "insert":
        statement = (
            INVITATION.replace("purchase_id,", f"purchase_id, {column},")
            + "SELECT %(org)s, %(customer)s, %(purchase)s, %(missing)s, 'purchase', 'auto', 'scheduled', '', '', '', "
            "now(), now()"
        )
    else:
        factories.make_scheduled_invitation(customer=order.customer, purchase=order)
        statement = f"UPDATE outreach_scheduledinvitation SET {column} = %(missing)s WHERE purchase_id = %(purchase)s"
    before = ScheduledInvitation.objects.count()
    with pytest.raises(IntegrityError, match=rf"\({column}\)=\({MISSING}\) is not present"):
        _sql(statement, params)
    assert ScheduledInvitation.objects.count() == before
    assert not ScheduledInvitation.objects.exclude(**{column: None}).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("how", ["insert", "update"])
def test_an_orders_seller_key_still_refuses_a_missing_user(order, how):
    """employee_id, which the import leaves empty, is kept per statement now (ADR 0078)."""
    params = {"org": order.organization_id, "product": order.product_id, "purchase": order.pk, "missing": MISSING}
    if how == "insert":
        statement = (
            "INSERT INTO customers_purchase (organization_id, external_id, product_id, employee_id, amount, currency, "
            "status, purchased_at, employee_name, created_at, updated_at) "
            "SELECT %(org)s, 'X', %(product)s, %(missing)s, 1, 'RUB', 'completed', now(), '', now(), now()"
        )
    else:
        statement = "UPDATE customers_purchase SET employee_id = %(missing)s WHERE id = %(purchase)s"
    with pytest.raises(IntegrityError, match=rf"\(employee_id\)=\({MISSING}\) is not present"):
        _sql(statement, params)
    assert list(Purchase.objects.values_list("external_id", "employee_id")) == [(order.external_id, None)]


@pytest.mark.django_db
def test_the_keys_the_import_leaves_empty_accept_existing_rows_and_keep_a_referenced_user(order):
    """An existing user, survey and invitation are accepted; a user an order still names cannot be deleted."""
    from django.contrib.auth import get_user_model

    from otklik.surveys.models import Invitation

    user = get_user_model().objects.create(username="seller-keys")  # no membership: only the order names it
    survey = factories.make_survey(organization=order.organization)
    touchpoint = factories.make_touchpoint(location=order.location)
    invitation = Invitation.objects.create(
        organization=order.organization, survey=survey, touchpoint=touchpoint, customer=order.customer
    )
    scheduled = factories.make_scheduled_invitation(customer=order.customer, purchase=order)
    assert (
        _sql(
            "UPDATE outreach_scheduledinvitation SET invitation_id = %s, decided_by_id = %s, survey_id = %s "
            "WHERE id = %s",
            [invitation.pk, user.pk, survey.pk, scheduled.pk],
        )
        == 1
    )
    assert _sql("UPDATE customers_purchase SET employee_id = %s WHERE id = %s", [user.pk, order.pk]) == 1
    with pytest.raises(IntegrityError, match="customers_purchase"):
        _sql("DELETE FROM auth_user WHERE id = %s", [user.pk], immediate=True)


@pytest.mark.django_db
def test_rows_whose_keys_exist_are_stored_and_an_update_of_other_columns_is_not_checked(order):
    product = factories.make_product(organization=order.organization)
    assert (
        _sql(
            "INSERT INTO customers_purchaseline (purchase_id, line_no, product_id, quantity, amount) "
            "SELECT %s, n, %s, 1, 1 FROM generate_series(2, 500) n",
            [order.pk, product.pk],
        )
        == 499
    )
    assert _sql("UPDATE customers_purchaseline SET quantity = 2 WHERE purchase_id = %s", [order.pk]) == 500
    assert _sql("UPDATE customers_purchase SET location_id = NULL, customer_id = NULL WHERE id = %s", [order.pk]) == 1


@pytest.mark.django_db(transaction=True)
def test_a_check_looks_each_key_up_and_never_reads_the_referenced_table_whole(order):
    """A check's plan is made once per session, at its first statement, and kept: made while the referenced
    table was small (an organization's first import, its first chunk), a plan that read that table whole
    read it again at every later statement, however big it had grown (ADR 0077). Each key is looked up in
    the primary key instead, at any size."""
    parents = ["customers_purchase", "customers_product", "customers_customer", "accounts_organization"]
    with _connect() as conn, conn.transaction():  # a session of its own: no plan made before
        conn.execute(
            "INSERT INTO customers_purchaseline (purchase_id, line_no, product_id, quantity, amount) "
            "SELECT %s, n, %s, 1, 1 FROM generate_series(2, 500) n",
            [order.pk, order.product_id],
        )
        conn.execute(
            INVITATION + "SELECT %s, %s, %s, 'purchase', 'auto', 'scheduled', '', '', '', now(), now()",
            [order.organization_id, order.customer_id, order.pk],
        )
        whole = conn.execute(
            "SELECT relname FROM pg_stat_xact_user_tables WHERE relname = ANY(%s) AND seq_scan > 0", [parents]
        ).fetchall()
    assert whole == []
    assert PurchaseLine.objects.filter(purchase=order).count() == 500


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("statement", "table"),
    [
        ("DELETE FROM customers_product WHERE id = %(product)s", "customers_purchase"),
        ("DELETE FROM customers_customer WHERE id = %(customer)s", "customers_purchase"),
        ("DELETE FROM accounts_location WHERE id = %(location)s", "customers_purchase"),
        ("DELETE FROM customers_purchase WHERE id = %(purchase)s", "customers_purchaseline"),
        ("UPDATE customers_product SET id = %(missing)s WHERE id = %(product)s", None),
    ],
)
def test_a_referenced_row_cannot_go_from_under_its_references(order, statement, table):
    params = {
        "missing": MISSING,
        "purchase": order.pk,
        "product": order.product_id,
        "customer": order.customer_id,
        "location": order.location_id,
    }
    with pytest.raises(IntegrityError, match=table or "cannot change"):
        _sql(statement, params, immediate=True)
    assert Purchase.objects.filter(pk=order.pk, customer__isnull=False, location__isnull=False).exists()
    assert PurchaseLine.objects.filter(purchase=order).exists()


@pytest.mark.django_db
def test_deletes_through_django_cascade_and_protect_as_before(world, order):
    from django.db.models import ProtectedError

    factories.make_scheduled_invitation(customer=order.customer, purchase=order)
    with pytest.raises(ProtectedError):
        order.product.delete()
    order.location.delete()  # SET_NULL
    order.refresh_from_db()
    assert order.location_id is None
    order.customer.delete()  # CASCADE: its orders, their lines and invitations
    assert not Purchase.objects.filter(pk=order.pk).exists()
    assert not PurchaseLine.objects.exists() and not ScheduledInvitation.objects.exists()
    Product.objects.all().delete()
    org_id = world.org.pk
    world.org.delete()
    # The checks the commit would run, run now (SET CONSTRAINTS ALL IMMEDIATE): nothing references a deleted row.
    connection.check_constraints()
    assert not Customer.objects.filter(organization_id=org_id).exists()


def _connect():
    settings = connection.settings_dict
    return psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        host=settings["HOST"],
        port=settings["PORT"] or 5432,
        password=settings["PASSWORD"] or None,
    )


LINE = (
    "INSERT INTO customers_purchaseline (purchase_id, line_no, product_id, quantity, amount) VALUES (%s, 2, %s, 1, 1)"
)


def _racing(first, second):
    """Run `first` in one transaction, then `second` in another while the first is still open; the outcomes."""
    outcome: dict[str, object] = {}
    started = threading.Event()

    def run_second():
        with _connect() as conn:
            started.set()
            try:
                with conn.transaction():
                    second(conn)
                outcome["second"] = "committed"
            except psycopg.errors.ForeignKeyViolation as exc:
                outcome["second"] = exc

    with _connect() as conn:
        with conn.transaction():
            first(conn)
            thread = threading.Thread(target=run_second)
            thread.start()
            started.wait()
            thread.join(timeout=1.5)
            outcome["second blocked"] = thread.is_alive()
        outcome["first"] = "committed"
    thread.join()
    return outcome


@pytest.mark.django_db(transaction=True)
def test_a_product_deleted_while_an_import_writes_its_lines_is_refused_after_the_import_commits(world, order):
    product = factories.make_product(organization=world.org)
    outcome = _racing(
        lambda conn: conn.execute(LINE, [order.pk, product.pk]),
        lambda conn: conn.execute("DELETE FROM customers_product WHERE id = %s", [product.pk]),
    )
    assert outcome["second blocked"] and outcome["first"] == "committed"
    assert isinstance(outcome["second"], psycopg.errors.ForeignKeyViolation)
    assert PurchaseLine.objects.filter(purchase=order, product=product).exists()
    assert Product.objects.filter(pk=product.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_lines_written_while_their_product_is_being_deleted_are_refused_once_the_delete_commits(world, order):
    product = factories.make_product(organization=world.org)
    outcome = _racing(
        lambda conn: conn.execute("DELETE FROM customers_product WHERE id = %s", [product.pk]),
        lambda conn: conn.execute(LINE, [order.pk, product.pk]),
    )
    assert outcome["second blocked"] and outcome["first"] == "committed"
    assert isinstance(outcome["second"], psycopg.errors.ForeignKeyViolation)
    assert not PurchaseLine.objects.filter(product_id=product.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_a_customer_deleted_while_an_order_is_written_for_them_keeps_nothing_orphaned(world, order):
    customer = factories.make_customer(organization=world.org)
    insert = (
        "INSERT INTO customers_purchase (organization_id, external_id, customer_id, product_id, amount, currency, "
        "status, purchased_at, employee_name, created_at, updated_at) "
        "VALUES (%s, 'RACE', %s, %s, 1, 'RUB', 'completed', now(), '', now(), now())"
    )
    outcome = _racing(
        lambda conn: conn.execute(insert, [world.org.pk, customer.pk, order.product_id]),
        lambda conn: conn.execute("DELETE FROM customers_customer WHERE id = %s", [customer.pk]),
    )
    assert outcome["second blocked"] and isinstance(outcome["second"], psycopg.errors.ForeignKeyViolation)
    assert Purchase.objects.filter(external_id="RACE", customer=customer).exists()


@pytest.mark.django_db(transaction=True)
def test_an_import_whose_product_is_deleted_meanwhile_stores_nothing(world, tmp_path):
    """A product deleted (not yet committed) while the PostgreSQL import writes lines of it: the import
    waits for the delete, finds the product gone and stores nothing; the delete stands."""
    from django.utils import timezone

    from otklik.imports.tests.helpers import write_csv
    from otklik.imports.tests.test_order_lines import HEADER, rows, run

    product = factories.make_product(organization=world.org, external_id="85123A")
    path = write_csv(tmp_path / "lines.csv", [HEADER, *rows(timezone.now())], delimiter=",")
    outcome: dict[str, object] = {}

    def importing():
        try:
            outcome["report"] = run(world.org, path, fast=True)
        except IntegrityError as exc:
            outcome["error"] = exc
        finally:
            connection.close()

    with _connect() as deleting:
        with deleting.transaction():
            deleting.execute("DELETE FROM customers_product WHERE id = %s", [product.pk])
            thread = threading.Thread(target=importing)
            thread.start()
            waited = False
            for _attempt in range(200):  # until the import waits for the deleted row's lock
                deleting.execute("SELECT pg_stat_clear_snapshot()")  # else read once per transaction
                waited = deleting.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
                ).fetchone()[0]
                if waited or not thread.is_alive():
                    break
                threading.Event().wait(0.05)
        thread.join()
    assert waited, outcome
    assert "is not present" in str(outcome.get("error", outcome.get("report")))
    assert not Purchase.objects.filter(organization=world.org).exists()
    assert not PurchaseLine.objects.filter(purchase__organization=world.org).exists()
    assert not Product.objects.filter(pk=product.pk).exists()
