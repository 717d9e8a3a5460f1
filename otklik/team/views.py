"""The team page (owners and managers) and the organization's settings page (owners)."""

import logging
import smtplib

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from otklik.accounts import invitations, selectors, services
from otklik.accounts.decorators import membership_required
from otklik.accounts.models import Location, Role
from otklik.insights.models import Department
from otklik.insights.services import member_departments_set
from otklik.team.forms import InviteForm, LocationLinksFormSet, MemberForm, OrganizationSettingsForm

logger = logging.getLogger(__name__)


def _see_other(url: str) -> HttpResponseRedirect:
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def _add_errors(form, error: ValidationError) -> None:
    for message in error.messages:
        form.add_error(None, message)


@membership_required(manage=True)
def team(request: HttpRequest) -> HttpResponse:
    """Members with their roles and locations, pending invitations, and the invitation form."""
    membership = request.membership
    organization = membership.organization
    form = InviteForm(request.POST or None, organization=organization, by=membership)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                invitation, raw = invitations.invitation_create(
                    organization=organization, by=membership, request=request, **form.cleaned_data
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                if _send(request, invitation, raw):
                    messages.success(request, _("The invitation is sent to %(email)s.") % {"email": invitation.email})
                return _see_other(reverse("team:team"))
    context = {
        "members": selectors.team_members(organization=organization),
        "invitations": selectors.pending_invitations(organization=organization),
        "form": form,
    }
    return render(request, "team/team.html", context, status=status)


def _send(request: HttpRequest, invitation, raw: str) -> bool:
    """Send the e-mail; if the mail server fails, the invitation stays and the manager is told to resend it."""
    try:
        invitations.invitation_email_send(invitation=invitation, raw=raw, base_url=request.build_absolute_uri("/"))
    except (OSError, smtplib.SMTPException):
        logger.exception("invitation e-mail to %s failed", invitation.email)
        messages.error(
            request,
            _("The invitation to %(email)s is saved, but the e-mail could not be sent. Try “Send again” later.")
            % {"email": invitation.email},
        )
        return False
    return True


def _invitation(request: HttpRequest, invitation_id: int):
    invitation = selectors.invitation_get(organization=request.membership.organization, invitation_id=invitation_id)
    if invitation is None:
        raise Http404
    if invitation.role == Role.OWNER and request.membership.role != Role.OWNER:
        raise PermissionDenied
    return invitation


@require_POST
@membership_required(manage=True)
def invitation_resend(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation, raw = invitations.invitation_resend(
        invitation=_invitation(request, invitation_id), by=request.membership, request=request
    )
    if _send(request, invitation, raw):
        messages.success(request, _("The invitation is sent again to %(email)s.") % {"email": invitation.email})
    return _see_other(reverse("team:team"))


@require_POST
@membership_required(manage=True)
def invitation_cancel(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = _invitation(request, invitation_id)
    invitations.invitation_cancel(invitation=invitation, by=request.membership, request=request)
    messages.success(request, _("The invitation to %(email)s is cancelled.") % {"email": invitation.email})
    return _see_other(reverse("team:team"))


@membership_required(manage=True)
def member_edit(request: HttpRequest, membership_id: int) -> HttpResponse:
    """Role, locations and departments of one member; deactivate or reactivate them."""
    by = request.membership
    organization = by.organization
    member = selectors.member_get(organization=organization, membership_id=membership_id)
    if member is None:
        raise Http404
    initial = {
        "role": member.role,
        "locations": list(member.locations.all()),
        "departments": list(Department.objects.filter(organization=organization, members=member.user)),
    }
    form = MemberForm(request.POST or None, organization=organization, by=by, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        action = request.POST.get("action", "save")
        try:
            if action == "deactivate":
                services.member_deactivate(membership=member, by=by, request=request)
                messages.success(request, _("%(name)s is deactivated.") % {"name": member.user.get_username()})
                return _see_other(reverse("team:team"))
            if action == "reactivate":
                services.member_reactivate(membership=member, by=by, request=request)
                messages.success(request, _("%(name)s is active again.") % {"name": member.user.get_username()})
                return _see_other(reverse("team:team"))
            if form.is_valid():
                with transaction.atomic():
                    services.member_update(
                        membership=member,
                        role=form.cleaned_data["role"],
                        locations=form.cleaned_data["locations"],
                        by=by,
                        request=request,
                    )
                    member_departments_set(
                        organization=organization, user=member.user, departments=form.cleaned_data["departments"]
                    )
                messages.success(request, _("Saved."))
                return _see_other(reverse("team:team"))
        except ValidationError as error:
            _add_errors(form, error)
    return render(request, "team/member.html", {"member": member, "form": form}, status=status)


@membership_required
def organization_settings(request: HttpRequest) -> HttpResponse:
    """The owner's settings of the organization and of each location's public review pages."""
    membership = request.membership
    if membership.role != Role.OWNER:
        raise PermissionDenied
    organization = membership.organization
    fields = OrganizationSettingsForm._meta.fields
    before = {field: getattr(organization, field) for field in fields}
    locations = Location.objects.filter(organization=organization)
    link_fields = ["review_url_yandex", "review_url_2gis", "review_url_google"]
    links_before = {location.pk: {f: getattr(location, f) for f in link_fields} for location in locations}
    data = request.POST if request.method == "POST" else None
    form = OrganizationSettingsForm(data, request.FILES or None, instance=organization)
    links = LocationLinksFormSet(data, queryset=locations, prefix="locations")
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid() and links.is_valid():
            with transaction.atomic():
                changed = {field: (before[field], getattr(form.instance, field)) for field in form.changed_data}
                services.organization_update(
                    organization=form.instance, changed=changed, by=request.user, request=request
                )
                for link_form in links.forms:
                    location = link_form.instance
                    changed = {f: (links_before[location.pk][f], getattr(location, f)) for f in link_form.changed_data}
                    services.location_update(location=location, changed=changed, by=request.user, request=request)
            messages.success(request, _("The settings are saved."))
            return _see_other(reverse("team:settings"))
    return render(request, "team/settings.html", {"form": form, "links": links}, status=status)
