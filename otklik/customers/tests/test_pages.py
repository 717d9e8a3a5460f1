"""The customer pages: list with search, filters and revenue at risk; the card; tags; the product catalogue."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from otklik.customers.models import Customer, EvaluationMode, Product, Tag
from otklik.customers.segments import segments_compute
from otklik.testing.factories import make_customer, make_purchase, make_response

# Real customer words from /work/shared/datasets/airline-tweets-en (tweet ids 570035876845084672, 570295459631263746).
COMPLAINT = "@VirginAmerica Your chat support is not working on your site: http://t.co/vhp2GtDWPk"
PRAISE = "@VirginAmerica it was amazing, and arrived an hour early. You're too good to me."


@pytest.fixture
def base(world):
    """Anna bought at Main Street and then complained; Boris bought at the Airport and praised."""
    anna = make_customer(organization=world.org, name="Anna Petrova", email="anna@example.com", phone="79161234567")
    boris = make_customer(organization=world.org, name="Boris", consent_email=True)
    make_purchase(customer=anna, amount="3000", location=world.store)
    make_purchase(customer=anna, amount="1000", location=world.store, purchased_at=timezone.now() - timedelta(days=90))
    make_purchase(customer=boris, amount="6000", location=world.other_store)
    complaint = make_response(
        survey=world.nps, touchpoint=world.checkout, score=2, comment=COMPLAINT, customer_email="anna@example.com"
    )
    Customer.objects.filter(pk=boris.pk).update(phone="380501112233")
    make_response(
        survey=world.nps, touchpoint=world.other_checkout, score=10, comment=PRAISE, customer_phone="0501112233"
    )
    return anna, boris, complaint


def test_the_list_shows_customers_with_revenue_and_the_revenue_at_risk(base, world, login):
    page = login(world.manager).get(reverse("customers:list"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Anna Petrova" in html and "Boris" in html
    at_risk = page.context["at_risk"]
    # Only Anna's last answer was a detractor's: 4 000 of 10 000.
    assert (str(at_risk.amount), at_risk.customers, at_risk.share) == ("4000.00", 1, 40.0)
    rows = {customer.name: customer for customer in page.context["page"].object_list}
    # Compared as numbers: SQLite returns the sum without its scale ("4000"), PostgreSQL with it ("4000.00").
    assert (rows["Anna Petrova"].revenue, rows["Anna Petrova"].purchase_count) == (Decimal("4000"), 2)


@pytest.mark.parametrize("query", ["petrova", "ANNA@example", "+7 916 123", "C"])
def test_search_by_name_email_phone_or_external_id(base, world, login, query):
    anna, boris, _ = base
    client = login(world.manager)
    names = [c.name for c in client.get(reverse("customers:list"), {"q": query}).context["page"].object_list]
    assert "Anna Petrova" in names
    if query != "C":
        assert "Boris" not in names
    by_id = client.get(reverse("customers:list"), {"q": boris.external_id}).context["page"].object_list
    assert [c.name for c in by_id] == ["Boris"]


def test_an_external_id_with_digits_is_not_searched_as_a_phone(base, world, login):
    anna, boris, _ = base
    Customer.objects.filter(pk=boris.pk).update(external_id="C916")  # Anna's phone 79161234567 has 916 in it
    client = login(world.manager)
    by_id = client.get(reverse("customers:list"), {"q": "C916"}).context["page"].object_list
    assert [c.name for c in by_id] == ["Boris"]
    by_phone = client.get(reverse("customers:list"), {"q": "916"}).context["page"].object_list
    assert "Anna Petrova" in [c.name for c in by_phone]


def test_filter_by_segment_and_tag(base, world, login):
    anna, boris, _ = base
    vip = Tag.objects.create(organization=world.org, name="VIP")
    boris.tags.add(vip)
    Customer.objects.filter(pk=anna.pk).update(segment="at_risk")
    client = login(world.manager)
    by_segment = client.get(reverse("customers:list"), {"segment": "at_risk"}).context["page"].object_list
    assert [c.name for c in by_segment] == ["Anna Petrova"]
    by_tag = client.get(reverse("customers:list"), {"tag": vip.pk}).context["page"].object_list
    assert [c.name for c in by_tag] == ["Boris"]


def test_the_list_is_paginated(world, login):
    Customer.objects.bulk_create([Customer(organization=world.org, name=f"Customer {n:03}") for n in range(55)])
    client = login(world.manager)
    first = client.get(reverse("customers:list"))
    assert len(first.context["page"].object_list) == 50 and 'rel="next"' in first.content.decode()
    assert len(client.get(reverse("customers:list"), {"page": 2}).context["page"].object_list) == 5


def test_the_card_shows_who_the_customer_is(base, world, login):
    anna, _, complaint = base
    segments_compute(organization=world.org)
    page = login(world.manager).get(reverse("customers:card", args=[anna.pk]))
    assert page.status_code == 200
    who = page.context["who"]
    assert (who.purchase_count, str(who.revenue), who.revenue_share) == (2, "4000.00", 40.0)
    assert (who.answer_count, who.case_count, who.last_answer_is_detractor) == (1, 1, True)
    assert who.since == anna.purchases.order_by("purchased_at").first().purchased_at
    html = page.content.decode()
    assert "anna@example.com" in html and "+79161234567" in html and COMPLAINT[:40] in html
    assert reverse("cases:detail", args=[complaint.case.pk]) in html
    assert sorted(entry.kind for entry in page.context["timeline"]) == ["answer", "case"]
    assert len(page.context["purchases"]) == 2
    assert who.segment and str(who.segment) in html


def test_the_card_shows_every_channels_address_consent_and_undeliverable_mark(world, login):
    customer = make_customer(
        organization=world.org,
        name="Vera",
        email="vera@example.com",
        telegram_chat_id="424242",
        consent_telegram=True,
        telegram_invalid_at=timezone.now(),
    )
    page = login(world.manager).get(reverse("customers:card", args=[customer.pk]))
    contacts = {contact.address_field: contact for contact in page.context["contacts"]}
    assert list(contacts) == ["email", "phone", "telegram_chat_id"]
    assert contacts["email"].link == "mailto:vera@example.com" and not contacts["email"].undeliverable
    assert contacts["phone"].address == ""
    assert contacts["telegram_chat_id"].undeliverable and contacts["telegram_chat_id"].consent
    html = page.content.decode()
    assert 'id="customer-telegram_chat_id">424242 <span class="badge bad">' in html
    assert '<dd id="customer-consent"><span class="badge ok">Telegram</span> </dd>' in html


def test_the_card_shows_orders_with_their_lines_returns_apart_and_each_currency(base, world, login):
    anna, _, _complaint = base
    from otklik.customers.services import purchases_upsert

    line = {"customer_external_id": anna.external_id, "purchased_at": "2026-11-05 10:00"}
    purchases_upsert(
        organization=world.org,
        records=[
            line | {"external_id": "536365", "product_external_id": "85123A", "quantity": "6", "unit_price": "2.55"},
            line | {"external_id": "536365", "product_external_id": "71053", "quantity": "6", "unit_price": "3.39"},
            line | {"external_id": "C536379", "product_external_id": "85123A", "quantity": "-2", "unit_price": "2.55"},
            line | {"external_id": "536380", "product_external_id": "71053", "amount": "40", "currency": "EUR"},
        ],
    )
    page = login(world.manager).get(reverse("customers:card", args=[anna.pk]))
    who = page.context["who"]
    assert who.purchase_count == 4  # two earlier orders, 536365 and 536380; not the cancellation
    assert who.revenues == [("RUB", Decimal("4030.54")), ("EUR", Decimal("40.00"))]  # 4000 + 35.64 − 5.10
    html = page.content.decode()
    assert "85123A × 6" in html and "71053 × 6" in html
    assert 'class="order-cancelled"' in html and "C536379" in html
    assert 'data-currency="EUR"' in html


def test_a_stranger_gets_404_for_the_card_and_sees_no_customers(base, world, login):
    anna, _, _ = base
    client = login(world.stranger)
    assert client.get(reverse("customers:card", args=[anna.pk])).status_code == 404
    assert client.get(reverse("customers:list")).context["page"].paginator.count == 0
    tag_url = reverse("customers:tag_add", args=[anna.pk])
    assert client.post(tag_url, {"name": "spy"}).status_code == 404
    assert not Tag.objects.filter(name="spy").exists()


def test_an_employee_sees_only_customers_of_their_locations(base, world, login):
    anna, boris, _ = base
    client = login(world.employee)
    names = [c.name for c in client.get(reverse("customers:list")).context["page"].object_list]
    assert names == ["Anna Petrova"]
    assert client.get(reverse("customers:card", args=[anna.pk])).status_code == 200
    assert client.get(reverse("customers:card", args=[boris.pk])).status_code == 404


def test_viewers_see_every_customer_but_cannot_tag(base, world, login):
    anna, boris, _ = base
    client = login(world.viewer)
    assert client.get(reverse("customers:card", args=[boris.pk])).status_code == 200
    assert client.post(reverse("customers:tag_add", args=[anna.pk]), {"name": "VIP"}).status_code == 403
    assert not anna.tags.exists()


def test_a_manager_adds_and_removes_tags(base, world, login):
    anna, _, _ = base
    client = login(world.manager)
    added = client.post(reverse("customers:tag_add", args=[anna.pk]), {"name": "  Wholesale  buyer "})
    assert added.status_code == 303
    tag = anna.tags.get()
    assert tag.name == "Wholesale buyer"
    assert client.post(reverse("customers:tag_add", args=[anna.pk]), {"name": "Wholesale buyer"}).status_code == 303
    assert anna.tags.count() == 1
    assert client.post(reverse("customers:tag_add", args=[anna.pk]), {"name": "   "}).status_code == 400
    removed = client.post(reverse("customers:tag_remove", args=[anna.pk, tag.pk]))
    assert removed.status_code == 303 and not anna.tags.exists()
    assert Tag.objects.filter(pk=tag.pk).exists()


def test_a_tag_of_another_organization_cannot_be_removed_through_mine(base, world, login):
    anna, _, _ = base
    theirs = Tag.objects.create(organization=world.other_org, name="VIP")
    response = login(world.manager).post(reverse("customers:tag_remove", args=[anna.pk, theirs.pk]))
    assert response.status_code == 404


def test_the_product_catalogue_is_edited_by_managers_and_validated(world, login):
    kettle = Product.objects.create(organization=world.org, external_id="K", name="Kettle")
    client = login(world.manager)
    assert "Kettle" in client.get(reverse("customers:products")).content.decode()
    url = reverse("customers:product_edit", args=[kettle.pk])
    prefix = f"p{kettle.pk}-"
    saved = client.post(
        url,
        {f"{prefix}evaluation_delay_days": 14, f"{prefix}evaluation_mode": "manual", f"{prefix}survey": world.nps.pk},
    )
    assert saved.status_code == 303
    kettle.refresh_from_db()
    assert (kettle.evaluation_delay_days, kettle.evaluation_mode, kettle.survey) == (
        14,
        EvaluationMode.MANUAL,
        world.nps,
    )
    for bad in [
        {f"{prefix}evaluation_delay_days": 400, f"{prefix}evaluation_mode": "automatic"},
        {f"{prefix}evaluation_delay_days": 3, f"{prefix}evaluation_mode": "sometimes"},
        {
            f"{prefix}evaluation_delay_days": 3,
            f"{prefix}evaluation_mode": "automatic",
            f"{prefix}survey": world.stranger_nps.pk,
        },
    ]:
        assert client.post(url, bad).status_code == 400
    kettle.refresh_from_db()
    assert (kettle.evaluation_delay_days, kettle.evaluation_mode) == (14, EvaluationMode.MANUAL)


def test_only_managers_edit_products_and_strangers_get_404(world, login):
    kettle = Product.objects.create(organization=world.org, external_id="K", name="Kettle")
    url = reverse("customers:product_edit", args=[kettle.pk])
    data = {f"p{kettle.pk}-evaluation_delay_days": 1, f"p{kettle.pk}-evaluation_mode": "automatic"}
    assert login(world.viewer).post(url, data).status_code == 403
    assert login(world.stranger).post(url, data).status_code == 404
    assert "Kettle" not in login(world.stranger).get(reverse("customers:products")).content.decode()
    assert Product.objects.get(pk=kettle.pk).evaluation_delay_days == 3


def test_the_pages_need_a_login(client, world):
    for url in [reverse("customers:list"), reverse("customers:products")]:
        assert client.get(url).status_code == 302


def test_the_case_page_says_who_the_customer_is_with_a_link_to_the_card(base, world, login):
    anna, _, complaint = base
    client = login(world.manager)
    case_page = client.get(reverse("cases:detail", args=[complaint.case.pk])).content.decode()
    card_url = reverse("customers:card", args=[anna.pk])
    assert 'id="customer-who"' in case_page and card_url in case_page
    assert "40.00 % of the organization" in case_page
    assert card_url in client.get(reverse("cases:list")).content.decode()


def test_every_answer_with_a_customer_links_to_the_card_and_the_list_filters_by_segment_and_tag(base, world, login):
    anna, boris, complaint = base
    client = login(world.manager)
    answers = client.get(reverse("dashboard:answers")).content.decode()
    assert reverse("customers:card", args=[anna.pk]) in answers
    assert reverse("customers:card", args=[boris.pk]) in answers
    Customer.objects.filter(pk=anna.pk).update(segment="at_risk")
    vip = Tag.objects.create(organization=world.org, name="VIP")
    boris.tags.add(vip)
    by_segment = client.get(reverse("dashboard:answers"), {"segment": "at_risk"}).context["page_obj"].object_list
    assert [answer.pk for answer in by_segment] == [complaint.pk]
    by_tag = client.get(reverse("dashboard:answers"), {"tag": vip.pk}).context["page_obj"].object_list
    assert [answer.customer_id for answer in by_tag] == [boris.pk]


def test_an_employee_sees_on_the_card_only_the_answers_of_their_locations_but_the_whole_revenue(base, world, login):
    anna, _, _ = base
    elsewhere = make_response(
        survey=world.nps, touchpoint=world.other_checkout, score=9, comment=PRAISE, customer_email="anna@example.com"
    )
    make_purchase(customer=anna, amount="5000", location=world.other_store)
    page = login(world.employee).get(reverse("customers:card", args=[anna.pk]))
    shown = [entry.item.pk for entry in page.context["timeline"] if entry.kind == "answer"]
    assert elsewhere.pk not in shown and len(shown) == 1
    assert str(page.context["who"].revenue) == "9000.00" and page.context["who"].answer_count == 2
