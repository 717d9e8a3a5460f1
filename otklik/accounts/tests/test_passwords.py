"""Every member changes their password; a forgotten one is reset by e-mail."""

import re

from django.core import mail
from django.test import Client

from otklik.accounts.models import ApiToken
from otklik.accounts.services import api_token_create
from otklik.audit.models import AuditEvent
from otklik.testing.factories import PASSWORD


def test_a_member_changes_their_password(client, login, world):
    login(world.employee)
    assert client.get("/account/password/").status_code == 200
    data = {"old_password": PASSWORD, "new_password1": "harbour-lights-93", "new_password2": "harbour-lights-93"}
    assert client.post("/account/password/", data).status_code == 302
    world.employee.refresh_from_db()
    assert world.employee.check_password("harbour-lights-93")
    assert AuditEvent.objects.filter(action="password_changed", actor=world.employee).exists()


def test_a_new_password_revokes_the_api_tokens(client, login, world):
    raw = api_token_create(organization=world.org, user=world.employee)
    login(world.employee)
    data = {"old_password": PASSWORD, "new_password1": "harbour-lights-93", "new_password2": "harbour-lights-93"}
    client.post("/account/password/", data)
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/cases").status_code == 401
    assert AuditEvent.objects.filter(action="token_revoked", actor=world.employee).exists()


def test_a_wrong_old_password_changes_nothing(client, login, world):
    login(world.employee)
    data = {"old_password": "nope", "new_password1": "harbour-lights-93", "new_password2": "harbour-lights-93"}
    assert client.post("/account/password/", data).status_code == 200
    world.employee.refresh_from_db()
    assert world.employee.check_password(PASSWORD)


def test_a_forgotten_password_is_reset_by_email(client, world):
    api_token_create(organization=world.org, user=world.employee)
    assert client.get("/login/").content.decode().count("/password-reset/") == 1
    assert client.post("/password-reset/", {"email": world.employee.email}).status_code == 302
    assert len(mail.outbox) == 1
    path = re.search(r"http://testserver(/password-reset/\S+/)", mail.outbox[0].body).group(1)
    form = client.get(path, follow=True)
    assert form.context["validlink"]
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": "quiet-meadow-58", "new_password2": "quiet-meadow-58"}
    )
    assert done.status_code == 302
    assert client.login(username="emma", password="quiet-meadow-58")
    assert AuditEvent.objects.filter(action="password_reset", organization=world.org).exists()
    assert not ApiToken.objects.filter(user=world.employee).exists()


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, world):
    assert client.post("/password-reset/", {"email": "nobody@example.org"}).status_code == 302
    assert not mail.outbox
