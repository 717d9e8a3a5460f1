"""The demo customer base: a product catalogue, customers and two years of purchases, linked to demo answers.

The datasets carry no author names (the airline file's trimmed copy has no `name`
column; SentiRuEval has none), so demo customers have no names or contacts: they
are known by their CRM id, like "united-007". Amounts and dates are drawn from a
random generator seeded by each customer's id, so every run draws the same; a
purchase already stored is left alone, so a second run changes nothing. New
purchases go through the same scheduling hook as an import's: the last days'
purchases get their invitations (or wait in the manual queue), while older history
gets none, by the expiry rule. Demo customers have no contacts, so an invitation that
comes due is kept as "no channel".
"""

import hashlib
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Sum

from otklik.accounts.models import Location, Organization
from otklik.cases.models import Case
from otklik.customers.models import Customer, EvaluationMode, Product, Purchase, PurchaseLine, Tag
from otklik.customers.services import connection_returns_ids, purchases_match_sellers
from otklik.demo.datasets import AIRLINES, DATASETS, SENTIRUEVAL
from otklik.intake.purchases import purchases_changed
from otklik.intake.segments import segments_recompute
from otklik.surveys.models import Response, Source, Survey

CUSTOMERS_PER_LOCATION = 25
# Four answers in ten come from a known customer; the rest stay anonymous, as from a QR code.
LINKED_PER_TEN = 4
HISTORY_DAYS = 730
CURRENCY = "RUB"
TELECOM = {"beeline", "mts", "megafon", "tele2", "rostelecom", "skylink", "komstar"}
VIP_TAG = "VIP"
VIP_SHARE = 0.05


@dataclass(frozen=True)
class DemoProduct:
    external_id: str
    name: str
    group: str  # airline, telecom or bank
    delay_days: int
    mode: str
    price: tuple[int, int]  # roubles
    weight: int  # how often it is bought, relative to the group's other products


PRODUCTS = [
    DemoProduct("air-economy", "Economy ticket", "airline", 1, EvaluationMode.AUTOMATIC, (9_000, 35_000), 10),
    DemoProduct("air-business", "Business class ticket", "airline", 1, EvaluationMode.AUTOMATIC, (60_000, 180_000), 2),
    DemoProduct("air-baggage", "Checked baggage", "airline", 2, EvaluationMode.AUTOMATIC, (2_500, 6_000), 6),
    DemoProduct("air-charter", "Group charter", "airline", 14, EvaluationMode.MANUAL, (400_000, 1_200_000), 1),
    DemoProduct("tel-tariff", "Тариф связи, месяц", "telecom", 30, EvaluationMode.AUTOMATIC, (300, 1_500), 12),
    DemoProduct(
        "tel-home", "Подключение домашнего интернета", "telecom", 7, EvaluationMode.AUTOMATIC, (1_000, 5_000), 2
    ),
    DemoProduct("tel-business", "Связь для бизнеса, год", "telecom", 21, EvaluationMode.MANUAL, (60_000, 250_000), 1),
    DemoProduct("bank-card", "Дебетовая карта, обслуживание", "bank", 14, EvaluationMode.AUTOMATIC, (0, 1_500), 8),
    DemoProduct("bank-loan", "Потребительский кредит", "bank", 30, EvaluationMode.MANUAL, (20_000, 150_000), 3),
    DemoProduct("bank-mortgage", "Ипотека", "bank", 60, EvaluationMode.MANUAL, (150_000, 600_000), 1),
]


@dataclass
class DemoCustomersResult:
    products_created: int = 0
    customers_created: int = 0
    purchases_created: int = 0
    answers_linked: int = 0
    purchases_credited: int = 0
    answers_with_purchase: int = 0
    segments_changed: int = 0


def _hash(key: str) -> int:
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")


def _locations(organization: Organization) -> list[tuple[Location, str, str]]:
    """(location, company code, product group) for each demo company present."""
    by_name = {location.name: location for location in Location.objects.filter(organization=organization)}
    found = []
    for dataset in DATASETS:
        for code, name in dataset.companies.items():
            if name in by_name:
                group = "airline" if dataset is AIRLINES else "telecom" if code in TELECOM else "bank"
                found.append((by_name[name], code, group))
    return found


