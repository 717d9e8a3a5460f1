"""Improvement pages: members read, managers and owners edit, strangers get 404."""

import datetime

import pytest
from django.urls import reverse

from otklik.improvements import services
from otklik.improvements.models import Improvement, ImprovementStatus
from otklik.improvements.tests.helpers import LUGGAGE, SEAT, TRANSFERS_RU, WIFI, WIFI_PAY, open_case
from otklik.messaging.models import OutboxMessage


@pytest.fixture
def improvement(world):
    return services.improvement_create(
        organization=world.org, title="Free wifi on board", owner=world.manager, due_date=datetime.date(2020, 1, 1)
    )


@pytest.fixture
def stranger_improvement(world):
    return services.improvement_create(organization=world.other_org, title="Rival fix", owner=world.stranger)


def url(name: str, *args) -> str:
    return reverse(f"improvements:{name}", args=args)


def test_the_list_shows_status_owner_due_date_cases_and_overdue(world, login, improvement):
    services.improvement_link_cases(
        improvement=improvement, cases=[open_case(world, comment=WIFI), open_case(world, comment=WIFI_PAY)]
    )
    page = login(world.employee).get(url("list"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Free wifi on board" in html and "max" in html
    assert '<td class="case-count">2</td>' in html
    assert "Overdue" in html
    assert 'id="new-improvement"' not in html  # employees read only


def test_the_list_hides_other_organizations_improvements(world, login, stranger_improvement):
    assert "Rival fix" not in login(world.manager).get(url("list")).content.decode()


def test_a_manager_creates_and_edits_an_improvement(world, login):
    client = login(world.manager)
    answer = client.post(
        url("create"),
        {"title": "Weekend transfers", "description": "", "owner": world.owner.pk, "due_date": "", "status": "planned"},
    )
    improvement = Improvement.objects.get(title="Weekend transfers")
    assert answer.status_code == 303 and answer["Location"] == url("detail", improvement.pk)
    assert improvement.organization == world.org and improvement.owner == world.owner

    answer = client.post(
        url("edit", improvement.pk),
        {"title": "Weekend transfers by robot", "owner": "", "due_date": "2030-01-31", "status": "in_progress"},
    )
    assert answer.status_code == 303
    improvement.refresh_from_db()
    assert improvement.title == "Weekend transfers by robot" and improvement.owner is None
    assert improvement.status == ImprovementStatus.IN_PROGRESS and improvement.due_date == datetime.date(2030, 1, 31)


def test_it_refuses_an_owner_from_another_organization(world, login):
    answer = login(world.manager).post(url("create"), {"title": "X", "owner": world.stranger.pk, "status": "planned"})
    assert answer.status_code == 400
    assert not Improvement.objects.exists()


@pytest.mark.parametrize("role", ["employee", "viewer"])
def test_employees_and_viewers_cannot_edit(world, login, improvement, role):
    client = login(getattr(world, role))
    assert client.get(url("detail", improvement.pk)).status_code == 200
    assert client.get(url("create")).status_code == 403
    assert client.get(url("edit", improvement.pk)).status_code == 403
    assert client.post(url("complete", improvement.pk), {"what_changed": "x"}).status_code == 403
    assert client.post(url("link", improvement.pk), {"numbers": "1"}).status_code == 403
    improvement.refresh_from_db()
    assert improvement.status == ImprovementStatus.PLANNED


def test_a_stranger_gets_404_on_every_improvement_page(world, login, improvement):
    case = open_case(world, comment=WIFI)
    services.improvement_link_cases(improvement=improvement, cases=[case])
    client = login(world.stranger)
    for name, args in [
        ("detail", [improvement.pk]),
        ("edit", [improvement.pk]),
        ("link", [improvement.pk]),
        ("complete", [improvement.pk]),
        ("unlink", [improvement.pk, case.pk]),
    ]:
        assert client.get(url(name, *args)).status_code == 404, name
        assert client.post(url(name, *args), {"what_changed": "x", "numbers": str(case.pk)}).status_code == 404, name
    assert client.post(url("case_contact", case.pk), {"way": "phone", "outcome": "reached"}).status_code == 404
    assert client.post(url("case_link", case.pk), {"improvement": improvement.pk}).status_code == 404
    improvement.refresh_from_db()
    assert improvement.status == ImprovementStatus.PLANNED and improvement.links.count() == 1


def test_a_manager_links_cases_by_number_and_from_the_list(world, login, improvement):
    first, second, third = (open_case(world, comment=text) for text in [WIFI, WIFI_PAY, SEAT])
    client = login(world.manager)
    answer = client.post(url("link", improvement.pk), {"numbers": f"#{first.pk}, {second.pk}"})
    assert answer.status_code == 303
    assert set(improvement.cases.all()) == {first, second}

    page = client.get(url("detail", improvement.pk)).content.decode()
    assert f'value="{third.pk}"' in page  # offered: same location as the linked ones
    client.post(url("link", improvement.pk), {"cases": [third.pk]})
    assert set(improvement.cases.all()) == {first, second, third}


def test_it_refuses_to_link_another_organizations_case_by_number(world, login, improvement):
    foreign = open_case(world, comment=LUGGAGE, survey=world.stranger_nps, touchpoint=world.stranger_checkout)
    answer = login(world.manager).post(url("link", improvement.pk), {"numbers": str(foreign.pk)})
    assert answer.status_code == 400
    assert f"#{foreign.pk}" in answer.content.decode()
    assert improvement.links.count() == 0


def test_the_confirmation_says_how_many_customers_will_be_told(world, login, improvement):
    cases = [
        open_case(world, comment=WIFI, email="a@example.org"),
        open_case(world, comment=TRANSFERS_RU, language="ru", email="b@example.org"),
        open_case(world, comment=SEAT, email=""),
    ]
    services.improvement_link_cases(improvement=improvement, cases=cases)
    client = login(world.manager)
    page = client.get(url("complete", improvement.pk)).content.decode()
    assert "2 customers will be told" in page and "3 complaints are linked" in page

    answer = client.post(url("complete", improvement.pk), {"what_changed": "Wifi is free on every flight."})
    assert answer.status_code == 303
    assert OutboxMessage.objects.filter(kind="improvement_done").count() == 2
    # A double click or a second submit tells nobody again.
    client.post(url("complete", improvement.pk), {"what_changed": "Wifi is free on every flight."})
    assert OutboxMessage.objects.filter(kind="improvement_done").count() == 2
    detail = client.get(url("detail", improvement.pk)).content.decode()
    assert "Wifi is free on every flight." in detail and 'id="complete-link"' not in detail


def test_an_employee_sees_only_the_linked_cases_of_their_locations(world, login, improvement):
    own = open_case(world, comment=WIFI)
    elsewhere = open_case(world, comment=WIFI_PAY, touchpoint=world.other_checkout)
    services.improvement_link_cases(improvement=improvement, cases=[own, elsewhere])
    html = login(world.employee).get(url("detail", improvement.pk)).content.decode()
    assert f'id="linked-case-{own.pk}"' in html
    assert f'id="linked-case-{elsewhere.pk}"' not in html


def test_a_manager_links_a_case_from_the_case_page(world, login, improvement):
    case = open_case(world, comment=WIFI)
    client = login(world.manager)
    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'id="form-case-link"' in html and 'id="no-improvement"' in html
    answer = client.post(url("case_link", case.pk), {"improvement": improvement.pk})
    assert answer.status_code == 303
    assert list(improvement.cases.all()) == [case]
    assert "Free wifi on board" in client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert login(world.employee).post(url("case_link", case.pk), {"improvement": improvement.pk}).status_code == 403


def test_a_manager_unlinks_a_case(world, login, improvement):
    case = open_case(world, comment=WIFI)
    services.improvement_link_cases(improvement=improvement, cases=[case])
    assert login(world.manager).post(url("unlink", improvement.pk, case.pk)).status_code == 303
    assert improvement.links.count() == 0
