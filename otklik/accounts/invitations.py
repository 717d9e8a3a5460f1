"""Invitations to join an organization: created by owners and managers, sent by e-mail, accepted once."""

import secrets
from datetime import timedelta

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from otklik.accounts.models import MemberInvitation, Membership, Organization, Role
from otklik.accounts.services import hash_token
from otklik.audit.models import AuditAction
from otklik.audit.services import record

INVITATION_VALID_DAYS = 7


class InvitationInvalid(Exception):
    """The link is unknown, used, cancelled or expired; the message says which, for the person holding it."""


def _new_invitation_token() -> tuple[str, str]:
    raw = secrets.token_urlsafe(32)
    return raw, hash_token(raw)


@transaction.atomic
def invitation_create(
    *,
    organization: Organization,
    email: str,
    role: str,
    locations,
    by: Membership,
    request: HttpRequest | None = None,
) -> tuple[MemberInvitation, str]:
    """Invite someone by e-mail; returns the invitation and the raw token for the link (sent, never stored).

    A pending invitation to the same address is replaced, so one person holds one working link.
    """
    email = (email or "").strip()
    validate_email(email)
    if by.organization_id != organization.id or not by.can_manage:
        raise ValidationError(_("Only owners and managers invite."))
    if role not in Role.values:
        raise ValidationError(_("Unknown role."))
    if role == Role.OWNER and by.role != Role.OWNER:
        raise ValidationError(_("Only an owner may make someone an owner."))
    locations = list(locations)
    if any(location.organization_id != organization.id for location in locations):
        raise ValidationError(_("A location belongs to another organization."))
    if Membership.objects.filter(organization=organization, user__email__iexact=email, is_active=True).exists():
        raise ValidationError(_("%(email)s is already a member.") % {"email": email})
    now = timezone.now()
    MemberInvitation.objects.filter(
        organization=organization, email__iexact=email, accepted_at=None, cancelled_at=None
    ).update(cancelled_at=now)
    raw, digest = _new_invitation_token()
    invitation = MemberInvitation.objects.create(
        organization=organization,
        email=email,
        role=role,
        token_hash=digest,
        invited_by=by.user,
        sent_at=now,
        expires_at=now + timedelta(days=INVITATION_VALID_DAYS),
    )
    invitation.locations.set(locations)
    record(
        action=AuditAction.INVITATION_SENT,
        organization=organization,
        actor=by.user,
        target=email,
        details={"role": role, "locations": sorted(location.name for location in locations)},
        request=request,
    )
    return invitation, raw


@transaction.atomic
def invitation_resend(
    *, invitation: MemberInvitation, by: Membership, request: HttpRequest | None = None
) -> tuple[MemberInvitation, str]:
    """A new link with a new expiry; the old link stops working."""
    if not invitation.is_pending:
        raise ValidationError(_("This invitation was already accepted or cancelled."))
    raw, digest = _new_invitation_token()
    now = timezone.now()
    invitation.token_hash = digest
    invitation.sent_at = now
    invitation.expires_at = now + timedelta(days=INVITATION_VALID_DAYS)
    invitation.save(update_fields=["token_hash", "sent_at", "expires_at"])
    record(
        action=AuditAction.INVITATION_SENT,
        organization=invitation.organization,
        actor=by.user,
        target=invitation.email,
        details={"resent": True},
        request=request,
    )
    return invitation, raw


@transaction.atomic
def invitation_cancel(*, invitation: MemberInvitation, by: Membership, request: HttpRequest | None = None) -> None:
    if not invitation.is_pending:
        raise ValidationError(_("This invitation was already accepted or cancelled."))
    MemberInvitation.objects.filter(pk=invitation.pk).update(cancelled_at=timezone.now())
    record(
        action=AuditAction.INVITATION_CANCELLED,
        organization=invitation.organization,
        actor=by.user,
        target=invitation.email,
        request=request,
    )


def invitation_for_token(raw: str) -> MemberInvitation:
    """The pending invitation of a link, or InvitationInvalid saying why it no longer works."""
    invitation = (
        MemberInvitation.objects.select_related("organization").filter(token_hash=hash_token(raw or "")).first()
    )
    if invitation is None:
        raise InvitationInvalid(_("This invitation link is not valid. Ask for a new invitation."))
    if invitation.accepted_at is not None:
        raise InvitationInvalid(_("This invitation has already been used. Log in instead."))
    if invitation.cancelled_at is not None:
        raise InvitationInvalid(_("This invitation was cancelled. Ask for a new invitation."))
    if invitation.expires_at <= timezone.now():
        raise InvitationInvalid(_("This invitation has expired. Ask for a new invitation."))
    return invitation


@transaction.atomic
def invitation_accept(*, raw: str, user: User, request: HttpRequest | None = None) -> Membership:
    """Make `user` a member as the invitation says; the link then stops working.

    The conditional update makes a link usable once even when two clicks race.
    """
    invitation = invitation_for_token(raw)
    if user.email.lower() != invitation.email.lower():
        raise InvitationInvalid(_("This invitation is for %(email)s.") % {"email": invitation.email})
    claimed = MemberInvitation.objects.filter(pk=invitation.pk, accepted_at=None, cancelled_at=None).update(
        accepted_at=timezone.now(), accepted_by=user
    )
    if not claimed:
        raise InvitationInvalid(_("This invitation has already been used. Log in instead."))
    membership, _created = Membership.objects.update_or_create(
        user=user, organization=invitation.organization, defaults={"role": invitation.role, "is_active": True}
    )
    membership.locations.set(invitation.locations.all())
    record(
        action=AuditAction.INVITATION_ACCEPTED,
        organization=invitation.organization,
        actor=user,
        target=invitation.email,
        details={"role": invitation.role},
        request=request,
    )
    return membership


def user_create_for_invitation(*, invitation: MemberInvitation, username: str, password: str) -> User:
    """A new account for the invited address (the password already checked by Django's validators)."""
    username = (username or "").strip()
    if not username:
        raise ValidationError(_("Choose a username."))
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError(_("The username %(username)s is taken by another account.") % {"username": username})
    return User.objects.create_user(username=username, email=invitation.email, password=password)


def invitation_email_send(*, invitation: MemberInvitation, raw: str, base_url: str) -> None:
    """The invitation e-mail, in the organization's language, with the link that works once."""
    link = base_url.rstrip("/") + reverse("accounts:join", args=[raw])
    with translation.override(invitation.organization.default_language):
        context = {"invitation": invitation, "link": link, "days": INVITATION_VALID_DAYS}
        subject = _("Invitation to %(organization)s on Otklik") % {"organization": invitation.organization.name}
        body = render_to_string("accounts/invitation_email.txt", context)
    send_mail(subject, body, None, [invitation.email])