def _products(organization: Organization, result: DemoCustomersResult) -> dict[str, Product]:
    stored = {p.external_id: p for p in Product.objects.filter(organization=organization)}
    # Airline buyers are asked in the English survey, the Russian companies' buyers in the Russian one.
    surveys = {survey.name: survey for survey in Survey.objects.filter(organization=organization)}
    for item in PRODUCTS:
        if item.external_id not in stored:
            survey_name = (AIRLINES if item.group == "airline" else SENTIRUEVAL).survey_name
            stored[item.external_id] = Product.objects.create(
                organization=organization,
                external_id=item.external_id,
                name=item.name,
                evaluation_delay_days=item.delay_days,
                evaluation_mode=item.mode,
                survey=surveys.get(survey_name),
            )
            result.products_created += 1
    return stored


def _history(*, customer_id: str, group: str, now: datetime) -> tuple[list[tuple[str, Decimal, datetime]], datetime]:
    """(product, amount, date) of the customer's purchases, and since when they are a customer; seeded, stable."""
    rng = random.Random(_hash(customer_id))
    catalogue = [item for item in PRODUCTS if item.group == group]
    # Most customers buy a few times; a few buy very often (a long tail, as in real shops).
    count = min(int(rng.paretovariate(1.3)) + rng.randrange(3), 60)
    first_day = rng.randrange(HISTORY_DAYS)
    purchases = []
    for _ in range(count):
        item = rng.choices(catalogue, weights=[item.weight for item in catalogue])[0]
        low, high = item.price
        amount = Decimal(round(rng.uniform(low, high), -1)).quantize(Decimal("0.01"))
        moment = now - timedelta(days=rng.uniform(0, first_day + 1), minutes=rng.randrange(600))
        purchases.append((item.external_id, amount, moment))
    since = min(moment for _product, _amount, moment in purchases)
    if rng.random() < 0.15:  # some have been customers for years, long before this system's history
        since -= timedelta(days=rng.randrange(365, 365 * 20))
    return purchases, since


def _customers_and_purchases(
    organization: Organization, locations, products: dict[str, Product], now: datetime, result: DemoCustomersResult
) -> None:
    stored = {c.external_id: c for c in Customer.objects.filter(organization=organization, external_id__isnull=False)}
    stored_purchases = set(Purchase.objects.filter(organization=organization).values_list("external_id", flat=True))
    histories = []
    new_customers = []
    for location, code, group in locations:
        language = "en" if group == "airline" else "ru"
        for number in range(1, CUSTOMERS_PER_LOCATION + 1):
            external_id = f"{code}-{number:03}"
            history, since = _history(customer_id=external_id, group=group, now=now)
            histories.append((location, code, external_id, history))
            if external_id not in stored:
                stored[external_id] = Customer(
                    organization=organization, external_id=external_id, language=language, customer_since=since
                )
                new_customers.append(stored[external_id])
    Customer.objects.bulk_create(new_customers, batch_size=1000)
    result.customers_created = len(new_customers)
    if not connection_returns_ids(Customer):
        ids = dict(
            Customer.objects.filter(organization=organization, external_id__in=list(stored)).values_list(
                "external_id", "pk"
            )
        )
        for external_id, customer in stored.items():
            customer.pk = ids[external_id]
    new_purchases = [
        Purchase(
            organization=organization,
            external_id=f"{external_id}/{index}",
            customer=stored[external_id],
            product=products[product_id],
            amount=amount,
            currency=CURRENCY,
            purchased_at=moment,
            location=location,
            # The company's employee sold it, as an accounting system names its seller.
            employee_name=code,
        )
        for location, code, external_id, history in histories
        for index, (product_id, amount, moment) in enumerate(history, start=1)
        if f"{external_id}/{index}" not in stored_purchases
    ]
    Purchase.objects.bulk_create(new_purchases, batch_size=1000)
    result.purchases_created = len(new_purchases)
    if not connection_returns_ids(Purchase):
        ids = dict(
            Purchase.objects.filter(
                organization=organization, external_id__in=[purchase.external_id for purchase in new_purchases]
            ).values_list("external_id", "pk")
        )
        for purchase in new_purchases:
            purchase.pk = ids[purchase.external_id]
    # Each demo order holds one line: its product, once, at its amount.
    PurchaseLine.objects.bulk_create(
        [
            PurchaseLine(
                purchase_id=purchase.pk,
                line_no=1,
                product_id=purchase.product_id,
                quantity=1,
                unit_price=purchase.amount,
                amount=purchase.amount,
            )
            for purchase in new_purchases
        ],
        batch_size=1000,
    )
    purchases_changed(organization=organization, purchase_ids=[purchase.pk for purchase in new_purchases])


