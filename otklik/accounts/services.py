"""Writes for organizations, people, API tokens and settings (invitations are in invitations.py).

Each change an owner would want to trace later is written to the audit log here, beside the change,
so the command line and the pages record the same thing.
"""

import hashlib
import secrets
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import pycountry
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.validators import validate_email, validate_slug
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from otklik.accounts.models import ApiToken, Location, Membership, Organization, Role
from otklik.audit.models import AuditAction
from otklik.audit.services import record

TOKEN_PREFIX = "otk_"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


# Organizations


def validate_currency(code: str) -> str:
    """An ISO 4217 code in upper case (pycountry's list of current currencies), or ValidationError."""
    code = (code or "").strip().upper()
    if len(code) != 3 or pycountry.currencies.get(alpha_3=code) is None:
        raise ValidationError(
            _("%(code)s is not an ISO 4217 currency code (for example RUB, UAH, EUR).") % {"code": code or "''"}
        )
    return code


def validate_time_zone(name: str) -> str:
    """An IANA time zone name zoneinfo knows (Europe/Moscow), or ValidationError."""
    name = (name or "").strip()
    try:
        if not name or name not in available_timezones():
            raise ZoneInfoNotFoundError(name)
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            _("%(name)s is not a known time zone (for example Europe/Moscow, Europe/Kyiv, UTC).")
            % {"name": name or "''"}
        ) from None
    return name


def validate_language(code: str) -> str:
    codes = [language for language, _name in settings.LANGUAGES]
    if code not in codes:
        raise ValidationError(_("The language must be one of %(codes)s.") % {"codes": ", ".join(codes)})
    return code


def validate_new_slug(slug: str) -> str:
    """A slug no organization has yet."""
    slug = (slug or "").strip().lower()
    validate_slug(slug)
    if Organization.objects.filter(slug=slug).exists():
        raise ValidationError(_("An organization with the slug %(slug)s already exists.") % {"slug": slug})
    return slug


def owner_for_email(*, email: str) -> User:
    """The user with this e-mail, or a new one without a usable password (they set it through a link).

    Refuses when several accounts share the e-mail: which of them becomes owner is not ours to guess.
    """
    email = (email or "").strip()
    validate_email(email)
    found = list(User.objects.filter(email__iexact=email)[:2])
    if len(found) > 1:
        raise ValidationError(_("Several accounts use %(email)s; give the owner a unique e-mail.") % {"email": email})
    if found:
        return found[0]
    username = email.lower()
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError(_("The username %(username)s is taken by another account.") % {"username": username})
    user = User(username=username, email=email)
    user.set_unusable_password()
    user.save()
    return user


@transaction.atomic
def organization_create(
    *,
    name: str,
    slug: str,
    owner_email: str = "",
    owner: User | None = None,
    language: str = "en",
    time_zone: str = "UTC",
    currency: str = "RUB",
    actor: User | None = None,
    request: HttpRequest | None = None,
) -> Organization:
    """Create an organization and its owner (an existing user, or one found or made by e-mail).

    Every value is checked before anything is written, and it all happens in one transaction,
    so a bad value creates nothing.
    """
    name = (name or "").strip()
    errors, checked = [], {}
    if not name:
        errors.append(_("The organization needs a name."))
    for field, check, value in [
        ("slug", validate_new_slug, slug),
        ("language", validate_language, language),
        ("time_zone", validate_time_zone, time_zone),
        ("currency", validate_currency, currency),
    ]:
        try:
            checked[field] = check(value)
        except ValidationError as error:
            errors.extend(error.messages)
    if errors:  # every mistake at once, so a second try is the last
        raise ValidationError(errors)
    slug, language, time_zone, currency = (checked[f] for f in ["slug", "language", "time_zone", "currency"])
    if owner is None:
        owner = owner_for_email(email=owner_email)
    organization = Organization.objects.create(
        name=name[:200], slug=slug, default_language=language, time_zone=time_zone, currency=currency
    )
    Membership.objects.create(user=owner, organization=organization, role=Role.OWNER)
    record(
        action=AuditAction.SETTINGS_CHANGED,
        organization=organization,
        actor=actor,
        actor_label="" if actor else "command line",
        target=organization.slug,
        details={"created": True, "owner": owner.get_username()},
        request=request,
    )
    return organization


