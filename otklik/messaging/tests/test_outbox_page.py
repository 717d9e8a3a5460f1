"""The outbox page: managers see their organization's messages, nobody else's."""

from django.urls import reverse

from otklik.messaging.models import OutboxMessage, OutboxStatus
from otklik.messaging.services import outbox_enqueue

OUTBOX = reverse("messaging:outbox")


def enqueue(organization, key, *, kind="case_report", recipient="c@example.org", body="Body text") -> OutboxMessage:
    return outbox_enqueue(
        organization=organization, key=key, recipient=recipient, subject=f"Subject {key}", body=body, kind=kind
    )


def listed(page) -> list[int]:
    return [message.pk for message in page.context["page"].object_list]


def test_it_lists_the_organizations_messages_newest_first(world, login):
    first = enqueue(world.org, "a")
    second = enqueue(world.org, "b", kind="case_alert")
    enqueue(world.other_org, "theirs")
    page = login(world.manager).get(OUTBOX)
    assert page.status_code == 200
    assert listed(page) == [second.pk, first.pk]
    assert "Subject a" in page.content.decode()


def test_it_filters_by_status_and_kind(world, login):
    sent = enqueue(world.org, "a")
    OutboxMessage.objects.filter(pk=sent.pk).update(status=OutboxStatus.SENT)
    alert = enqueue(world.org, "b", kind="case_alert")
    client = login(world.owner)
    assert listed(client.get(OUTBOX, {"status": "sent"})) == [sent.pk]
    assert listed(client.get(OUTBOX, {"kind": "case_alert"})) == [alert.pk]
    assert listed(client.get(OUTBOX, {"status": "pending", "kind": "case_report"})) == []


def test_it_paginates_and_keeps_the_filters(world, login):
    for n in range(51):
        enqueue(world.org, f"k{n}", kind="case_alert")
    page = login(world.manager).get(OUTBOX, {"kind": "case_alert"})
    assert len(listed(page)) == 50
    assert "?kind=case_alert&amp;page=2" in page.content.decode()


def test_it_shows_one_message_with_its_body(world, login):
    message = enqueue(world.org, "a", body="Here is what we did: a new coffee machine.")
    OutboxMessage.objects.filter(pk=message.pk).update(last_error="SMTPServerDisconnected: gone")
    page = login(world.manager).get(reverse("messaging:outbox_detail", args=[message.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Here is what we did: a new coffee machine." in html
    assert "SMTPServerDisconnected: gone" in html


def test_employees_and_viewers_get_403(world, login):
    message = enqueue(world.org, "a")
    for user in [world.employee, world.viewer]:
        client = login(user)
        assert client.get(OUTBOX).status_code == 403
        assert client.get(reverse("messaging:outbox_detail", args=[message.pk])).status_code == 403


def test_a_stranger_gets_404_on_another_organizations_message(world, login):
    message = enqueue(world.org, "a")
    client = login(world.stranger)
    assert client.get(reverse("messaging:outbox_detail", args=[message.pk])).status_code == 404
    assert listed(client.get(OUTBOX)) == []
