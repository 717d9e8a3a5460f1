"""The one-time link where a new owner sets a first password (printed by `otklik org create`)."""

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_encode

SETUP_LINK_VALID_SECONDS = 7 * 24 * 3600


class SetupTokenGenerator(PasswordResetTokenGenerator):
    """Django's reset token with its own salt and a 7-day life.

    It hashes the password and the last login, so it stops working once a password is set.
    A reset link (a day) cannot be used here, nor this one as a reset link.
    """

    key_salt = "otklik.accounts.tokens.SetupTokenGenerator"

    def check_token(self, user, token):
        if not (user and token):
            return False
        try:
            ts_b36, _hash = token.split("-")
            timestamp = base36_to_int(ts_b36)
        except ValueError:
            return False
        if not any(
            constant_time_compare(self._make_token_with_timestamp(user, timestamp, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        ):
            return False
        return self._num_seconds(self._now()) - timestamp <= SETUP_LINK_VALID_SECONDS


setup_token_generator = SetupTokenGenerator()


def password_setup_link(*, user, site_url: str = "") -> str:
    """The absolute link where `user` sets a password, single use, valid 7 days."""
    path = reverse(
        "accounts:password_setup",
        args=[urlsafe_base64_encode(force_bytes(user.pk)), setup_token_generator.make_token(user)],
    )
    return (site_url or settings.SITE_URL).rstrip("/") + path
