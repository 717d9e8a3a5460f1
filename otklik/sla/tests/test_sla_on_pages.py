"""The SLA figures on the dashboard, the case page and the case list."""

from datetime import timedelta

from django.utils import timezone

from otklik.sla.services import sla_escalate_due
from otklik.sla.tests.helpers import open_case


def test_the_dashboard_shows_unanswered_complaints_and_the_share_in_time(world, login):
    open_case(world, created_at=timezone.now() - timedelta(hours=30))
    open_case(world, created_at=timezone.now() - timedelta(hours=1))
    page = login(world.manager).get("/")
    html = page.content.decode()
    assert 'id="sla-summary"' in html
    assert page.context["summary"].unanswered == 2
    assert page.context["summary"].breaches_open == 1


def test_the_case_page_shows_deadlines_an_overdue_badge_and_escalations(world, login):
    case = open_case(world, created_at=timezone.now() - timedelta(hours=30))
    sla_escalate_due(now=timezone.now())
    html = login(world.employee).get(f"/cases/{case.pk}/").content.decode()
    assert 'id="case-sla"' in html
    assert "Overdue" in html
    assert 'id="sla-escalations"' in html


def test_the_case_list_marks_overdue_cases(world, login):
    overdue = open_case(world, created_at=timezone.now() - timedelta(hours=30))
    fresh = open_case(world, created_at=timezone.now() - timedelta(hours=1))
    html = login(world.manager).get("/cases/").content.decode()
    row = lambda case: html.split(f'id="case-{case.pk}"')[1].split("</tr>")[0]  # noqa: E731
    assert "Overdue" in row(overdue)
    assert "Overdue" not in row(fresh)


def test_the_dashboard_narrowed_to_a_location_counts_only_its_complaints(world, login):
    from otklik.cases.models import Case
    from otklik.cases.tests.samples import GATE

    open_case(world, created_at=timezone.now() - timedelta(hours=1))
    Case.objects.create(organization=world.org, location=world.other_store, content=GATE, created_at=timezone.now())
    client = login(world.manager)
    assert client.get("/").context["summary"].unanswered == 2
    assert client.get("/", {"location": world.other_store.pk}).context["summary"].unanswered == 1


def test_the_case_list_shows_the_sla_figures_of_its_location_filter(world, login):
    from otklik.cases.models import Case
    from otklik.cases.tests.samples import GATE

    open_case(world, created_at=timezone.now() - timedelta(hours=30))
    Case.objects.create(organization=world.org, location=world.other_store, content=GATE, created_at=timezone.now())
    client = login(world.manager)
    page = client.get("/cases/")
    assert 'id="sla-summary"' in page.content.decode()
    assert (page.context["summary"].unanswered, page.context["summary"].breaches_open) == (2, 1)
    narrowed = client.get("/cases/", {"location": world.other_store.pk}).context["summary"]
    assert (narrowed.unanswered, narrowed.breaches_open) == (1, 0)
