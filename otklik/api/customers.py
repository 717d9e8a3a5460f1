"""The customer-base endpoints: upsert customers, products, purchases and events by external id; read a customer.

Every write is idempotent: pushing the same record (or batch) twice changes nothing,
a changed record updates the stored one. A batch (up to 10 000 records) with any
invalid record is refused whole with 422, each reason under `loc` ["body",
"payload", "items", <position from 0>], and nothing is written. Only owners' and
managers' tokens may write; reads follow the token user's scope.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.errors import HttpError
from ninja.errors import ValidationError as ApiValidationError

from otklik.accounts.models import Membership
from otklik.api.customer_schemas import (
    BatchOut,
    CustomerBatchIn,
    CustomerDetailOut,
    CustomerIn,
    CustomerOut,
    ErasureOut,
    EventBatchIn,
    EventIn,
    EventOut,
    ProductBatchIn,
    ProductIn,
    ProductOut,
    PurchaseBatchIn,
    PurchaseIn,
    PurchaseOut,
)
from otklik.api.schemas import ErrorOut, ValidationErrorOut
from otklik.customers import services
from otklik.customers.models import Customer, CustomerEvent, Product, Purchase
from otklik.customers.selectors import customer_by_external_id, customer_summary, purchase_by_external_id
from otklik.intake.purchases import purchases_receive
from otklik.privacy.services import customer_erase_by, customer_export_to

router = Router()

WRITE_ONE = {200: None, 201: None, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 422: ValidationErrorOut}
WRITE_MANY = {200: BatchOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 422: ValidationErrorOut}


def _writer(request: HttpRequest) -> Membership:
    membership = request.auth
    if not membership.can_manage:
        raise HttpError(403, _("Only owners and managers may change the customer base."))
    return membership


def _refused(errors: dict[int, list[str]], *, batch: bool) -> ApiValidationError:
    return ApiValidationError(
        [
            {
                "loc": ["body", "payload", "items", number - 1] if batch else ["body", "payload"],
                "msg": reason,
                "type": "value_error",
            }
            for number, reasons in sorted(errors.items())
            for reason in reasons
        ]
    )


def _records(items: list) -> tuple[list[dict], list[int]]:
    """Records for the upsert, and for each the position (1-based) of the item it came from.

    Fields the client left out stay out, so an update keeps their stored values. An order
    with lines becomes one record per line.
    """
    records, origins = [], []
    for position, item in enumerate(items, start=1):
        expanded = (
            item.line_records() if isinstance(item, PurchaseIn) else [item.model_dump(mode="json", exclude_unset=True)]
        )
        records += expanded
        origins += [position] * len(expanded)
    return records, origins


def _checked(records: list[dict]) -> list[dict]:
    """Refuse a push whose orders hold more lines in all than one batch may (10 000), with 422."""
    if len(records) > services.MAX_BATCH:
        raise ApiValidationError(
            [
                {
                    "loc": ["body", "payload"],
                    "msg": _("At most %(n)s order lines per request.") % {"n": services.MAX_BATCH},
                    "type": "value_error",
                }
            ]
        )
    return records


def _item_errors(errors: dict[int, list[str]], origins: list[int]) -> dict[int, list[str]]:
    """The upsert's reasons by record, regrouped by the item they came from."""
    by_item: dict[int, list[str]] = {}
    for number, reasons in sorted(errors.items()):
        by_item.setdefault(origins[number - 1], []).extend(reasons)
    return by_item


def _upsert_one(request: HttpRequest, upsert: Callable, payload, model):
    membership = _writer(request)
    records, origins = _records([payload])
    result = upsert(organization=membership.organization, records=_checked(records))
    if result.errors:
        raise _refused(_item_errors(result.errors, origins), batch=False)
    return Status(201 if result.created else 200, model.objects.get(pk=result.ids[0]))


def _upsert_many(request: HttpRequest, upsert: Callable, payload) -> dict:
    membership = _writer(request)
    records, origins = _records(payload.items)
    result = upsert(organization=membership.organization, records=_checked(records))
    if result.errors:
        raise _refused(_item_errors(result.errors, origins), batch=True)
    return {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}


def _one(schema) -> dict:
    return WRITE_ONE | {200: schema, 201: schema}


# Batch paths come first: "/customers/batch" must not be read as a customer's external id.


@router.post("/customers/batch", response=WRITE_MANY, summary="Upsert up to 10 000 customers", tags=["customers"])
def customer_batch_upsert(request: HttpRequest, payload: CustomerBatchIn):
    """Create or update customers by `external_id`; all or nothing."""
    return _upsert_many(request, services.customers_upsert, payload)


@router.post("/customers", response=_one(CustomerOut), summary="Upsert one customer", tags=["customers"])
def customer_upsert(request: HttpRequest, payload: CustomerIn):
    """Create (201) or update (200) one customer by `external_id`; the same push again changes nothing (200)."""
    return _upsert_one(request, services.customers_upsert, payload, Customer)


