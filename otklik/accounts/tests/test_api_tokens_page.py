"""The API tokens page: a named token shown once, its last use, revocation; all audited."""

from io import StringIO

from django.core.management import call_command
from django.test import Client

from otklik.accounts.models import ApiToken
from otklik.accounts.services import api_token_create
from otklik.audit.models import AuditEvent


def test_a_member_creates_a_token_that_is_shown_once_and_works(client, login, world):
    login(world.employee)
    created = client.post("/settings/api-tokens/", {"name": "1C export"})
    assert created.status_code == 201
    raw = created.context["created"]
    assert raw.startswith("otk_") and raw in created.content.decode()
    assert created["Cache-Control"] == "no-store"
    assert raw not in client.get("/settings/api-tokens/").content.decode()
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/cases").status_code == 200
    page = client.get("/settings/api-tokens/").content.decode()
    assert "1C export" in page and raw[:10] in page
    assert ApiToken.objects.get().last_used_at is not None
    assert AuditEvent.objects.get(action="token_created").target.startswith("1C export")


def test_revoking_stops_the_token_at_once(client, login, world):
    raw = api_token_create(organization=world.org, user=world.manager, name="crm")
    login(world.manager)
    token = ApiToken.objects.get()
    assert client.post(f"/settings/api-tokens/{token.pk}/revoke/").status_code == 303
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/cases").status_code == 401
    assert AuditEvent.objects.filter(action="token_revoked", actor=world.manager).exists()


def test_the_owner_sees_and_revokes_every_token_others_only_theirs(client, login, world):
    api_token_create(organization=world.org, user=world.employee, name="emma's")
    token = ApiToken.objects.get()
    login(world.manager)
    assert "emma&#x27;s" not in client.get("/settings/api-tokens/").content.decode()
    assert client.post(f"/settings/api-tokens/{token.pk}/revoke/").status_code == 404
    login(world.owner)
    assert "emma&#x27;s" in client.get("/settings/api-tokens/").content.decode()
    assert client.post(f"/settings/api-tokens/{token.pk}/revoke/").status_code == 303


def test_a_stranger_cannot_revoke_our_tokens(client, login, world):
    api_token_create(organization=world.org, user=world.manager)
    login(world.stranger)
    assert client.post(f"/settings/api-tokens/{ApiToken.objects.get().pk}/revoke/").status_code == 404
    assert ApiToken.objects.exists()


def test_a_token_without_a_name_is_refused(client, login, world):
    login(world.manager)
    assert client.post("/settings/api-tokens/", {"name": " "}).status_code == 400
    assert not ApiToken.objects.exists()


def test_the_command_accepts_an_email(world):
    out = StringIO()
    call_command("api_token", org="acme", user="MAX@example.com", stdout=out)
    assert ApiToken.objects.get().user == world.manager
    assert AuditEvent.objects.get(action="token_created").actor_label == "command line"
