"""Invitations: sent by e-mail in the organization's language, single use, expiring, resent, cancelled."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.utils import timezone

from otklik.accounts.models import MemberInvitation, Membership, Role
from otklik.audit.models import AuditEvent


def invite(client, email: str, role: str = Role.EMPLOYEE, locations=()):
    return client.post("/team/", {"email": email, "role": role, "locations": [loc.pk for loc in locations]})


def link_path(message) -> str:
    return re.search(r"http://testserver(/join/\S+/)", message.body).group(1)


def join(client, path: str, username: str = "nina", password: str = "plum-orchard-17"):
    return client.post(path, {"username": username, "password1": password, "password2": password})


def test_a_manager_invites_an_employee_bound_to_one_store(client, login, world):
    login(world.manager)
    assert invite(client, "nina@example.org", locations=[world.store]).status_code == 303
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["nina@example.org"]
    assert "Acme Coffee" in mail.outbox[0].subject
    invitation = MemberInvitation.objects.get()
    assert list(invitation.locations.all()) == [world.store]
    assert AuditEvent.objects.filter(action="invitation_sent", target="nina@example.org").exists()
    page = client.get("/team/").content.decode()
    assert "nina@example.org" in page


def test_the_email_is_in_the_organizations_language(client, login, world):
    world.org.default_language = "ru"
    world.org.save()
    login(world.manager)
    invite(client, "nina@example.org")
    assert "Приглашение" in mail.outbox[0].subject


def test_the_invited_person_makes_an_account_and_joins(client, login, world):
    login(world.manager)
    invite(client, "nina@example.org", locations=[world.store])
    client.logout()
    path = link_path(mail.outbox[0])
    assert client.get(path).status_code == 200
    joined = join(client, path)
    assert joined.status_code == 303
    user = User.objects.get(username="nina")
    membership = Membership.objects.get(user=user)
    assert (membership.organization, membership.role) == (world.org, Role.EMPLOYEE)
    assert list(membership.locations.all()) == [world.store]
    assert client.get("/cases/").status_code == 200  # logged in


def test_a_used_link_says_so_and_changes_nothing(client, login, world):
    login(world.manager)
    invite(client, "nina@example.org")
    client.logout()
    path = link_path(mail.outbox[0])
    join(client, path)
    client.logout()
    again = join(client, path, username="nina2")
    assert again.status_code == 410
    assert "already been used" in again.content.decode()
    assert not User.objects.filter(username="nina2").exists()


def test_an_expired_link_says_so(client, login, world):
    login(world.manager)
    invite(client, "nina@example.org")
    MemberInvitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    client.logout()
    response = client.get(link_path(mail.outbox[0]))
    assert response.status_code == 410 and "expired" in response.content.decode()


def test_a_weak_password_is_refused_and_creates_nothing(client, login, world):
    login(world.manager)
    invite(client, "nina@example.org")
    client.logout()
    refused = join(client, link_path(mail.outbox[0]), password="password")
    assert refused.status_code == 400
    assert "too common" in refused.content.decode()
    assert not User.objects.filter(username="nina").exists()
    assert MemberInvitation.objects.get().accepted_at is None


def test_resending_replaces_the_link(client, login, world):
    login(world.manager)
    invite(client, "nina@example.org")
    invitation = MemberInvitation.objects.get()
    assert client.post(f"/team/invitations/{invitation.pk}/resend/").status_code == 303
    assert len(mail.outbox) == 2
    client.logout()
    assert client.get(link_path(mail.outbox[0])).status_code == 410
    assert client.get(link_path(mail.outbox[1])).status_code == 200


def test_a_cancelled_invitation_no_longer_works(client, login, world):
    login(world.manager)
    invite(client, "nina@example.org")
    invitation = MemberInvitation.objects.get()
    assert client.post(f"/team/invitations/{invitation.pk}/cancel/").status_code == 303
    client.logout()
    response = client.get(link_path(mail.outbox[0]))
    assert response.status_code == 410 and "cancelled" in response.content.decode()
    assert AuditEvent.objects.filter(action="invitation_cancelled").exists()


def test_an_existing_account_logs_in_and_accepts(client, login, world):
    login(world.owner)
    invite(client, world.stranger.email, role=Role.VIEWER)
    client.logout()
    path = link_path(mail.outbox[0])
    assert "Log in to accept" in client.get(path).content.decode()
    login(world.stranger)
    assert client.post(path).status_code == 303
    assert Membership.objects.get(user=world.stranger, organization=world.org).role == Role.VIEWER


def test_someone_else_logged_in_cannot_take_the_invitation(client, login, world):
    login(world.owner)
    invite(client, world.stranger.email)
    login(world.viewer)
    client.post(link_path(mail.outbox[0]))
    assert not Membership.objects.filter(user=world.stranger, organization=world.org).exists()
    assert not Membership.objects.filter(user=world.viewer, organization=world.org, role=Role.EMPLOYEE).exists()


def test_a_manager_cannot_invite_an_owner(client, login, world):
    login(world.manager)
    assert invite(client, "boss@example.org", role=Role.OWNER).status_code == 400
    assert not MemberInvitation.objects.exists() and not mail.outbox


def test_an_owner_can_invite_an_owner(client, login, world):
    login(world.owner)
    assert invite(client, "boss@example.org", role=Role.OWNER).status_code == 303


def test_an_active_member_is_not_invited_again(client, login, world):
    login(world.manager)
    response = invite(client, world.employee.email)
    assert response.status_code == 400 and "already a member" in response.content.decode()


@pytest.mark.parametrize("who", ["employee", "viewer"])
def test_employees_and_viewers_have_no_team_page(client, login, world, who):
    login(getattr(world, who))
    assert client.get("/team/").status_code == 403


def test_a_stranger_cannot_touch_our_invitations(client, login, world):
    login(world.manager)
    invite(client, "nina@example.org")
    invitation = MemberInvitation.objects.get()
    login(world.stranger)
    assert client.post(f"/team/invitations/{invitation.pk}/cancel/").status_code == 404
    assert client.post(f"/team/invitations/{invitation.pk}/resend/").status_code == 404


def test_a_mail_server_failure_keeps_the_invitation_and_says_so(client, login, world, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens
    login(world.manager)
    response = invite(client, "nina@example.org")
    assert response.status_code == 303
    assert MemberInvitation.objects.filter(email="nina@example.org").exists()
    page = client.get("/team/").content.decode()
    assert "could not be sent" in page
