"""`otklik org create`: an organization and its owner from nothing; bad input creates nothing."""

from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from otklik.accounts.models import Membership, Organization, Role
from otklik.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def create(**options) -> str:
    out = StringIO()
    defaults = {"name": "Ромашка", "slug": "romashka", "owner_email": "owner@romashka.example"}
    call_command("org", "create", stdout=out, **{**defaults, **options})
    return out.getvalue()


def setup_link(output: str) -> str:
    return next(line for line in output.splitlines() if "/account/setup/" in line).strip()


def test_it_creates_a_russian_shop_and_its_owner():
    output = create(language="ru", time_zone="Europe/Moscow", currency="rub")
    organization = Organization.objects.get(slug="romashka")
    assert (organization.name, organization.default_language) == ("Ромашка", "ru")
    assert (organization.time_zone, organization.currency) == ("Europe/Moscow", "RUB")
    owner = User.objects.get(email="owner@romashka.example")
    assert not owner.has_usable_password()
    assert Membership.objects.get(organization=organization).user == owner
    assert Membership.objects.get(organization=organization).role == Role.OWNER
    assert setup_link(output).startswith("http://127.0.0.1:8000/account/setup/")
    assert AuditEvent.objects.filter(organization=organization, action="settings_changed").exists()


def test_the_owner_sets_a_password_through_the_link_once(client):
    path = setup_link(create()).removeprefix("http://127.0.0.1:8000")
    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200 and form_page.context["validlink"]
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "tulips-in-april-42", "new_password2": "tulips-in-april-42"},
    )
    assert done.status_code == 302
    assert client.login(username="owner@romashka.example", password="tulips-in-april-42")
    client.logout()
    again = client.get(path, follow=True)
    assert not again.context["validlink"]  # single use: the password it set changed the token's hash


def test_the_link_refuses_a_weak_password_and_sets_nothing(client):
    path = setup_link(create()).removeprefix("http://127.0.0.1:8000")
    form_page = client.get(path, follow=True)
    refused = client.post(form_page.redirect_chain[-1][0], {"new_password1": "12345678", "new_password2": "12345678"})
    assert refused.status_code == 200 and refused.context["form"].errors
    assert not User.objects.get(email="owner@romashka.example").has_usable_password()


def test_the_link_expires_after_seven_days(client, monkeypatch):
    from otklik.accounts import tokens

    path = setup_link(create()).removeprefix("http://127.0.0.1:8000")
    now = tokens.setup_token_generator._now()
    from datetime import timedelta

    monkeypatch.setattr(tokens.SetupTokenGenerator, "_now", lambda self: now + timedelta(days=7, minutes=1))
    assert not client.get(path, follow=True).context["validlink"]


def test_an_existing_account_becomes_the_owner(world):
    output = create(owner_email=world.manager.email.upper())
    organization = Organization.objects.get(slug="romashka")
    assert Membership.objects.get(organization=organization).user == world.manager
    assert "already has a password" in output


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"currency": "RUR"}, "not an ISO 4217 currency"),
        ({"currency": "rubles"}, "not an ISO 4217 currency"),
        ({"time_zone": "Europe/Moskva"}, "not a known time zone"),
        ({"language": "de"}, "must be one of"),
        ({"slug": "Not a slug!"}, "slug"),
        ({"owner_email": "not-an-email"}, "valid email"),
        ({"name": "  "}, "needs a name"),
    ],
)
def test_bad_input_gets_a_clear_message_and_creates_nothing(options, message):
    with pytest.raises(CommandError, match=message):
        create(**options)
    assert not Organization.objects.exists()
    assert not User.objects.exists()


def test_every_mistake_is_named_at_once():
    with pytest.raises(CommandError) as error:
        create(currency="RUR", time_zone="Mars/Base")
    assert "RUR is not an ISO 4217" in str(error.value) and "Mars/Base is not a known time zone" in str(error.value)


def test_a_duplicate_slug_is_refused(world):
    with pytest.raises(CommandError, match="already exists"):
        create(slug="acme")
    assert not User.objects.filter(email="owner@romashka.example").exists()


def test_it_takes_the_documented_flags():
    # `otklik org create …` passes these words to the command as they are (otklik/tests/test_cli.py).
    out = StringIO()
    argv = ["--name", "Shop", "--slug", "shop", "--owner-email", "o@shop.example", "--language", "uk"]
    call_command("org", "create", *argv, "--time-zone", "Europe/Kyiv", "--currency", "UAH", stdout=out)
    assert "/account/setup/" in out.getvalue()
    shop = Organization.objects.get(slug="shop")
    assert (shop.default_language, shop.time_zone, shop.currency) == ("uk", "Europe/Kyiv", "UAH")
