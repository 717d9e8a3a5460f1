"""The outreach list shows every scheduled invitation with its status; settings are validated; nav links it."""

from datetime import time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from otklik.outreach.dispatch import invitations_dispatch_due
from otklik.outreach.models import OutreachSettings, ScheduledInvitation
from otklik.outreach.tests.helpers import make_customer, make_product, make_purchase

pytestmark = pytest.mark.django_db


def url(name: str, *args) -> str:
    return reverse(f"outreach:{name}", args=args)


def test_the_list_shows_scheduled_sent_and_refused_invitations_with_reasons(world, login):
    kettle = make_product(organization=world.org, name="Kettle", delay=0)
    now = timezone.now()
    make_purchase(customer=make_customer(organization=world.org), product=kettle, at=now - timedelta(hours=1))
    make_purchase(customer=make_customer(organization=world.org, consent=False), product=kettle, at=now)
    make_purchase(customer=make_customer(organization=world.org), product=kettle, at=now + timedelta(days=2))
    OutreachSettings.objects.create(organization=world.org, quiet_from=time(0), quiet_until=time(0))
    invitations_dispatch_due(now=now + timedelta(minutes=1))

    client = login(world.manager)
    html = client.get(url("list")).content.decode()
    assert html.count('data-status="sent"') == 1
    assert html.count('data-status="no_consent"') == 1 and "No consent to be asked by e-mail." in html
    assert html.count('data-status="scheduled"') == 1
    assert "Pending" in html  # the outbox message of the sent one
    filtered = client.get(url("list"), {"status": "no_consent"}).content.decode()
    assert filtered.count('data-status="') == 1
    assert 'href="/outreach/"' in html  # the nav link


def test_an_employee_sees_only_their_stores_invitations(world, login):
    kettle = make_product(organization=world.org, name="Kettle")
    mine = make_purchase(customer=make_customer(organization=world.org), product=kettle, location=world.store)
    other = make_purchase(customer=make_customer(organization=world.org), product=kettle, location=world.other_store)
    html = login(world.employee).get(url("list")).content.decode()
    assert f'id="scheduled-{mine.scheduled_invitation.pk}"' in html
    assert f'id="scheduled-{other.scheduled_invitation.pk}"' not in html


def test_a_stranger_sees_none_of_the_organizations_invitations(world, login):
    kettle = make_product(organization=world.org, name="Kettle")
    make_purchase(customer=make_customer(organization=world.org), product=kettle)
    assert ScheduledInvitation.objects.exists()
    assert 'id="scheduled-' not in login(world.stranger).get(url("list")).content.decode()


def test_a_manager_saves_the_outreach_settings(world, login):
    client = login(world.manager)
    answer = client.post(
        url("settings"),
        {
            "time_zone": "Europe/Kyiv",
            "quiet_from": "22:00",
            "quiet_until": "08:30",
            "min_days_between": "14",
            "expire_after_days": "7",
            "default_touchpoint": world.other_checkout.pk,
        },
    )
    assert answer.status_code == 303
    config = OutreachSettings.objects.get(organization=world.org)
    world.org.refresh_from_db()
    assert world.org.time_zone == "Europe/Kyiv"
    assert (config.quiet_from, config.quiet_until) == (time(22), time(8, 30))
    assert (config.min_days_between, config.expire_after_days) == (14, 7)
    assert config.default_touchpoint == world.other_checkout


def test_bad_settings_are_refused_and_change_nothing(world, login):
    client = login(world.manager)
    answer = client.post(
        url("settings"),
        {
            "time_zone": "Mars/Olympus",
            "quiet_from": "25:00",
            "quiet_until": "08:00",
            "min_days_between": "-1",
            "expire_after_days": "0",
            "default_touchpoint": world.stranger_checkout.pk,
        },
    )
    assert answer.status_code == 400
    assert not OutreachSettings.objects.exists()
    answer = client.post(
        url("settings"),
        {
            "time_zone": "Mars/Olympus",
            "quiet_from": "21:00",
            "quiet_until": "08:00",
            "min_days_between": "30",
            "expire_after_days": "14",
        },
    )
    assert answer.status_code == 400 and "Unknown time zone" in answer.content.decode()
    world.org.refresh_from_db()
    assert world.org.time_zone == "UTC" and not OutreachSettings.objects.exists()


def test_only_managers_and_owners_edit_settings(world, login):
    assert login(world.employee).get(url("settings")).status_code == 403
    assert login(world.owner).get(url("settings")).status_code == 200
