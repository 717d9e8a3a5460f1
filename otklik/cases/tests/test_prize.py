"""A prize for a useful complaint (C8): granted once by a manager, sent to the customer once."""

import pytest
from django.urls import reverse

from otklik.cases import services
from otklik.cases.tests import samples
from otklik.messaging.models import OutboxMessage
from otklik.testing.factories import make_response


def open_case(world, email="c@example.org"):
    return make_response(
        survey=world.nps, touchpoint=world.checkout, score=1, comment=samples.GATE, customer_email=email
    ).case


def test_a_manager_grants_a_prize_and_the_customer_is_told_once(world, login):
    case = open_case(world)
    client = login(world.manager)
    answer = client.post(reverse("cases:prize", args=[case.pk]), {"prize": "A free upgrade on your next flight"})
    assert answer.status_code == 303
    case.refresh_from_db()
    assert (case.prize, case.prize_granted_by) == ("A free upgrade on your next flight", world.manager)
    message = OutboxMessage.objects.get(kind="complaint_prize")
    assert message.key == f"case:{case.pk}:complaint_prize"
    assert "A free upgrade on your next flight" in message.body and f"#{case.pk}" in message.body

    again = client.post(reverse("cases:prize", args=[case.pk]), {"prize": "Another prize"})
    assert again.status_code == 400
    assert "already granted" in again.content.decode()
    assert OutboxMessage.objects.filter(kind="complaint_prize").count() == 1
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'id="case-prize"' in page and 'id="form-prize"' not in page


def test_the_service_refuses_a_second_prize(world):
    case = open_case(world)
    services.case_grant_prize(case=case, by=world.owner, prize="Two cinema tickets")
    with pytest.raises(services.CaseStepError):
        services.case_grant_prize(case=case, by=world.manager, prize="More")


def test_a_prize_without_an_email_is_granted_and_sends_nothing(world):
    case = services.case_grant_prize(case=open_case(world, email=""), by=world.manager, prize="A voucher")
    assert case.prize == "A voucher"
    assert not OutboxMessage.objects.filter(kind="complaint_prize").exists()


def test_an_employee_cannot_grant_a_prize(world, login):
    case = open_case(world)
    assert 'id="form-prize"' not in login(world.employee).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert login(world.employee).post(reverse("cases:prize", args=[case.pk]), {"prize": "x"}).status_code == 403
    with pytest.raises(services.CaseStepError):
        services.case_grant_prize(case=case, by=world.employee, prize="x")


def test_a_stranger_gets_404(world, login):
    case = open_case(world)
    assert login(world.stranger).post(reverse("cases:prize", args=[case.pk]), {"prize": "x"}).status_code == 404
    case.refresh_from_db()
    assert case.prize == ""