@router.get(
    "/customers/{external_id}",
    response={200: CustomerDetailOut, 401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut},
    summary="Get one customer with a summary of their purchases",
    tags=["customers"],
)
def customer_detail(request: HttpRequest, external_id: str):
    """The customer with this `external_id`: contacts, consent, tags, segment, purchases summary, answers and cases.

    404 when there is none in your organization, or (for an employee) none seen at your locations.
    """
    customer = (
        None if "\x00" in external_id else customer_by_external_id(membership=request.auth, external_id=external_id)
    )
    if customer is None:
        raise HttpError(404, _("No customer with this external_id."))
    customer.summary = customer_summary(customer)
    return customer


def _customer_to_manage(request: HttpRequest, external_id: str) -> Customer:
    membership = _writer(request)
    customer = (
        None if "\x00" in external_id else customer_by_external_id(membership=membership, external_id=external_id)
    )
    if customer is None:
        raise HttpError(404, _("No customer with this external_id."))
    return customer


@router.get(
    "/customers/{external_id}/export",
    response={200: None, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut},
    summary="Export everything held about a customer (ZIP of JSON and CSV)",
    tags=["customers"],
    openapi_extra={
        "responses": {
            "200": {
                "description": "A ZIP with `<kind>.json` and `<kind>.csv` for the profile and consents, answers, "
                "cases and their history, messages, purchases, events and invitations.",
                "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def customer_export(request: HttpRequest, external_id: str):
    """The customer's data on their request (GDPR art. 15, 152-FZ art. 14); recorded in the audit log.

    Only owners' and managers' tokens (403 otherwise); 404 when there is no such customer.
    """
    customer = _customer_to_manage(request, external_id)
    content = customer_export_to(customer=customer, actor=request.auth.user, request=request, via="api")
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="otklik-customer-{customer.pk}.zip"'
    return response


@router.post(
    "/customers/{external_id}/erase",
    response={200: ErasureOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ValidationErrorOut},
    summary="Erase a customer's personal data on request",
    tags=["customers"],
)
def customer_erase(request: HttpRequest, external_id: str):
    """Remove the customer's contacts and words (GDPR art. 17, 152-FZ art. 21); scores stay for the figures.

    Queued messages are withdrawn and planned invitations cancelled; a later push of the same
    `external_id` brings no contacts back. Recorded in the audit log. Only owners' and managers'
    tokens (403 otherwise); 404 when there is no such customer; 409 when it is already erased.
    """
    customer = _customer_to_manage(request, external_id)
    if customer.erased_at:
        raise HttpError(409, _("This customer's data is already erased."))
    result = customer_erase_by(customer=customer, actor=request.auth.user, request=request, via="api")
    return {"erased": True, **result.as_dict()}


@router.post("/products/batch", response=WRITE_MANY, summary="Upsert up to 10 000 products", tags=["customers"])
def product_batch_upsert(request: HttpRequest, payload: ProductBatchIn):
    """Create or update catalogue items by `external_id`; all or nothing."""
    return _upsert_many(request, services.products_upsert, payload)


@router.post("/products", response=_one(ProductOut), summary="Upsert one product", tags=["customers"])
def product_upsert(request: HttpRequest, payload: ProductIn):
    """Create (201) or update (200) one catalogue item by `external_id`."""
    return _upsert_one(request, services.products_upsert, payload, Product)


@router.post("/purchases/batch", response=WRITE_MANY, summary="Upsert up to 10 000 orders", tags=["customers"])
def purchase_batch_upsert(request: HttpRequest, payload: PurchaseBatchIn):
    """Create or update orders by `external_id`, with the customers and products they name; all or nothing.

    Counts are of orders; items with the same `external_id` are lines of one order. One
    invitation is scheduled per completed order, never per line.
    """
    return _upsert_many(request, purchases_receive, payload)


@router.post("/purchases", response=_one(PurchaseOut), summary="Upsert one order", tags=["customers"])
def purchase_upsert(request: HttpRequest, payload: PurchaseIn):
    """Create (201) or update (200) one order by `external_id` with its lines; an unknown customer or product
    is created. A re-sent order replaces its lines."""
    return _upsert_one(request, purchases_receive, payload, Purchase)


@router.get(
    "/purchases/{external_id}",
    response={200: PurchaseOut, 401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut},
    summary="Get one order with its lines",
    tags=["customers"],
)
def purchase_detail(request: HttpRequest, external_id: str):
    """The order with this `external_id`, its status, net amount and lines; 404 when your organization has none
    (or, for an employee, none at your locations)."""
    purchase = (
        None if "\x00" in external_id else purchase_by_external_id(membership=request.auth, external_id=external_id)
    )
    if purchase is None:
        raise HttpError(404, _("No order with this external_id."))
    return purchase


@router.post("/events/batch", response=WRITE_MANY, summary="Record up to 10 000 customer events", tags=["customers"])
def event_batch_record(request: HttpRequest, payload: EventBatchIn):
    """Record customer events ("trial_started") by `external_id`; all or nothing."""
    return _upsert_many(request, services.events_record, payload)


@router.post("/events", response=_one(EventOut), summary="Record one customer event", tags=["customers"])
def event_record(request: HttpRequest, payload: EventIn):
    """Record (201) or update (200) one event by `external_id`."""
    return _upsert_one(request, services.events_record, payload, CustomerEvent)
