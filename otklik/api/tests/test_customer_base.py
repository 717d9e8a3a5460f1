"""The customer-base API: idempotent upserts by external id, all-or-nothing batches, scoped reads."""

import pytest

from otklik.customers.models import Customer, CustomerEvent, Product, Purchase
from otklik.customers.services import MAX_BATCH
from otklik.testing.factories import make_response

from .conftest import COMPLAINT


def purchase(n: int, **extra) -> dict:
    return {
        "external_id": f"P{n}",
        "customer_external_id": f"C{n % 3}",
        "customer_email": f"c{n % 3}@example.com",
        "product_external_id": "SKU1",
        "product_name": "Kettle",
        "amount": "1250.50",
        "purchased_at": "2026-11-05T14:30:00+03:00",
        **extra,
    }


def test_one_customer_is_created_then_the_same_push_changes_nothing(world, api_as):
    api = api_as(world.manager)
    body = {"external_id": "C1", "name": "Anna", "phone": "8 (916) 123-45-67", "consent_email": True, "tags": ["VIP"]}
    created = api.post("/api/customers", body)
    assert created.status_code == 201, created.content
    assert created.json()["phone"] == "79161234567" and created.json()["tags"] == ["VIP"]
    stamp = Customer.objects.get(external_id="C1").updated_at
    again = api.post("/api/customers", body)
    assert again.status_code == 200
    assert Customer.objects.get(external_id="C1").updated_at == stamp
    changed = api.post("/api/customers", {"external_id": "C1", "email": "anna@example.com"})
    assert changed.status_code == 200
    customer = Customer.objects.get(organization=world.org, external_id="C1")
    # A field left out keeps its value.
    assert (customer.name, customer.email, customer.consent_email) == ("Anna", "anna@example.com", True)


def test_a_batch_of_purchases_creates_customers_and_products_and_twice_changes_nothing(world, api_as):
    api = api_as(world.manager)
    batch = {"items": [purchase(n, location="main street") for n in range(6)]}
    first = api.post("/api/purchases/batch", batch)
    assert first.json() == {"created": 6, "updated": 0, "unchanged": 0}
    assert Customer.objects.filter(organization=world.org).count() == 3
    assert Purchase.objects.filter(organization=world.org, location=world.store).count() == 6
    second = api.post("/api/purchases/batch", batch)
    assert second.json() == {"created": 0, "updated": 0, "unchanged": 6}
    assert Purchase.objects.count() == 6


def test_a_batch_with_a_bad_record_is_refused_whole_with_its_position(world, api_as):
    api = api_as(world.manager)
    response = api.post("/api/purchases/batch", {"items": [purchase(1), purchase(2, purchased_at="yesterday")]})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert {tuple(error["loc"]) for error in detail} == {("body", "payload", "items", 1)}
    assert "yesterday" in detail[0]["msg"]
    assert not Purchase.objects.exists() and not Customer.objects.exists()


def test_a_record_with_an_unknown_field_is_refused(world, api_as):
    response = api_as(world.manager).post("/api/customers", {"external_id": "C1", "emial": "a@example.com"})
    assert response.status_code == 422
    assert not Customer.objects.exists()


def test_a_batch_over_the_limit_is_refused(world, api_as):
    items = [{"external_id": f"C{n}"} for n in range(MAX_BATCH + 1)]
    response = api_as(world.manager).post("/api/customers/batch", {"items": items})
    assert response.status_code == 422
    assert not Customer.objects.exists()


def test_products_with_delay_and_mode(world, api_as):
    api = api_as(world.manager)
    response = api.post(
        "/api/products/batch",
        {
            "items": [
                {"external_id": "K1", "name": "Kitchen", "evaluation_delay_days": 30, "evaluation_mode": "manual"},
                {"external_id": "T1", "name": "Tea", "evaluation_delay_days": 1},
            ]
        },
    )
    assert response.json()["created"] == 2
    kitchen = Product.objects.get(organization=world.org, external_id="K1")
    assert (kitchen.evaluation_delay_days, kitchen.evaluation_mode) == (30, "manual")
    bad = api.post("/api/products", {"external_id": "X", "name": "X", "evaluation_delay_days": 1000})
    assert bad.status_code == 422 and not Product.objects.filter(external_id="X").exists()


