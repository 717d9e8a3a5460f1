"""The customer card's privacy actions: export everything held about the customer, or erase it (managers only).

The customer is fetched through `customers.selectors.customer_get`, so another organization's
customer, or one an employee never saw at their locations, is a 404 as on the card.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from otklik.accounts.decorators import membership_required
from otklik.customers.selectors import customer_get
from otklik.http import see_other
from otklik.privacy.forms import CustomerEraseForm
from otklik.privacy.services import customer_erase_by, customer_export_to


def _require_manager(request: HttpRequest) -> None:
    if not request.membership.can_manage:
        raise PermissionDenied(_("Only owners and managers may export or erase a customer's data."))


@require_POST
@membership_required
def customer_export(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Everything held about the customer as a ZIP of JSON and CSV (a POST: it is recorded in the audit log)."""
    _require_manager(request)
    customer = customer_get(membership=request.membership, customer_id=customer_id)
    if not request.POST.get("confirm"):
        messages.error(request, _("Tick the box to confirm that the customer asked for their data."))
        return see_other(reverse("customers:card", args=[customer.pk]) + "#customer-privacy")
    content = customer_export_to(customer=customer, actor=request.user, request=request)
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="otklik-customer-{customer.pk}.zip"'
    return response


@membership_required
def customer_erase(request: HttpRequest, customer_id: int) -> HttpResponse:
    """The confirmation page (GET) and the erasure (POST with the confirmation filled in)."""
    _require_manager(request)
    customer = customer_get(membership=request.membership, customer_id=customer_id)
    if customer.erased_at:
        messages.info(request, _("This customer's data is already erased."))
        return see_other(reverse("customers:card", args=[customer.pk]))
    form = CustomerEraseForm(request.POST or None, customer=customer)
    if request.method == "POST" and form.is_valid():
        result = customer_erase_by(customer=customer, actor=request.user, request=request)
        messages.success(
            request,
            _(
                "The customer's data is erased: %(answers)s answers and %(cases)s cases kept without their words, "
                "%(messages)s queued messages withdrawn, %(invitations)s planned invitations cancelled."
            )
            % {
                "answers": result.answers,
                "cases": result.cases,
                "messages": result.messages_withdrawn,
                "invitations": result.invitations_cancelled,
            },
        )
        return see_other(reverse("customers:card", args=[customer.pk]))
    status = 400 if request.method == "POST" else 200
    return render(request, "privacy/erase.html", {"customer": customer, "form": form}, status=status)
