"""Writes for organizations, people and API tokens."""

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from otklik.accounts.models import ApiToken, Membership, Organization

TOKEN_PREFIX = "otk_"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def api_token_create(*, organization: Organization, user: User, name: str = "api") -> str:
    """Create a bearer token for `user` in `organization` and return the raw key.

    The raw key is shown once; only its hash is stored.
    """
    if not Membership.objects.filter(organization=organization, user=user).exists():
        raise ValueError(f"{user.username} is not a member of {organization.slug}")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    ApiToken.objects.create(organization=organization, user=user, name=name, prefix=raw[:10], key_hash=hash_token(raw))
    return raw


def api_token_authenticate(raw: str) -> ApiToken | None:
    """Return the token for a raw key (and note its use), or None."""
    token = (
        ApiToken.objects.select_related("organization", "user")
        .filter(key_hash=hash_token(raw), user__is_active=True)
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
