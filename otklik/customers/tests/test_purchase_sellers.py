"""Issue 17: a purchase's seller, as the source system names them, is matched to a member, so the answers
about the purchase are credited to them on /metrics/ (by employee) and /people/."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from otklik.accounts.models import Role
from otklik.customers.models import Purchase
from otklik.customers.services import purchases_match_sellers_in_table, purchases_upsert
from otklik.dashboard.metrics import Scope, metrics_table
from otklik.dashboard.people import people_report
from otklik.intake.answers import answer_receive
from otklik.surveys.models import Invitation
from otklik.surveys.services import AnswerInput
from otklik.testing.factories import make_customer, make_product, make_user


def purchase(n: int, seller: str) -> dict:
    return {
        "external_id": f"P{n}",
        "customer_external_id": f"C{n}",
        "product_external_id": "SKU1",
        "product_name": "Kettle",
        "amount": "1250",
        "purchased_at": "05.11.2026 14:30",
        "employee": seller,
    }


def test_sellers_are_matched_by_user_name_or_full_name_in_either_order_without_case(world):
    olga = make_user(organization=world.org, role=Role.EMPLOYEE, username="olga.i")
    olga.first_name, olga.last_name = "Ольга", "Иванова"
    olga.save()
    purchases_upsert(
        organization=world.org,
        records=[purchase(1, "иванова  ольга"), purchase(2, "Ольга Иванова"), purchase(3, "EMMA"), purchase(4, "Пётр")],
    )
    sellers = dict(Purchase.objects.values_list("external_id", "employee__username"))
    assert sellers == {"P1": "olga.i", "P2": "olga.i", "P3": "emma", "P4": None}


def test_a_renamed_seller_is_matched_again_and_a_name_nobody_has_clears_the_match(world):
    purchases_upsert(organization=world.org, records=[purchase(1, "emma")])
    assert Purchase.objects.get().employee == world.employee
    purchases_upsert(organization=world.org, records=[purchase(1, "max")])
    assert Purchase.objects.get().employee == world.manager
    purchases_upsert(organization=world.org, records=[purchase(1, "somebody else")])
    assert Purchase.objects.get().employee is None


def test_another_organizations_member_is_never_the_seller(world):
    purchases_upsert(organization=world.org, records=[purchase(1, "stan")])
    assert Purchase.objects.get().employee is None


def test_the_answer_to_an_invitation_about_a_purchase_is_credited_to_its_seller(world):
    purchases_upsert(organization=world.org, records=[purchase(1, "emma")])
    sale = Purchase.objects.get()
    invitation = Invitation.objects.create(
        organization=world.org, survey=world.nps, touchpoint=world.checkout, customer=sale.customer, purchase=sale
    )
    answer_receive(survey=world.nps, touchpoint=world.checkout, answer=AnswerInput(score=10), invitation=invitation)
    today = timezone.localdate()
    scope = Scope(
        membership=world.manager.memberships.get(),
        date_from=today - datetime.timedelta(days=29),
        date_to=today,
    )
    cut = {row.key: row.answers for row in metrics_table(scope=scope, by="employee").rows}
    assert cut == {world.employee.pk: 1}
    people = {row.key: row.answers for row in people_report(scope=scope).employees}
    assert people[world.employee.pk] == 1


def _purchase_rows_read() -> tuple[int, int]:
    """(rows read by scans, rows fetched through indexes) of the purchases table in this transaction so far."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT seq_tup_read, idx_tup_fetch FROM pg_stat_xact_user_tables WHERE relname = 'customers_purchase'"
        )
        return cursor.fetchone()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the import's table form is PostgreSQL's")
def test_matching_the_sellers_of_listed_purchases_reads_them_by_id_not_all_the_organizations(world):
    """ADR 0048's open bug: each chunk of a file naming sellers read every order stored before it (quadratic)."""
    customer = make_customer(organization=world.org)
    product = make_product(organization=world.org)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE customers_purchase")  # statistics from before the import, as in a first import
    when = timezone.now()
    stored = Purchase.objects.bulk_create(
        Purchase(
            organization=world.org,
            external_id=f"S{n}",
            customer=customer,
            product=product,
            amount=1,
            currency="RUB",
            purchased_at=when,
            employee_name="emma",
            employee=world.employee,
        )
        for n in range(3000)
    )
    listed = [(stored[0].pk, "max", False), (stored[1].pk, "", False), (stored[2].pk, "emma", True)]
    Purchase.objects.filter(pk=stored[0].pk).update(employee_name="max")
    Purchase.objects.filter(pk=stored[1].pk).update(employee_name="")
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE sellers_listed (id bigint, employee_name text, created boolean)")
        cursor.executemany("INSERT INTO sellers_listed VALUES (%s, %s, %s)", listed)
    before = _purchase_rows_read()
    changed = purchases_match_sellers_in_table(
        organization=world.org, table="sellers_listed", where="c.employee_name <> '' OR NOT c.created"
    )
    after = _purchase_rows_read()
    assert after[0] - before[0] == 0  # no scan of the purchases
    assert after[1] - before[1] <= 2 * len(listed)  # each listed one read and updated by its id
    assert changed == 2
    sellers = dict(Purchase.objects.filter(pk__in=[pk for pk, _n, _c in listed]).values_list("pk", "employee_id"))
    assert sellers == {stored[0].pk: world.manager.pk, stored[1].pk: None, stored[2].pk: world.employee.pk}
