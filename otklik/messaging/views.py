"""Outbox and message-template pages for owners and managers (the unsubscribe page and hooks: customers)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from otklik.accounts.decorators import membership_required
from otklik.http import see_other
from otklik.messaging import services
from otklik.messaging.forms import OutboxFilterForm, TemplateForm
from otklik.messaging.selectors import (
    outbox_kinds,
    outbox_message_get,
    outbox_messages,
    template_effective,
    template_placeholder_names,
    templates_effective,
)

MESSAGES_PER_PAGE = 50


@membership_required(manage=True)
def outbox(request: HttpRequest) -> HttpResponse:
    organization = request.membership.organization
    form = OutboxFilterForm(request.GET, kinds=outbox_kinds(organization=organization))
    form.is_valid()  # an invalid filter is shown with its error and ignored
    filters = form.cleaned_data
    rows = outbox_messages(
        organization=organization, status=filters.get("status") or "", kind=filters.get("kind") or ""
    )
    page = Paginator(rows, MESSAGES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "messaging/outbox.html", {"form": form, "page": page})


@membership_required(manage=True)
def outbox_detail(request: HttpRequest, message_id: int) -> HttpResponse:
    message = outbox_message_get(organization=request.membership.organization, message_id=message_id)
    return render(request, "messaging/outbox_detail.html", {"message": message})


@membership_required(manage=True)
def templates(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "messaging/templates.html",
        {"templates": templates_effective(organization=request.membership.organization)},
    )


@membership_required(manage=True)
def template_edit(request: HttpRequest, kind: str, language: str) -> HttpResponse:
    organization = request.membership.organization
    current = template_effective(organization=organization, kind=kind, language=language)
    status = 200
    if request.method == "POST":
        form = TemplateForm(request.POST)
        if form.is_valid():
            try:
                services.template_save(organization=organization, kind=kind, language=language, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("The template is saved."))
                return see_other(reverse("messaging:templates"))
        status = 400
    else:
        form = TemplateForm(initial={"subject": current.subject, "body": current.body})
    context = {"template": current, "form": form, "placeholders": template_placeholder_names()}
    return render(request, "messaging/template_edit.html", context, status=status)


@require_POST
@membership_required(manage=True)
def template_reset(request: HttpRequest, kind: str, language: str) -> HttpResponse:
    organization = request.membership.organization
    template_effective(organization=organization, kind=kind, language=language)  # 404 for an unknown one
    services.template_reset(organization=organization, kind=kind, language=language)
    messages.success(request, _("The template is back to the default."))
    return see_other(reverse("messaging:templates"))
