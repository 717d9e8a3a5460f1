from django_tasks import task

from otklik.messaging.services import outbox_deliver


@task()
def deliver_message(message_id: int) -> bool:
    """Deliver one outbox message; safe to run twice (the claim is atomic)."""
    return outbox_deliver(message_id=message_id)
