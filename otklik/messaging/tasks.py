from django_tasks import task

from otklik.messaging.services import outbox_deliver, outbox_deliver_many


@task()
def deliver_message(message_id: int) -> bool:
    """Deliver one outbox message; safe to run twice (the claim is atomic). Tasks queued by earlier versions."""
    return outbox_deliver(message_id=message_id)


@task()
def deliver_messages(message_ids: list[int]) -> int:
    """Deliver outbox messages queued together; safe to run twice (each claim is atomic). Returns how many were sent."""
    return outbox_deliver_many(message_ids=message_ids)
