"""The SLA policy table (managers and owners) and each member's notification settings."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from otklik.accounts.decorators import membership_required
from otklik.accounts.services import member_language_save
from otklik.http import see_other
from otklik.sla import selectors, services
from otklik.sla.forms import NotificationPreferenceForm, SlaPoliciesForm, SlaSegmentPolicyForm


def _render_policies(
    request: HttpRequest, *, form: SlaPoliciesForm | None = None, segment_form: SlaSegmentPolicyForm | None = None
) -> HttpResponse:
    organization = request.membership.organization
    context = {
        "form": form or SlaPoliciesForm(policies=selectors.sla_policies(organization=organization)),
        "segment_form": segment_form or SlaSegmentPolicyForm(),
        "segment_policies": selectors.segment_policies(organization=organization),
        "known_segments": selectors.known_segments(organization=organization),
    }
    status = 400 if (form and form.errors) or (segment_form and segment_form.errors) else 200
    return render(request, "sla/policies.html", context, status=status)


@membership_required(manage=True)
def policies(request: HttpRequest) -> HttpResponse:
    organization = request.membership.organization
    if request.method != "POST":
        return _render_policies(request)
    form = SlaPoliciesForm(request.POST, policies=selectors.sla_policies(organization=organization))
    if form.is_valid():
        try:
            services.sla_policies_save(organization=organization, hours=form.hours())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The service levels are saved."))
            return see_other(reverse("sla:policies"))
    return _render_policies(request, form=form)


@require_POST
@membership_required(manage=True)
def segment_policy_save(request: HttpRequest) -> HttpResponse:
    form = SlaSegmentPolicyForm(request.POST)
    if form.is_valid():
        try:
            policy = services.sla_segment_policy_save(organization=request.membership.organization, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("The service level for the segment “%(segment)s” is saved.") % {"segment": policy.segment},
            )
            return see_other(reverse("sla:policies"))
    return _render_policies(request, segment_form=form)


@require_POST
@membership_required(manage=True)
def segment_policy_delete(request: HttpRequest, policy_id: int) -> HttpResponse:
    policy = selectors.segment_policy_get(organization=request.membership.organization, policy_id=policy_id)
    services.sla_segment_policy_delete(policy=policy)
    message = _("The service level for the segment “%(segment)s” is removed.") % {"segment": policy.segment}
    messages.success(request, message)
    return see_other(reverse("sla:policies"))


@membership_required
def preferences(request: HttpRequest) -> HttpResponse:
    membership = request.membership
    preference = selectors.notification_preference(user=request.user, organization=membership.organization)
    form = NotificationPreferenceForm(
        request.POST if request.method == "POST" else None,
        instance=preference,
        show_digest=membership.can_manage,
        language=membership.language,
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
            member_language_save(membership=membership, language=data["language"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Your notification settings are saved."))
            response = see_other(reverse("sla:preferences"))
            if data["language"]:  # the interface follows at once, whatever the switcher chose before
                response.set_cookie(settings.LANGUAGE_COOKIE_NAME, data["language"], samesite="Lax")
            return response
    status = 400 if form.errors else 200
    return render(request, "sla/preferences.html", {"form": form}, status=status)
