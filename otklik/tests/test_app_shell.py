"""The staff shell: navigation grouped by job, the report named as a report, one clock, my complaints first."""

from datetime import UTC, datetime, timedelta

from django.conf import settings

from otklik.accounts.models import Membership
from otklik.cases.models import Case
from otklik.cases.services import case_thank
from otklik.cases.tests.samples import GATE, SEAT
from otklik.testing.factories import make_response


def page(client, user, path: str, language: str = "en") -> str:
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(path).content.decode()


def test_the_menu_groups_pages_by_job(client, world):
    html = page(client, world.manager, "/")
    for group in ("menu-feedback", "menu-complaints", "menu-customers", "menu-insights", "menu-settings"):
        assert f'id="{group}"' in html
    assert 'id="menu-toggle"' in html and 'for="menu-toggle"' in html  # folds on a phone without JavaScript


def test_the_executive_report_is_called_a_report_not_step_5(client, world):
    ru = page(client, world.manager, "/", "ru")
    uk = page(client, world.manager, "/", "uk")
    assert '<a href="/report/">Отчёт</a>' in ru and '<a href="/report/">Звіт</a>' in uk
    assert '<a href="/report/">Сообщить клиенту</a>' not in ru


def test_a_member_reads_the_pages_in_their_own_language(client, world):
    Membership.objects.filter(user=world.employee).update(language="uk")
    client.force_login(world.employee)
    assert '<html lang="uk">' in client.get("/cases/").content.decode()


def test_every_time_is_in_the_organizations_zone_and_says_so(client, world):
    world.org.time_zone = "Asia/Vladivostok"  # UTC+10
    world.org.save()
    case = make_response(survey=world.nps, touchpoint=world.checkout, score=1, comment=SEAT).case
    Case.objects.filter(pk=case.pk).update(created_at=datetime(2030, 3, 4, 3, 15, tzinfo=UTC))
    html = page(client, world.manager, f"/cases/{case.pk}/")
    assert "Asia/Vladivostok" in html
    assert "1:15" in html and "3:15" not in html.split('id="case-fields"')[1].split("</section>")[0]


def test_an_employees_home_lists_their_open_complaints_most_urgent_first(client, world):
    late = make_response(survey=world.nps, touchpoint=world.checkout, score=1, comment=GATE).case
    fresh = make_response(survey=world.nps, touchpoint=world.checkout, score=2, comment=SEAT).case
    Case.objects.filter(pk=late.pk).update(created_at=late.created_at - timedelta(hours=30))
    answered = make_response(survey=world.nps, touchpoint=world.checkout, score=3, comment=SEAT).case
    case_thank(case=answered, by=world.employee, via="phone")  # next deadline: resolution, days away
    html = page(client, world.employee, "/")
    mine = html.split('id="my-open-cases"')[1].split("</section>")[0]
    order = [mine.index(f'id="my-case-{case.pk}"') for case in (late, fresh, answered)]
    assert order == sorted(order)
    assert "overdue by" in mine and "left" in mine


def test_a_reason_stored_in_english_reads_in_the_viewers_language(client, world):
    from otklik.outreach.models import ScheduledInvitation
    from otklik.outreach.tests.helpers import make_customer, make_product, make_purchase

    customer = make_customer(organization=world.org)
    make_purchase(customer=customer, product=make_product(organization=world.org), location=world.store)
    ScheduledInvitation.objects.update(reason="Postponed: quiet hours.")  # an English-speaking organization's
    html = page(client, world.manager, "/outreach/", "ru")
    assert "Postponed: quiet hours." not in html
