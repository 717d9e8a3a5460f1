"""The customer's own pages and hooks: the public unsubscribe page and the channels' inbound webhooks.

Which channels exist, what the page offers to stop and what a webhook carries are
the channels' facts (messaging.channels); what it means for the customer is here.
"""

import hmac

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from otklik.customers.consent import consent_revoke, unsubscribe_token_read
from otklik.customers.inbound import inbound_receive
from otklik.messaging import consent
from otklik.messaging.channels import CHANNELS, InboundRefused


def _unsubscribe_page(request: HttpRequest, *, status: int = 200, **context) -> HttpResponse:
    channel = CHANNELS.get(context.get("channel", ""))
    if channel is not None:
        context["stop_label"] = channel.messages_label
        context["unsubscribed_line"] = channel.unsubscribed_line % {"org": context["organization"].name}
    context["all_channels"] = ", ".join(str(other.label_in_text) for other in CHANNELS.values())
    return render(request, "customers/unsubscribe.html", context, status=status)


# RFC 8058: mail clients POST "List-Unsubscribe=One-Click" with no cookie and no CSRF token (decision 0004).
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    address = consent.address_token_read(token)
    if address is not None:
        with translation.override(address.organization.default_language):
            return _unsubscribe_address(request, address=address)
    found = unsubscribe_token_read(token)
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
        consent_revoke(customer=customer, channel=channel)
        return HttpResponse(_("You are unsubscribed."), content_type="text/plain; charset=utf-8")
    scope = request.POST.get("scope", "channel")
    if scope not in ("channel", consent.ALL_CHANNELS):
        return _unsubscribe_page(request, status=400, error=_("Choose what to unsubscribe from."), **context)
    consent_revoke(customer=customer, channel=consent.ALL_CHANNELS if scope == "all" else channel)
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


@csrf_exempt
@require_POST
def channel_hook(request: HttpRequest, channel: str, secret: str) -> HttpResponse:
    """A channel's inbound webhook (/hooks/sms/<secret>/, /hooks/telegram/<secret>/): STOP, or a chat linked."""
    found = CHANNELS.get(channel)
    expected = getattr(settings, found.inbound_secret_setting) if found and found.inbound_secret_setting else ""
    # An unset secret turns the hook off; a wrong one, or a channel without a hook, looks like no page at all.
    if not expected or not hmac.compare_digest(secret.encode(), expected.encode()):
        raise Http404
    try:
        inbound = found.inbound_read(request)
    except InboundRefused as exc:
        return HttpResponse(exc.message, status=exc.status, content_type="text/plain")
    result = inbound_receive(channel=found, address=inbound.address, text=inbound.text) if inbound else None
    return found.inbound_answer(inbound=inbound, reply=result.reply if result else "")
