"""Two dispatchers racing on PostgreSQL: each invitation is claimed once, and one customer is asked once."""

import threading
from datetime import timedelta

import pytest
from django.db import connection

from otklik.messaging.models import OutboxMessage
from otklik.outreach.dispatch import invitations_dispatch_due
from otklik.outreach.models import ScheduledInvitation, ScheduledStatus
from otklik.outreach.tests.helpers import make_customer, make_product, make_purchase
from otklik.outreach.tests.test_dispatch import NOON_UTC
from otklik.surveys.models import Invitation

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's; SQLite has one writer"),
]


def race(workers: int) -> list[dict]:
    barrier, results = threading.Barrier(workers), []

    def dispatch():
        try:
            barrier.wait()
            results.append(invitations_dispatch_due(now=NOON_UTC))
        finally:
            connection.close()

    threads = [threading.Thread(target=dispatch) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_two_dispatchers_send_each_invitation_once(world):
    kettle = make_product(organization=world.org, delay=1)
    for _ in range(40):
        make_purchase(customer=make_customer(organization=world.org), product=kettle, at=NOON_UTC - timedelta(days=1))
    # Five customers with two purchases each: the frequency cap must hold across workers too.
    for _ in range(5):
        customer = make_customer(organization=world.org)
        for _ in range(2):
            make_purchase(customer=customer, product=kettle, at=NOON_UTC - timedelta(days=1))

    results = race(2)

    assert sum(result.get("sent", 0) for result in results) == 45
    assert sum(result.get("suppressed", 0) for result in results) == 5
    assert ScheduledInvitation.objects.filter(status=ScheduledStatus.SENT).count() == 45
    assert OutboxMessage.objects.count() == Invitation.objects.count() == 45
    assert len(set(OutboxMessage.objects.values_list("recipient", flat=True))) == 45
