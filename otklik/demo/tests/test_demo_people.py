"""Issue 17: the demo's answers are credited to employees, and /metrics/ by employee and /people/ agree.

An answer counts for the employee of its touchpoint, else for the seller of the purchase it is
about; the demo's purchases name their seller (the company's employee) and a known customer's
answer is about their last purchase before it.
"""

import datetime

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from otklik.accounts.models import Membership
from otklik.customers.models import Purchase
from otklik.dashboard.metrics import Scope, metrics_table
from otklik.dashboard.people import people_report
from otklik.demo.datasets import datasets_dir
from otklik.demo.services import demo_load
from otklik.surveys.models import Response

DATASETS_DIR = datasets_dir()
LIMIT = 120

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not DATASETS_DIR.is_dir(), reason=f"the shared datasets are not at {DATASETS_DIR}"),
]


@pytest.fixture
def demo():
    return demo_load(datasets_dir=DATASETS_DIR, limit_per_dataset=LIMIT).organization


def manager_scope(organization, **period) -> Scope:
    return Scope(membership=Membership.objects.get(organization=organization, user__username="manager"), **period)


def test_demo_purchases_carry_their_seller(demo):
    purchases = Purchase.objects.filter(organization=demo)
    assert not purchases.filter(employee__isnull=True).exists()
    sample = purchases.select_related("employee", "location").first()
    assert sample.employee.username == sample.employee_name and sample.location.responsible == sample.employee


def test_the_metrics_cut_by_employee_credits_the_demos_answers_and_people_agrees(demo):
    scope = manager_scope(demo)
    table = metrics_table(scope=scope, by="employee")
    credited = {row.key: row.answers for row in table.rows if row.key is not None}
    unknown = sum(row.answers for row in table.rows if row.key is None)
    assert sum(credited.values()) > 0 and unknown < table.total.answers
    assert (
        sum(credited.values()) == Response.objects.filter(organization=demo, purchase__employee__isnull=False).count()
    )
    people = {row.key: row.answers for row in people_report(scope=scope).employees if row.answers}
    assert people == credited


def test_the_best_of_the_period_fills_on_the_demo(demo):
    today = timezone.localdate()
    report = people_report(scope=manager_scope(demo, date_from=today - datetime.timedelta(days=29), date_to=today))
    assert report.best
    assert all(row.answers >= report.min_answers for row in report.best)
    assert {row.key for row in report.best} <= set(
        User.objects.filter(memberships__role="employee").values_list("pk", flat=True)
    )


def test_a_second_run_credits_nothing_again(demo):
    before = list(Response.objects.order_by("pk").values_list("purchase_id", flat=True))
    result = demo_load(datasets_dir=DATASETS_DIR, limit_per_dataset=LIMIT).customers
    assert (result.purchases_credited, result.answers_with_purchase) == (0, 0)
    assert list(Response.objects.order_by("pk").values_list("purchase_id", flat=True)) == before