def organization_update(
    *, organization: Organization, changed: dict, by: User, request: HttpRequest | None = None
) -> Organization:
    """Save the settings form's changes and record which fields changed (old and new values)."""
    return _settings_save(
        organization, organization=organization, target=organization.slug, changed=changed, by=by, request=request
    )


def location_update(*, location, changed: dict, by: User, request: HttpRequest | None = None):
    """Save a location's changed fields (its public review pages) and record them."""
    return _settings_save(
        location, organization=location.organization, target=location.name, changed=changed, by=by, request=request
    )


def _settings_save(instance, *, organization: Organization, target: str, changed: dict, by: User, request):
    fields = sorted(changed)
    if not fields:
        return instance
    instance.save(update_fields=fields)
    record(
        action=AuditAction.SETTINGS_CHANGED,
        organization=organization,
        actor=by,
        target=target,
        details={"changed": {field: [str(old), str(new)] for field, (old, new) in sorted(changed.items())}},
        request=request,
    )
    return instance


# Members


def _active_owners(organization: Organization):
    return Membership.objects.filter(organization=organization, role=Role.OWNER, is_active=True)


def _check_may_change(*, membership: Membership, by: Membership) -> None:
    if by.organization_id != membership.organization_id or not by.can_manage:
        raise ValidationError(_("You may not change this member."))
    if membership.role == Role.OWNER and by.role != Role.OWNER:
        raise ValidationError(_("Only an owner may change an owner."))


def _keeps_an_owner(*, membership: Membership) -> bool:
    return _active_owners(membership.organization).exclude(pk=membership.pk).exists()


@transaction.atomic
def member_update(
    *,
    membership: Membership,
    role: str,
    locations,
    by: Membership,
    request: HttpRequest | None = None,
) -> Membership:
    """Change a member's role and locations; managers cannot make owners, and an organization keeps an owner."""
    _check_may_change(membership=membership, by=by)
    if role not in Role.values:
        raise ValidationError(_("Unknown role."))
    if role == Role.OWNER and by.role != Role.OWNER:
        raise ValidationError(_("Only an owner may make someone an owner."))
    if membership.role == Role.OWNER and role != Role.OWNER and not _keeps_an_owner(membership=membership):
        raise ValidationError(_("The organization must keep at least one active owner."))
    locations = list(locations)
    if any(location.organization_id != membership.organization_id for location in locations):
        raise ValidationError(_("A location belongs to another organization."))
    target = membership.user.get_username()
    if role != membership.role:
        record(
            action=AuditAction.ROLE_CHANGED,
            organization=membership.organization,
            actor=by.user,
            target=target,
            details={"from": membership.role, "to": role},
            request=request,
        )
        membership.role = role
        membership.save(update_fields=["role"])
    before = sorted(membership.locations.values_list("name", flat=True))
    after = sorted(location.name for location in locations)
    if before != after:
        membership.locations.set(locations)
        record(
            action=AuditAction.LOCATIONS_CHANGED,
            organization=membership.organization,
            actor=by.user,
            target=target,
            details={"from": before, "to": after},
            request=request,
        )
    return membership


def user_sessions_end(*, user: User) -> int:
    """Delete the user's sessions (database sessions), so they are logged out everywhere at once."""
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            session.delete()
            ended += 1
    return ended


