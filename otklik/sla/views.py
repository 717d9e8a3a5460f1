"""The SLA policy table (managers and owners) and each member's notification settings."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from otklik.accounts.decorators import membership_required
from otklik.sla import selectors, services
from otklik.sla.forms import NotificationPreferenceForm, SlaPoliciesForm


def _see_other(url: str) -> HttpResponseRedirect:
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


@membership_required(manage=True)
def policies(request: HttpRequest) -> HttpResponse:
    organization = request.membership.organization
    form = SlaPoliciesForm(
        request.POST if request.method == "POST" else None, policies=selectors.sla_policies(organization=organization)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.sla_policies_save(organization=organization, hours=form.hours())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The service levels are saved."))
            return _see_other(reverse("sla:policies"))
    status = 400 if form.errors else 200
    return render(request, "sla/policies.html", {"form": form}, status=status)


@membership_required
def preferences(request: HttpRequest) -> HttpResponse:
    membership = request.membership
    preference = selectors.notification_preference(user=request.user, organization=membership.organization)
    form = NotificationPreferenceForm(
        request.POST if request.method == "POST" else None, instance=preference, show_digest=membership.can_manage
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.notification_preference_save(
                user=request.user,
                organization=membership.organization,
                email=data["email"],
                telegram=data["telegram"],
                telegram_chat_id=data["telegram_chat_id"],
                daily_digest=data.get("daily_digest", preference.daily_digest),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Your notification settings are saved."))
            return _see_other(reverse("sla:preferences"))
    status = 400 if form.errors else 200
    return render(request, "sla/preferences.html", {"form": form}, status=status)
