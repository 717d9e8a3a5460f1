"""A member's role, locations and departments; deactivation ends their sessions and API tokens at once."""

from django.contrib.sessions.models import Session
from django.test import Client

from otklik.accounts.models import Membership, Role
from otklik.accounts.services import api_token_create
from otklik.audit.models import AuditEvent
from otklik.insights.models import Department


def membership(user, world):
    return Membership.objects.get(user=user, organization=world.org)


def test_a_manager_moves_an_employee_to_another_store_and_a_department(client, login, world):
    kitchen = Department.objects.create(organization=world.org, name="Kitchen")
    login(world.manager)
    member = membership(world.employee, world)
    assert client.get(f"/team/members/{member.pk}/").status_code == 200
    response = client.post(
        f"/team/members/{member.pk}/",
        {"role": Role.EMPLOYEE, "locations": [world.other_store.pk], "departments": [kitchen.pk]},
    )
    assert response.status_code == 303
    assert list(member.locations.all()) == [world.other_store]
    assert list(kitchen.members.all()) == [world.employee]
    event = AuditEvent.objects.get(action="locations_changed")
    assert event.details == {"from": ["Main Street"], "to": ["Airport"]}


def test_a_role_change_is_audited(client, login, world):
    login(world.owner)
    member = membership(world.viewer, world)
    client.post(f"/team/members/{member.pk}/", {"role": Role.MANAGER})
    member.refresh_from_db()
    assert member.role == Role.MANAGER
    assert AuditEvent.objects.get(action="role_changed").details == {"from": "viewer", "to": "manager"}


def test_a_manager_cannot_make_an_owner_nor_change_one(client, login, world):
    login(world.manager)
    viewer = membership(world.viewer, world)
    assert client.post(f"/team/members/{viewer.pk}/", {"role": Role.OWNER}).status_code == 400
    owner = membership(world.owner, world)
    response = client.post(f"/team/members/{owner.pk}/", {"action": "deactivate"})
    assert response.status_code == 400 and "Only an owner may change an owner" in response.content.decode()
    viewer.refresh_from_db()
    owner.refresh_from_db()
    assert viewer.role == Role.VIEWER and owner.is_active


def test_the_last_owner_cannot_step_down(client, login, world):
    login(world.owner)
    owner = membership(world.owner, world)
    response = client.post(f"/team/members/{owner.pk}/", {"role": Role.MANAGER})
    assert response.status_code == 400 and "at least one active owner" in response.content.decode()
    owner.refresh_from_db()
    assert owner.role == Role.OWNER


def test_deactivation_ends_sessions_and_api_tokens_at_once(client, login, world):
    employee_browser = Client()
    employee_browser.force_login(world.employee)
    assert employee_browser.get("/cases/").status_code == 200
    raw = api_token_create(organization=world.org, user=world.employee)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get("/api/cases").status_code == 200

    login(world.manager)
    member = membership(world.employee, world)
    assert client.post(f"/team/members/{member.pk}/", {"action": "deactivate"}).status_code == 303

    assert employee_browser.get("/cases/").status_code == 302  # back to the login page
    assert api.get("/api/cases").status_code == 401
    assert not [s for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(world.employee.pk)]
    event = AuditEvent.objects.get(action="member_deactivated", target="emma")
    assert event.details == {"no_longer_responsible_for": ["Main Street"]}
    world.store.refresh_from_db()
    assert world.store.responsible is None  # new complaints go to the managers
    assert "deactivated" in client.get("/team/").content.decode()


def test_a_member_of_two_organizations_keeps_the_other(client, world):
    Membership.objects.create(user=world.employee, organization=world.other_org, role=Role.VIEWER)
    browser = Client()
    browser.force_login(world.employee)
    member = membership(world.employee, world)
    manager = Client()
    manager.force_login(world.manager)
    manager.post(f"/team/members/{member.pk}/", {"action": "deactivate"})
    page = browser.get("/cases/")
    assert page.status_code == 200
    assert page.context["membership"].organization == world.other_org


def test_reactivation_gives_the_organization_back(client, login, world):
    member = membership(world.employee, world)
    member.is_active = False
    member.save()
    login(world.manager)
    client.post(f"/team/members/{member.pk}/", {"action": "reactivate"})
    member.refresh_from_db()
    assert member.is_active
    assert AuditEvent.objects.filter(action="member_reactivated").exists()


def test_nobody_deactivates_themselves(client, login, world):
    login(world.manager)
    me = membership(world.manager, world)
    assert client.post(f"/team/members/{me.pk}/", {"action": "deactivate"}).status_code == 400


def test_a_stranger_gets_404_for_our_members(client, login, world):
    login(world.stranger)
    member = membership(world.employee, world)
    assert client.get(f"/team/members/{member.pk}/").status_code == 404
    assert client.post(f"/team/members/{member.pk}/", {"action": "deactivate"}).status_code == 404
