"""Orders through the API: lines of one order, returns, one invitation per order, and racing pushes."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from otklik.customers.models import Customer, CustomerEvent, Product, Purchase, PurchaseLine
from otklik.outreach.models import ScheduledInvitation


def moment(days_ago: float = 1) -> str:
    return (timezone.now() - timedelta(days=days_ago)).isoformat()


def uci_line(order: str, product: str, quantity: int, price: str, customer: str = "17850", **extra) -> dict:
    """A line as UCI Online Retail exports it, pushed as one record."""
    return {
        "external_id": order,
        "customer_external_id": customer,
        "product_external_id": product,
        "quantity": quantity,
        "unit_price": price,
        "purchased_at": moment(),
        **extra,
    }


def test_lines_pushed_as_records_are_one_order_with_one_invitation(world, api_as):
    api = api_as(world.manager)
    items = []
    for number in range(40):
        items += [uci_line(f"5363{number:02}", code, 6, "2.55") for code in ("85123A", "71053", "84406B")]
    items += [uci_line("C536379", "85123A", -12, "2.55")]  # a cancellation: takes revenue back
    response = api.post("/api/purchases/batch", {"items": items})
    assert response.status_code == 200, response.content
    assert response.json() == {"created": 41, "updated": 0, "unchanged": 0}
    assert PurchaseLine.objects.filter(purchase__organization=world.org).count() == 121
    # One invitation per order, none for the cancellation: not one per line.
    assert ScheduledInvitation.objects.filter(organization=world.org).count() == 40
    again = api.post("/api/purchases/batch", {"items": items})
    assert again.json() == {"created": 0, "updated": 0, "unchanged": 41}
    assert ScheduledInvitation.objects.filter(organization=world.org).count() == 40
    body = api.get("/api/customers/17850").json()
    assert body["purchases"]["count"] == 40
    assert body["purchases"]["revenue"] == "1805.40"  # 40 × 3 × 6 × 2.55 − 12 × 2.55
    assert body["purchases"]["by_currency"] == [{"currency": "RUB", "revenue": "1805.40"}]


def test_an_order_with_lines_and_its_read(world, api_as):
    api = api_as(world.manager)
    order = {
        "external_id": "536365",
        "customer_external_id": "17850",
        "purchased_at": moment(),
        "currency": "GBP",
        "lines": [
            {"product_external_id": "85123A", "quantity": 6, "unit_price": "2.55"},
            {"product_external_id": "71053", "quantity": 6, "unit_price": "3.39", "product_name": "Lantern"},
        ],
    }
    created = api.post("/api/purchases", order)
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["amount"], body["currency"], body["status"]) == ("35.64", "GBP", "completed")
    assert [(line["line_no"], line["product_external_id"], line["amount"]) for line in body["lines"]] == [
        (1, "85123A", "15.30"),
        (2, "71053", "20.34"),
    ]
    assert api.post("/api/purchases", order).status_code == 200
    read = api.get("/api/purchases/536365")
    assert read.status_code == 200 and read.json()["lines"] == body["lines"]
    assert api.get("/api/purchases/nope").status_code == 404
    cancelled = api.post("/api/purchases", order | {"status": "refunded"})
    assert cancelled.json()["status"] == "returned"
    scheduled = ScheduledInvitation.objects.get(purchase__external_id="536365")
    assert (scheduled.status, scheduled.reason) == ("cancelled", "The order was returned.")


def test_revenue_in_several_currencies_is_given_per_currency(world, api_as):
    api = api_as(world.manager)
    items = [
        uci_line("1", "A", 1, "100", currency="GBP"),
        uci_line("2", "A", 1, "100", currency="GBP"),
        uci_line("3", "A", 1, "30", currency="EUR"),
    ]
    api.post("/api/purchases/batch", {"items": items})
    purchases = api.get("/api/customers/17850").json()["purchases"]
    assert (purchases["revenue"], purchases["currency"]) == ("200.00", "GBP")
    assert purchases["by_currency"] == [
        {"currency": "GBP", "revenue": "200.00"},
        {"currency": "EUR", "revenue": "30.00"},
    ]


def test_an_anonymous_order_and_a_muddled_one(world, api_as):
    api = api_as(world.manager)
    anonymous = {"external_id": "T1", "product_external_id": "A", "amount": "5", "purchased_at": moment()}
    response = api.post("/api/purchases", anonymous)
    assert response.status_code == 201 and response.json()["customer_external_id"] is None
    muddled = anonymous | {"external_id": "T2", "lines": [{"product_external_id": "B"}]}
    refused = api.post("/api/purchases", muddled)
    assert refused.status_code == 422
    assert not Purchase.objects.filter(external_id="T2").exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a real race needs PostgreSQL's row locks")
@pytest.mark.django_db(transaction=True)
def test_racing_pushes_of_a_new_external_id_create_it_once(world, api_as):
    """Two clients push the same new record at the same moment: one gets 201, the other the stored one with 200."""
    api = api_as(world.manager)
    rounds = 12
    kinds = {
        "customers": (lambda n: {"external_id": f"race-{n}", "name": "Anna"}, Customer),
        "products": (lambda n: {"external_id": f"race-{n}", "name": "Kettle"}, Product),
        "purchases": (
            lambda n: {
                "external_id": f"race-{n}",
                "customer_external_id": f"race-buyer-{n}",
                "product_external_id": f"race-item-{n}",
                "amount": "10",
                "purchased_at": moment(),
            },
            Purchase,
        ),
        "events": (
            lambda n: {"external_id": f"race-{n}", "customer_external_id": f"race-who-{n}", "name": "trial_started"},
            CustomerEvent,
        ),
    }
    for kind, (body, model) in kinds.items():
        for n in range(rounds):
            barrier, statuses, payload = threading.Barrier(2), [], body(n)

            def push(payload=payload, barrier=barrier, statuses=statuses, path=f"/api/{kind}"):
                try:
                    barrier.wait()
                    statuses.append(api.post(path, payload).status_code)
                finally:
                    connection.close()

            threads = [threading.Thread(target=push) for _ in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert sorted(statuses) == [200, 201], (kind, n, statuses)
        assert model.objects.filter(organization=world.org, external_id__startswith="race-").count() == rounds


def test_a_push_with_more_lines_than_a_batch_holds_is_refused_whole(world, api_as):
    from otklik.customers.services import MAX_BATCH

    lines = [{"product_external_id": "A"}] * 1000
    items = [
        {"external_id": f"O{n}", "customer_external_id": "17850", "purchased_at": moment(), "lines": lines}
        for n in range(MAX_BATCH // 1000 + 1)
    ]
    response = api_as(world.manager).post("/api/purchases/batch", {"items": items})
    assert response.status_code == 422
    assert not Purchase.objects.exists()
