from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from otklik.accounts.services import api_token_authenticate


def run(**options) -> str:
    out = StringIO()
    call_command("api_token", stdout=out, **options)
    return out.getvalue().strip()


def test_it_prints_a_token_that_authenticates(world):
    raw = run(org="acme", user="max")
    assert raw.startswith("otk_")
    token = api_token_authenticate(raw)
    assert (token.organization, token.user) == (world.org, world.manager)


def test_the_printed_token_works_against_the_api(world, client):
    raw = run(org="acme", user="max")
    assert client.get("/api/answers", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200


def test_it_rejects_an_unknown_organization(world):
    with pytest.raises(CommandError, match="No organization"):
        run(org="nope", user="max")


def test_it_rejects_an_unknown_user(world):
    with pytest.raises(CommandError, match="No user"):
        run(org="acme", user="nobody")


def test_it_rejects_a_user_of_another_organization(world):
    with pytest.raises(CommandError, match="not a member"):
        run(org="acme", user="stan")