@transaction.atomic
def member_deactivate(*, membership: Membership, by: Membership, request: HttpRequest | None = None) -> Membership:
    """Deactivate a member: they lose this organization's pages and API at once; their history stays.

    Their tokens stop at once because the API refuses inactive memberships. Their sessions are
    ended when no other organization still has them; otherwise each page refuses this organization.
    """
    _check_may_change(membership=membership, by=by)
    if membership.pk == by.pk:
        raise ValidationError(_("You cannot deactivate yourself."))
    if membership.role == Role.OWNER and not _keeps_an_owner(membership=membership):
        raise ValidationError(_("The organization must keep at least one active owner."))
    if not membership.is_active:
        return membership
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    if not Membership.objects.filter(user=membership.user, is_active=True).exists():
        user_sessions_end(user=membership.user)
    # New complaints of their stores go to the managers instead (cases.default_responsible).
    stores = Location.objects.filter(organization=membership.organization, responsible=membership.user)
    released = sorted(stores.values_list("name", flat=True))
    stores.update(responsible=None)
    record(
        action=AuditAction.MEMBER_DEACTIVATED,
        organization=membership.organization,
        actor=by.user,
        target=membership.user.get_username(),
        details={"no_longer_responsible_for": released} if released else {},
        request=request,
    )
    return membership


@transaction.atomic
def member_reactivate(*, membership: Membership, by: Membership, request: HttpRequest | None = None) -> Membership:
    _check_may_change(membership=membership, by=by)
    if membership.is_active:
        return membership
    membership.is_active = True
    membership.save(update_fields=["is_active"])
    record(
        action=AuditAction.MEMBER_REACTIVATED,
        organization=membership.organization,
        actor=by.user,
        target=membership.user.get_username(),
        request=request,
    )
    return membership


# API tokens


def api_token_create(
    *, organization: Organization, user: User, name: str = "api", request: HttpRequest | None = None
) -> str:
    """Create a bearer token for `user` in `organization` and return the raw key.

    The raw key is shown once; only its hash is stored.
    """
    if not Membership.objects.filter(organization=organization, user=user, is_active=True).exists():
        raise ValueError(f"{user.username} is not a member of {organization.slug} (or is deactivated there)")
    name = (name or "").strip()[:100] or "api"
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        organization=organization, user=user, name=name, prefix=raw[:10], key_hash=hash_token(raw)
    )
    record(
        action=AuditAction.TOKEN_CREATED,
        organization=organization,
        actor=user if request is not None else None,
        actor_label="" if request is not None else "command line",
        target=f"{token.name} ({token.prefix}…)",
        details={"user": user.get_username()},
        request=request,
    )
    return raw


def api_token_revoke(*, token: ApiToken, by: User, request: HttpRequest | None = None) -> None:
    """Delete a token: the next request with it is refused."""
    record(
        action=AuditAction.TOKEN_REVOKED,
        organization=token.organization,
        actor=by,
        target=f"{token.name} ({token.prefix}…)",
        details={"user": token.user.get_username()},
        request=request,
    )
    token.delete()


def api_tokens_revoke_all(*, user: User, request: HttpRequest | None = None) -> int:
    """Revoke every token of the user, in every organization: after a password change or reset.

    Whoever knew the old password may have made a token; a new password must shut them out too.
    """
    revoked = 0
    for token in ApiToken.objects.filter(user=user).select_related("organization", "user"):
        api_token_revoke(token=token, by=user, request=request)
        revoked += 1
    return revoked


def api_token_authenticate(raw: str) -> ApiToken | None:
    """Return the token for a raw key (and note its use), or None.

    A token of a deactivated member, or of a user who left, authenticates nobody.
    """
    token = (
        ApiToken.objects.select_related("organization", "user")
        .filter(
            key_hash=hash_token(raw),
            user__is_active=True,
            user__memberships__organization=F("organization"),
            user__memberships__is_active=True,
        )
        .first()
    )
    if token is not None:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token


def member_language_save(*, membership: Membership, language: str) -> Membership:
    """Set the language a member reads the interface, alerts, escalations and digests in; empty: the organization's."""
    if language and language not in {code for code, _name in settings.LANGUAGES}:
        raise ValidationError(_("Unknown language."))
    if membership.language != language:
        membership.language = language
        membership.save(update_fields=["language"])
    return membership
