"""Customer pages: the list with revenue at risk, the customer card (D3), tags, and the product catalogue.

The card's export and erase actions live in otklik/privacy/ (they reach into every app).

Every customer is fetched through `customer_get` (another organization's, or for an
employee one never seen at their locations, is a 404); changes are for managers (403).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from otklik.accounts.decorators import membership_required
from otklik.customers import selectors, services
from otklik.customers.forms import CustomerFilterForm, ProductForm, TagAddForm
from otklik.customers.models import Product, Tag
from otklik.http import see_other

CUSTOMERS_PER_PAGE = 50


@membership_required
def customer_list(request: HttpRequest) -> HttpResponse:
    membership = request.membership
    form = CustomerFilterForm(request.GET, organization=membership.organization)
    form.is_valid()  # an invalid filter is shown with its error and ignored
    filters = form.cleaned_data
    customers = selectors.customers_filtered(
        membership=membership,
        q=filters.get("q") or "",
        segment=filters.get("segment") or "",
        tag=filters.get("tag"),
        sort=filters.get("sort") or "name",
    )
    page = Paginator(customers, CUSTOMERS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "at_risk": selectors.revenue_at_risk(membership=membership)}
    return render(request, "customers/list.html", context)


def _render_card(request: HttpRequest, customer, *, tag_form: TagAddForm | None = None, status: int = 200):
    membership = request.membership
    contacts = selectors.customer_contacts(customer=customer)
    context = {
        "customer": customer,
        "who": selectors.customer_summary(customer),
        "contacts": contacts,
        "consented": any(contact.consent for contact in contacts),
        "tags": customer.tags.all(),
        "purchases": selectors.customer_purchases(customer=customer),
        "timeline": selectors.customer_timeline(membership=membership, customer=customer),
        "tag_form": (tag_form or TagAddForm()) if membership.can_manage else None,
    }
    return render(request, "customers/card.html", context, status=status)


@membership_required
def customer_card(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = selectors.customer_get(membership=request.membership, customer_id=customer_id)
    return _render_card(request, customer)


@require_POST
@membership_required
def customer_tag_add(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = selectors.customer_get(membership=request.membership, customer_id=customer_id)
    if not request.membership.can_manage:
        raise PermissionDenied
    form = TagAddForm(request.POST)
    if form.is_valid():
        try:
            tag = services.customer_tag_add(customer=customer, name=form.cleaned_data["name"])
        except ValidationError as exc:
            form.add_error("name", exc.message_dict.get("name", exc.messages))
        else:
            messages.success(request, _("Tag “%(tag)s” added.") % {"tag": tag.name})
            return see_other(reverse("customers:card", args=[customer.pk]))
    return _render_card(request, customer, tag_form=form, status=400)


@require_POST
@membership_required
def customer_tag_remove(request: HttpRequest, customer_id: int, tag_id: int) -> HttpResponse:
    customer = selectors.customer_get(membership=request.membership, customer_id=customer_id)
    if not request.membership.can_manage:
        raise PermissionDenied
    tag = get_object_or_404(Tag, pk=tag_id, organization=request.membership.organization)
    services.customer_tag_remove(customer=customer, tag=tag)
    messages.success(request, _("Tag “%(tag)s” removed.") % {"tag": tag.name})
    return see_other(reverse("customers:card", args=[customer.pk]))


@membership_required
def product_list(request: HttpRequest) -> HttpResponse:
    organization = request.membership.organization
    products = selectors.products_of(organization=organization)
    rows = [(product, _product_form(product, organization)) for product in products]
    return render(request, "customers/products.html", {"rows": rows})


def _product_form(product: Product, organization, data=None) -> ProductForm:
    return ProductForm(
        data,
        organization=organization,
        prefix=f"p{product.pk}",
        form_id=f"product-form-{product.pk}",
        initial={
            "evaluation_delay_days": product.evaluation_delay_days,
            "evaluation_mode": product.evaluation_mode,
            "survey": product.survey_id,
        },
    )


@require_POST
@membership_required
def product_edit(request: HttpRequest, product_id: int) -> HttpResponse:
    organization = request.membership.organization
    product = get_object_or_404(Product, pk=product_id, organization=organization)
    if not request.membership.can_manage:
        raise PermissionDenied
    form = _product_form(product, organization, request.POST)
    if form.is_valid():
        try:
            services.product_update(product=product, **form.cleaned_data)
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            messages.success(request, _("“%(product)s” saved.") % {"product": product.name})
            return see_other(reverse("customers:products") + f"#product-{product.pk}")
    product.refresh_from_db()
    rows = [
        (item, form if item.pk == product.pk else _product_form(item, organization))
        for item in selectors.products_of(organization=organization)
    ]
    return render(request, "customers/products.html", {"rows": rows}, status=400)
