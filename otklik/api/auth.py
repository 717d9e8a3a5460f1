"""Bearer tokens: `Authorization: Bearer otk_…`, one token per member of one organization."""

from django.http import HttpRequest
from ninja.security import HttpBearer

from otklik.accounts.models import Membership
from otklik.accounts.services import api_token_authenticate


class ApiTokenAuth(HttpBearer):
    """Authenticate a request by its API token; the caller's scope is the token user's membership.

    A token whose user has since left the organization, or was deactivated in it, authenticates nobody.
    """

    def authenticate(self, request: HttpRequest, token: str) -> Membership | None:
        api_token = api_token_authenticate(token)
        if api_token is None:
            return None
        membership = (
            Membership.objects.select_related("organization", "user")
            .filter(organization=api_token.organization, user=api_token.user, is_active=True)
            .first()
        )
        if membership is not None:
            request.membership = membership
        return membership
