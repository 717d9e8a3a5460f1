"""Helpers for API tests: a token per user and a client that sends it."""

import pytest
from django.contrib.auth.models import User
from django.test import Client

from otklik.accounts.models import Membership
from otklik.accounts.services import api_token_create

# Real customer words from /work/shared/datasets/airline-tweets-en (tweet ids 570035876845084672, 570295459631263746).
COMPLAINT = "@VirginAmerica Your chat support is not working on your site: http://t.co/vhp2GtDWPk"
PRAISE = "@VirginAmerica it was amazing, and arrived an hour early. You're too good to me."


class ApiClient:
    """A test client that authenticates every request with one bearer token."""

    def __init__(self, raw_token: str):
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {raw_token}")

    def get(self, path: str, params: dict | None = None):
        return self.client.get(path, params or {})

    def post(self, path: str, data: dict):
        return self.client.post(path, data, content_type="application/json")


@pytest.fixture
def api_as():
    """`api_as(world.manager)`: an ApiClient for the user's token in their (first) organization."""

    def make(user: User) -> ApiClient:
        membership = Membership.objects.filter(user=user).select_related("organization").first()
        return ApiClient(api_token_create(organization=membership.organization, user=user))

    return make
