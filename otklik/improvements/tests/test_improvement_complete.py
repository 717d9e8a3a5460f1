"""Fix once, tell everyone (C6): completing an improvement tells each linked customer once, in their language."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from otklik.improvements import services
from otklik.improvements.models import ImprovementStatus
from otklik.improvements.tests.helpers import TRANSFERS_RU, WAIT_RU, WIFI, WIFI_PAY, open_case
from otklik.messaging.models import OutboxMessage
from otklik.messaging.services import outbox_deliver_due


@pytest.fixture
def three_customers(world):
    return [
        open_case(world, comment=WIFI_PAY, language="en", email="ann@example.org", name="Ann"),
        open_case(world, comment=TRANSFERS_RU, language="ru", email="boris@example.org", name="Борис"),
        open_case(world, comment=WAIT_RU, language="uk", email="olena@example.org", name="Олена"),
    ]


def make_improvement(world, **kwargs):
    return services.improvement_create(
        organization=world.org, title="Free wifi and weekend transfers", owner=world.manager, **kwargs
    )


def test_it_tells_three_customers_at_once_each_in_their_language(world, three_customers):
    improvement = make_improvement(world)
    assert services.improvement_link_cases(improvement=improvement, cases=three_customers, by=world.manager) == 3

    told = services.improvement_complete(improvement=improvement, by=world.manager, what_changed="Wifi is free now.")

    assert told == 3
    improvement.refresh_from_db()
    assert improvement.status == ImprovementStatus.DONE and improvement.done_at is not None
    messages = {m.recipient: m for m in OutboxMessage.objects.filter(kind="improvement_done")}
    assert set(messages) == {"ann@example.org", "boris@example.org", "olena@example.org"}
    assert messages["ann@example.org"].body.startswith("Dear Ann")
    assert messages["boris@example.org"].body.startswith("Здравствуйте, Борис!")
    assert "благодаря вам" in messages["boris@example.org"].subject.lower()
    assert messages["olena@example.org"].body.startswith("Вітаємо, Олена!")
    assert "Завдяки вам" in messages["olena@example.org"].subject
    for case in three_customers:
        message = OutboxMessage.objects.get(case=case, kind="improvement_done")
        assert message.key == f"improvement:{improvement.pk}:case:{case.pk}"
        assert "Wifi is free now." in message.body
        assert case.content in message.body


def test_a_second_completion_sends_nothing_more(world, three_customers, django_capture_on_commit_callbacks):
    improvement = make_improvement(world)
    services.improvement_link_cases(improvement=improvement, cases=three_customers)
    with django_capture_on_commit_callbacks(execute=True):
        services.improvement_complete(improvement=improvement, by=world.manager, what_changed="Wifi is free now.")
    outbox_deliver_due()
    subjects = set(OutboxMessage.objects.filter(kind="improvement_done").values_list("subject", flat=True))
    assert sorted(m.to[0] for m in mail.outbox if m.subject in subjects) == [
        "ann@example.org",
        "boris@example.org",
        "olena@example.org",
    ]
    mail.outbox.clear()

    assert services.improvement_complete(improvement=improvement, by=world.owner, what_changed="Something else") == 0

    assert OutboxMessage.objects.filter(kind="improvement_done").count() == 3
    assert outbox_deliver_due() == 0
    assert mail.outbox == []
    improvement.refresh_from_db()
    assert improvement.what_changed == "Wifi is free now."


def test_a_customer_without_e_mail_is_not_written_to(world):
    improvement = make_improvement(world)
    services.improvement_link_cases(improvement=improvement, cases=[open_case(world, comment=WIFI, email="")])
    assert services.improvement_complete(improvement=improvement, by=world.manager, what_changed="Free wifi") == 0
    assert not OutboxMessage.objects.filter(kind="improvement_done").exists()


def test_a_case_linked_after_completion_hears_about_it_once(world, three_customers):
    improvement = make_improvement(world)
    services.improvement_link_cases(improvement=improvement, cases=three_customers[:1])
    services.improvement_complete(improvement=improvement, by=world.manager, what_changed="Free wifi")

    services.improvement_link_cases(improvement=improvement, cases=three_customers)
    services.improvement_link_cases(improvement=improvement, cases=three_customers)

    assert OutboxMessage.objects.filter(kind="improvement_done").count() == 3


def test_it_refuses_to_link_cases_of_another_organization(world):
    improvement = make_improvement(world)
    own = open_case(world, comment=WIFI)
    foreign = open_case(world, comment=WIFI_PAY, survey=world.stranger_nps, touchpoint=world.stranger_checkout)
    with pytest.raises(ValidationError):
        services.improvement_link_cases(improvement=improvement, cases=[own, foreign])
    assert improvement.links.count() == 0


def test_it_refuses_to_complete_without_saying_what_changed(world, three_customers):
    improvement = make_improvement(world)
    services.improvement_link_cases(improvement=improvement, cases=three_customers)
    with pytest.raises(ValidationError):
        services.improvement_complete(improvement=improvement, by=world.manager, what_changed="  ")
    improvement.refresh_from_db()
    assert improvement.status == ImprovementStatus.PLANNED
    assert not OutboxMessage.objects.filter(kind="improvement_done").exists()


def test_the_owner_must_be_a_member(world):
    with pytest.raises(ValidationError):
        services.improvement_create(organization=world.org, title="Queue", owner=world.stranger)