def _tag_vips(organization: Organization) -> None:
    """The top spenders carry the "VIP" tag, as a manager would have put it (once; a manager may remove it)."""
    tag, created = Tag.objects.get_or_create(organization=organization, name=VIP_TAG)
    if not created:
        return
    totals = (
        Purchase.objects.filter(organization=organization)
        .values("customer_id")
        .annotate(total=Sum("amount"))
        .order_by("-total", "customer_id")
    )
    top = max(1, int(Customer.objects.filter(organization=organization).count() * VIP_SHARE))
    tag.customers.add(*[row["customer_id"] for row in totals[:top]])


def _link_answers(organization: Organization, locations, result: DemoCustomersResult) -> None:
    """Give a stable share of the demo answers (and their cases) a customer of the answer's company."""
    codes = {location.pk: code for location, code, _group in locations}
    customer_ids = dict(
        Customer.objects.filter(organization=organization, external_id__isnull=False).values_list("external_id", "pk")
    )
    answers = Response.objects.filter(organization=organization, source=Source.DEMO, customer__isnull=True).only(
        "id", "external_id", "location_id"
    )
    linked = []
    for answer in answers:
        key = _hash(answer.external_id or str(answer.pk))
        code = codes.get(answer.location_id)
        if code is None or key % 10 >= LINKED_PER_TEN:
            continue
        answer.customer_id = customer_ids.get(f"{code}-{key // 10 % CUSTOMERS_PER_LOCATION + 1:03}")
        if answer.customer_id:
            linked.append(answer)
    by_customer: dict[int, list[int]] = defaultdict(list)
    for answer in linked:
        by_customer[answer.customer_id].append(answer.pk)
    # One UPDATE per customer (a few each) is much cheaper than bulk_update's CASE per row.
    for customer_id, answer_ids in by_customer.items():
        Response.objects.filter(pk__in=answer_ids).update(customer_id=customer_id)
        Case.objects.filter(response__in=answer_ids, customer__isnull=True).update(customer_id=customer_id)
    result.answers_linked = len(linked)


def _credit_sellers(organization: Organization, result: DemoCustomersResult) -> None:
    """Demo purchases name their seller (the company's employee); match those a demo stored before doing so."""
    unnamed = Purchase.objects.filter(organization=organization, employee_name="", external_id__contains="/")
    for code in {external_id.split("-")[0] for external_id in unnamed.values_list("external_id", flat=True)}:
        unnamed.filter(external_id__startswith=f"{code}-").update(employee_name=code)
    result.purchases_credited = purchases_match_sellers(
        organization=organization, purchases=Purchase.objects.filter(organization=organization, employee__isnull=True)
    )


def _link_purchases(organization: Organization, result: DemoCustomersResult) -> None:
    """A demo answer of a known customer is about their last purchase before it, as if its invitation came from it.

    So the answer is credited to that purchase's seller on /metrics/ and /people/.
    """
    answers = list(
        Response.objects.filter(
            organization=organization, source=Source.DEMO, customer__isnull=False, purchase__isnull=True
        ).values_list("pk", "customer_id", "created_at")
    )
    if not answers:
        return
    history: dict[int, list[tuple[datetime, int]]] = defaultdict(list)
    purchases = Purchase.objects.filter(
        organization=organization, customer_id__in={customer_id for _pk, customer_id, _at in answers}
    )
    for pk, customer_id, purchased_at in purchases.values_list("pk", "customer_id", "purchased_at"):
        history[customer_id].append((purchased_at, pk))
    by_purchase: dict[int, list[int]] = defaultdict(list)
    for answer_id, customer_id, answered_at in answers:
        before = [item for item in history[customer_id] if item[0] <= answered_at]
        if before:
            by_purchase[max(before)[1]].append(answer_id)
    for purchase_id, answer_ids in by_purchase.items():
        Response.objects.filter(pk__in=answer_ids).update(purchase_id=purchase_id)
    result.answers_with_purchase = sum(len(ids) for ids in by_purchase.values())


def demo_customers_load(*, organization: Organization, now: datetime) -> DemoCustomersResult:
    """Create (or complete) the demo catalogue, customers and purchases, link answers, and compute RFM segments."""
    result = DemoCustomersResult()
    locations = _locations(organization)
    products = _products(organization, result)
    _customers_and_purchases(organization, locations, products, now, result)
    _credit_sellers(organization, result)
    _tag_vips(organization)
    _link_answers(organization, locations, result)
    _link_purchases(organization, result)
    result.segments_changed = segments_recompute(organization=organization, now=now).changed
    return result
