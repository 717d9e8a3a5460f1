"""A low score reaches the responsible person at once, on the channels they chose (B4)."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from otklik.cases.tests.samples import LUGGAGE
from otklik.messaging.models import OutboxMessage, OutboxStatus
from otklik.messaging.services import outbox_deliver_due
from otklik.sla.selectors import alert_channels_for
from otklik.sla.services import notification_preference_save
from otklik.testing.factories import make_response


def choose(world, user, **choices):
    values = {"email": True, "telegram": False, "telegram_chat_id": "", "daily_digest": True} | choices
    notification_preference_save(user=user, organization=world.org, **values)


def test_by_default_alerts_go_by_e_mail(world):
    assert alert_channels_for(user=world.employee, organization=world.org) == [("email", "emma@example.com")]


def test_a_chosen_telegram_chat_is_added(world):
    choose(world, world.employee, telegram=True, telegram_chat_id="123456789")
    assert alert_channels_for(user=world.employee, organization=world.org) == [
        ("email", "emma@example.com"),
        ("telegram", "123456789"),
    ]


def test_a_user_without_an_e_mail_address_gets_no_e_mail_alert(world):
    world.employee.email = ""
    world.employee.save()
    assert alert_channels_for(user=world.employee, organization=world.org) == []


def test_choices_in_one_organization_do_not_apply_in_another(world):
    choose(world, world.manager, email=False, telegram=True, telegram_chat_id="555")
    assert alert_channels_for(user=world.manager, organization=world.other_org) == [("email", "max@example.com")]


def test_a_detractor_reaches_the_responsible_person_by_telegram_in_one_delivery(world, telegram):
    choose(world, world.employee, telegram=True, telegram_chat_id="123456789")
    response = make_response(survey=world.nps, touchpoint=world.checkout, score=2, comment=LUGGAGE)
    alerts = OutboxMessage.objects.filter(kind="case_alert").order_by("channel")
    assert [(m.channel, m.recipient) for m in alerts] == [("email", "emma@example.com"), ("telegram", "123456789")]

    outbox_deliver_due()

    [sent] = telegram.sent
    assert sent["chat_id"] == "123456789"
    assert f"#{response.case.pk}" in sent["text"] and LUGGAGE in sent["text"]
    assert [m.to for m in mail.outbox] == [["emma@example.com"]]
    assert set(alerts.values_list("status", flat=True)) == {OutboxStatus.SENT}


def test_telegram_only_means_no_alert_e_mail(world, telegram):
    choose(world, world.employee, email=False, telegram=True, telegram_chat_id="123456789")
    make_response(survey=world.nps, touchpoint=world.checkout, score=2, comment=LUGGAGE)
    outbox_deliver_due()
    assert len(telegram.sent) == 1
    assert mail.outbox == []


@pytest.mark.parametrize(
    "choices",
    [
        {"email": False, "telegram": False},
        {"telegram": True, "telegram_chat_id": ""},
        {"telegram_chat_id": "my chat"},
    ],
)
def test_it_refuses_settings_that_cannot_deliver(world, choices):
    with pytest.raises(ValidationError):
        choose(world, world.employee, **choices)


def test_a_stranger_cannot_have_settings_in_another_organization(world):
    with pytest.raises(ValidationError):
        choose(world, world.stranger)
