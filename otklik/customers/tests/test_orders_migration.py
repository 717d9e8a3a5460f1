"""Purchases stored before orders had lines become orders of one line, nothing lost."""

from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("customers", "0004_customer_erased_at")]
AFTER = [("customers", "0005_orders_with_lines")]


@pytest.mark.django_db(transaction=True)
def test_each_stored_purchase_becomes_an_order_with_one_line():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    # The other apps stay as they are (migrating customers back leaves them at their latest).
    accounts = [node for node in executor.loader.graph.leaf_nodes() if node[0] == "accounts"]
    old = executor.loader.project_state([*BEFORE, *accounts]).apps
    organization = old.get_model("accounts", "Organization").objects.create(name="Old shop", slug="old-shop")
    customer = old.get_model("customers", "Customer").objects.create(organization=organization, external_id="C1")
    product = old.get_model("customers", "Product").objects.create(
        organization=organization, external_id="SKU", name="Kettle"
    )
    Purchase = old.get_model("customers", "Purchase")
    for external_id, amount in [("P1", "1250.50"), ("P2", "-300.00")]:
        Purchase.objects.create(
            organization=organization,
            external_id=external_id,
            customer=customer,
            product=product,
            amount=Decimal(amount),
            purchased_at=timezone.now(),
        )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    orders = new.get_model("customers", "Purchase").objects.order_by("external_id")
    assert [(o.external_id, o.amount, o.status) for o in orders] == [
        ("P1", Decimal("1250.50"), "completed"),
        ("P2", Decimal("-300.00"), "returned"),
    ]
    lines = new.get_model("customers", "PurchaseLine").objects.order_by("purchase__external_id")
    assert [(line.line_no, line.product_id, line.quantity, line.unit_price, line.amount) for line in lines] == [
        (1, product.pk, Decimal("1"), Decimal("1250.50"), Decimal("1250.50")),
        (1, product.pk, Decimal("-1"), Decimal("300.00"), Decimal("-300.00")),
    ]
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
