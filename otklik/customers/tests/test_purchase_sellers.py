"""Issue 17: a purchase's seller, as the source system names them, is matched to a member, so the answers
about the purchase are credited to them on /metrics/ (by employee) and /people/."""

import datetime

from django.utils import timezone

from otklik.accounts.models import Role
from otklik.customers.models import Purchase
from otklik.customers.services import purchases_upsert
from otklik.dashboard.metrics import Scope, metrics_table
from otklik.dashboard.people import people_report
from otklik.intake.answers import answer_receive
from otklik.surveys.models import Invitation
from otklik.surveys.services import AnswerInput
from otklik.testing.factories import make_user


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
