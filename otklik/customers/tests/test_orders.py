"""Orders with lines: lines of one order stay together, returns and cancellations take revenue back."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from otklik.customers.models import OrderStatus, Product, Purchase, PurchaseLine
from otklik.customers.segments import segments_compute
from otklik.customers.selectors import customer_summary, products_of
from otklik.customers.services import LinesSeen, purchases_upsert, status_mark
from otklik.testing.factories import make_organization

pytestmark = pytest.mark.django_db


def line(order: str, product: str, quantity="1", price="10", **extra) -> dict:
    """One line as UCI Online Retail exports it: invoice, stock code, quantity, unit price, customer."""
    return {
        "external_id": order,
        "customer_external_id": "17850",
        "product_external_id": product,
        "quantity": quantity,
        "unit_price": price,
        "purchased_at": "2010-12-01 08:26",
        **extra,
    }


def lines_of(organization, external_id: str) -> list[tuple]:
    return list(
        PurchaseLine.objects.filter(purchase__organization=organization, purchase__external_id=external_id)
        .order_by("line_no")
        .values_list("line_no", "product__external_id", "quantity", "amount")
    )


def test_lines_of_one_order_are_kept_and_summed():
    org = make_organization()
    result = purchases_upsert(
        organization=org,
        records=[line("536365", "85123A", "6", "2.55"), line("536365", "71053", "6", "3.39"), line("536366", "22633")],
    )
    assert (result.created, result.errors) == (2, {})
    order = Purchase.objects.get(organization=org, external_id="536365")
    assert order.amount == Decimal("35.64")  # 6 × 2.55 + 6 × 3.39, the lines' sum
    assert order.status == OrderStatus.COMPLETED
    assert lines_of(org, "536365") == [
        (1, "85123A", Decimal("6"), Decimal("15.30")),
        (2, "71053", Decimal("6"), Decimal("20.34")),
    ]


def test_the_same_order_twice_changes_nothing_and_a_shorter_one_replaces_its_lines():
    org = make_organization()
    two = [line("1", "A"), line("1", "B", "2")]
    purchases_upsert(organization=org, records=two)
    again = purchases_upsert(organization=org, records=two)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    changed = purchases_upsert(organization=org, records=[line("1", "A"), line("1", "B", "3")])
    assert (changed.updated, changed.unchanged) == (1, 0)
    shorter = purchases_upsert(organization=org, records=[line("1", "B")])
    assert shorter.updated == 1
    assert lines_of(org, "1") == [(1, "B", Decimal("1"), Decimal("10.00"))]
    assert Purchase.objects.get(external_id="1").amount == Decimal("10.00")


def test_an_import_appends_the_lines_of_an_order_split_over_batches():
    org = make_organization()
    seen = LinesSeen()
    purchases_upsert(organization=org, records=[line("1", "A"), line("1", "B")], seen=seen)
    purchases_upsert(organization=org, records=[line("1", "C", "-1"), line("2", "A")], seen=seen)
    assert [item[1] for item in lines_of(org, "1")] == ["A", "B", "C"]
    assert Purchase.objects.get(external_id="1").amount == Decimal("10.00")  # 10 + 10 − 10


def test_amount_without_price_and_price_without_amount():
    org = make_organization()
    purchases_upsert(
        organization=org,
        records=[
            line("1", "A", "3", "", amount="1 250,50"),  # the line's amount as given
            line("2", "A", "2,5", "4"),  # quantity × unit price
            line("3", "A", "-2", "", amount="7"),  # a returned line written without its sign
        ],
    )
    amounts = dict(Purchase.objects.filter(organization=org).values_list("external_id", "amount"))
    assert amounts == {"1": Decimal("1250.50"), "2": Decimal("10.00"), "3": Decimal("-7.00")}


@pytest.mark.parametrize(
    ("order", "status", "expected"),
    [
        ("C536379", "", OrderStatus.CANCELLED),
        ("536379", "Cancelled", OrderStatus.CANCELLED),
        ("536379", "canceled", OrderStatus.CANCELLED),
        ("536379", "Отменён", OrderStatus.CANCELLED),
        ("536379", "отменен", OrderStatus.CANCELLED),
        ("536379", "скасовано", OrderStatus.CANCELLED),
        ("536379", "refunded", OrderStatus.RETURNED),
        ("536379", "Возврат", OrderStatus.RETURNED),
        ("536379", "повернення", OrderStatus.RETURNED),
        ("536379", "paid", ""),
        ("CRM-1", "", ""),
        # Any form, case, spacing and punctuation of the same words
        ("536379", "Cancelled by customer", OrderStatus.CANCELLED),
        ("536379", "  CANCELED ", OrderStatus.CANCELLED),
        ("536379", "wc-cancelled", OrderStatus.CANCELLED),
        ("536379", "Отменён клиентом", OrderStatus.CANCELLED),
        ("536379", "Скасування", OrderStatus.CANCELLED),
        ("536379", "[3] Отменен", OrderStatus.CANCELLED),
        ("536379", "Cancelled, refunded", OrderStatus.CANCELLED),
        ("536379", "wc-refunded", OrderStatus.RETURNED),
        ("536379", "Returned (damaged)", OrderStatus.RETURNED),
        ("536379", "Возврат товара", OrderStatus.RETURNED),
        ("536379", "Повернення коштів", OrderStatus.RETURNED),
        # A partial refund or a negation leaves the order standing
        ("536379", "partially_refunded", ""),
        ("536379", "refunded (partial)", ""),
        ("536379", "Частичный возврат", ""),
        ("536379", "Часткове повернення", ""),
        ("536379", "not cancelled", ""),
        ("536379", "[N] Принят", ""),
    ],
)
def test_cancellation_markers(order, status, expected):
    assert status_mark(external_id=order, status=status) == expected


def test_returns_and_cancellations_take_revenue_back_and_are_not_orders():
    org = make_organization()
    purchases_upsert(
        organization=org,
        records=[
            line("536365", "A", "10", "5"),  # +50
            line("536366", "B", "2", "5"),  # +10
            line("C536379", "A", "-4", "5"),  # UCI's cancellation of four: −20
            line("536380", "A", "3", "5", status="cancelled"),  # never stood: 0
            line("536381", "B", "-1", "5"),  # every line negative: a return, −5
        ],
    )
    statuses = dict(Purchase.objects.filter(organization=org).values_list("external_id", "status"))
    assert statuses == {
        "536365": "completed",
        "536366": "completed",
        "C536379": "cancelled",
        "536380": "cancelled",
        "536381": "returned",
    }
    customer = Purchase.objects.get(external_id="536365").customer
    summary = customer_summary(customer)
    assert summary.purchase_count == 2
    assert summary.revenue == Decimal("35.00")
    segments_compute(organization=org)
    customer.refresh_from_db()
    assert customer.rfm_frequency is not None


def test_several_currencies_are_shown_apart_never_added():
    org = make_organization()
    purchases_upsert(
        organization=org,
        records=[
            line("1", "A", "1", "100", currency="GBP"),
            line("2", "A", "1", "100", currency="GBP"),
            line("3", "A", "1", "30", currency="EUR"),
        ],
    )
    summary = customer_summary(Purchase.objects.get(external_id="1").customer)
    assert summary.currency == "GBP"
    assert summary.revenues == [("GBP", Decimal("200.00")), ("EUR", Decimal("30.00"))]
    assert summary.other_currencies == ["EUR"]


def test_a_line_without_a_currency_takes_the_organizations():
    org = make_organization()
    org.currency = "UAH"
    org.save()
    purchases_upsert(organization=org, records=[line("1", "A")])
    assert Purchase.objects.get().currency == "UAH"


def test_an_anonymous_order_counts_for_its_products_not_for_a_customer():
    org = make_organization()
    purchases_upsert(
        organization=org,
        records=[line("1", "A", customer_external_id=""), line("1", "B", customer_external_id=""), line("2", "A")],
    )
    anonymous = Purchase.objects.get(external_id="1")
    assert anonymous.customer is None
    counts = dict(products_of(organization=org).values_list("external_id", "purchase_count"))
    assert counts == {"A": 2, "B": 1}
    assert customer_summary(Purchase.objects.get(external_id="2").customer).purchase_count == 1


def test_the_order_is_asked_about_its_product_with_the_longest_delay():
    org = make_organization()
    Product.objects.create(organization=org, external_id="TEA", name="Tea", evaluation_delay_days=2)
    Product.objects.create(organization=org, external_id="KETTLE", name="Kettle", evaluation_delay_days=14)
    Product.objects.create(organization=org, external_id="OLD", name="Old", evaluation_delay_days=90, is_active=False)
    moment = (timezone.now() - timedelta(days=1)).isoformat()
    purchases_upsert(
        organization=org,
        records=[
            line("1", "TEA", purchased_at=moment),
            line("1", "OLD", purchased_at=moment),
            line("1", "KETTLE", purchased_at=moment),
        ],
    )
    assert Purchase.objects.get(external_id="1").product.external_id == "KETTLE"
