"""Outbox and message-template pages for owners and managers; the public unsubscribe page and inbound hooks."""

import hmac
import json
from xml.sax.saxutils import escape

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from otklik.accounts.decorators import membership_required
from otklik.http import see_other
from otklik.messaging import consent, inbound, services
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


def _unsubscribe_page(request: HttpRequest, *, status: int = 200, **context) -> HttpResponse:
    return render(request, "messaging/unsubscribe.html", context, status=status)


# RFC 8058: mail clients POST "List-Unsubscribe=One-Click" with no cookie and no CSRF token (decision 0004).
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    address = consent.address_token_read(token)
    if address is not None:
        with translation.override(address.organization.default_language):
            return _unsubscribe_address(request, address=address)
    found = consent.unsubscribe_token_read(token)
    if found is None:
        return _unsubscribe_page(request, status=404, invalid=True)
    customer, channel = found
    with translation.override(consent.customer_language(customer)):
        return _unsubscribe(request, customer=customer, channel=channel)


def _unsubscribe(request: HttpRequest, *, customer, channel: str) -> HttpResponse:
    context = {"organization": customer.organization, "channel": channel}
    if request.method != "POST":
        return _unsubscribe_page(request, **context)
    if request.POST.get("List-Unsubscribe") == "One-Click":
        consent.consent_revoke(customer=customer, channel=channel)
        return HttpResponse(_("You are unsubscribed."), content_type="text/plain; charset=utf-8")
    scope = request.POST.get("scope", "channel")
    if scope not in ("channel", consent.ALL_CHANNELS):
        return _unsubscribe_page(request, status=400, error=_("Choose what to unsubscribe from."), **context)
    consent.consent_revoke(customer=customer, channel=consent.ALL_CHANNELS if scope == "all" else channel)
    return _unsubscribe_page(request, done=True, everything=scope == "all", **context)


def _unsubscribe_address(request: HttpRequest, *, address: consent.AddressToken) -> HttpResponse:
    """The unsubscribe of an address with no customer record: it stops this channel (there is no other)."""
    context = {"organization": address.organization, "channel": address.channel, "single_channel": True}
    if request.method != "POST":
        return _unsubscribe_page(request, **context)
    consent.address_unsubscribe(
        organization_id=address.organization.pk, channel=address.channel, address=address.address
    )
    if request.POST.get("List-Unsubscribe") == "One-Click":
        return HttpResponse(_("You are unsubscribed."), content_type="text/plain; charset=utf-8")
    return _unsubscribe_page(request, done=True, everything=False, **context)


def _hook_secret_or_404(secret: str, expected: str) -> None:
    # An unset secret turns the hook off; a wrong one looks like no page at all.
    if not expected or not hmac.compare_digest(secret.encode(), expected.encode()):
        raise Http404


@csrf_exempt
@require_POST
def telegram_hook(request: HttpRequest, secret: str) -> HttpResponse:
    """Bot API updates (setWebhook with this URL and secret_token=the same secret)."""
    expected = settings.OTKLIK_TELEGRAM_WEBHOOK_SECRET
    _hook_secret_or_404(secret, expected)
    header = request.headers.get("X-Telegram-Bot-Api-Secret-Token")
    if header is not None and not hmac.compare_digest(header.encode(), expected.encode()):
        return HttpResponse(status=403)
    try:
        update = json.loads(request.body)
    except ValueError:
        return HttpResponse("The body is not JSON.", status=400, content_type="text/plain")
    result = inbound.telegram_update_handle(update)
    if not result.reply:
        return JsonResponse({})
    # Answering the webhook with a method call sends the reply without another request (Bot API, "webhook reply").
    return JsonResponse({"method": "sendMessage", "chat_id": update["message"]["chat"]["id"], "text": result.reply})


@csrf_exempt
@require_POST
def sms_hook(request: HttpRequest, secret: str) -> HttpResponse:
    """Twilio's inbound-message webhook: form fields From and Body; answered with TwiML."""
    _hook_secret_or_404(secret, settings.OTKLIK_SMS_WEBHOOK_SECRET)
    if settings.OTKLIK_SMS_API_KEY:
        signed = inbound.twilio_signature_valid(
            url=settings.SITE_URL + request.get_full_path(),
            params=request.POST.dict(),
            signature=request.headers.get("X-Twilio-Signature", ""),
        )
        if not signed:
            return HttpResponse("Bad X-Twilio-Signature.", status=403, content_type="text/plain")
    result = inbound.stop_by_phone(phone=request.POST.get("From", ""), text=request.POST.get("Body", ""))
    reply = f"<Message>{escape(result.reply)}</Message>" if result.reply else ""
    return HttpResponse(
        f'<?xml version="1.0" encoding="UTF-8"?><Response>{reply}</Response>', content_type="text/xml; charset=utf-8"
    )