def test_events_are_recorded_once(world, api_as):
    api = api_as(world.manager)
    event = {"external_id": "E1", "customer_external_id": "C1", "name": "trial_started", "data": {"plan": "pro"}}
    assert api.post("/api/events", event).status_code == 201
    assert api.post("/api/events", event).status_code == 200
    assert CustomerEvent.objects.get().data == {"plan": "pro"}


def test_one_purchase_returns_the_stored_purchase(world, api_as):
    response = api_as(world.manager).post("/api/purchases", purchase(7, amount=99.9))
    assert response.status_code == 201
    body = response.json()
    assert (body["customer_external_id"], body["product_external_id"], body["amount"]) == ("C1", "SKU1", "99.90")


def test_get_a_customer_with_the_summary_of_their_purchases(world, api_as):
    api = api_as(world.manager)
    api.post("/api/purchases/batch", {"items": [purchase(n) for n in range(6)]})
    customer = Customer.objects.get(external_id="C1")
    make_response(
        survey=world.nps, touchpoint=world.checkout, score=2, comment=COMPLAINT, customer_email="c1@example.com"
    )
    body = api.get("/api/customers/C1").json()
    assert body["purchases"]["count"] == 2
    assert body["purchases"]["revenue"] == "2501.00"
    assert body["purchases"]["revenue_share"] == pytest.approx(100 / 3)
    assert (body["answer_count"], body["case_count"]) == (1, 1)
    assert body["id"] == customer.pk
    assert api.get("/api/customers/nobody").status_code == 404


def test_a_stranger_can_neither_read_nor_change_another_organizations_customers(world, api_as):
    api_as(world.manager).post("/api/customers", {"external_id": "C1", "name": "Anna"})
    stranger = api_as(world.stranger)
    assert stranger.get("/api/customers/C1").status_code == 404
    # The same external id in another organization is another customer.
    assert stranger.post("/api/customers", {"external_id": "C1", "name": "Someone else"}).status_code == 201
    assert Customer.objects.get(organization=world.org, external_id="C1").name == "Anna"
    assert Customer.objects.get(organization=world.other_org, external_id="C1").name == "Someone else"


def test_employees_and_viewers_may_not_write_and_employees_read_only_their_locations(world, api_as):
    manager = api_as(world.manager)
    manager.post(
        "/api/purchases/batch", {"items": [purchase(1, location="Main Street"), purchase(2, location="Airport")]}
    )
    for user in (world.employee, world.viewer):
        assert api_as(user).post("/api/customers", {"external_id": "C9"}).status_code == 403
    employee = api_as(world.employee)
    assert employee.get("/api/customers/C1").status_code == 200
    assert employee.get("/api/customers/C2").status_code == 404
    assert api_as(world.viewer).get("/api/customers/C2").status_code == 200


def test_no_token_no_access(client, world):
    assert client.get("/api/customers/C1").status_code == 401
    assert client.post("/api/customers", {"external_id": "C1"}, content_type="application/json").status_code == 401


def test_a_request_without_a_body_or_with_nul_characters_is_a_clear_error(world, api_as):
    api = api_as(world.manager)
    assert api.client.post("/api/customers").status_code in (400, 422)
    assert api.client.post("/api/customers/batch").status_code in (400, 422)
    assert api.post("/api/customers", {"external_id": "C\x001"}).status_code == 422
    assert (
        api.post(
            "/api/events", {"external_id": "E", "customer_external_id": "C", "name": "x", "data": {"k": "\x00"}}
        ).status_code
        == 422
    )
    assert api.get("/api/customers/0").status_code == 404
    assert not Customer.objects.exists()
