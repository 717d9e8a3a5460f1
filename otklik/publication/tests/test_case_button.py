"""The "Propose for the complaint book" button on the case page, and the entry's status there."""

from django.urls import reverse

from otklik.publication import services
from otklik.publication.models import BookEntry
from otklik.publication.tests.helpers import open_case, resolved_case


def test_a_resolved_case_shows_the_propose_button(world, login):
    case = resolved_case(world, content="Slow queue")
    html = login(world.employee).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'id="form-propose"' in html
    assert reverse("publication:propose", args=[case.pk]) in html


def test_an_open_case_says_it_can_be_proposed_later(world, login):
    case = open_case(world)
    html = login(world.manager).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'id="form-propose"' not in html and 'id="book-entry-later"' in html


def test_a_viewer_sees_no_button(world, login):
    case = resolved_case(world, content="Slow queue")
    html = login(world.viewer).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'id="form-propose"' not in html


def test_the_button_proposes_and_the_page_shows_the_status(world, login):
    case = resolved_case(world, content="Slow queue")
    client = login(world.employee)
    response = client.post(reverse("publication:propose", args=[case.pk]))
    assert response.status_code == 303 and response["Location"] == reverse("cases:detail", args=[case.pk])
    entry = BookEntry.objects.get(case=case)
    assert entry.status == BookEntry.Status.DRAFT
    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'id="book-entry-status"' in html and "Waiting for moderation" in html
    assert 'id="form-propose"' not in html


def test_proposing_an_open_case_shows_why_not(world, login):
    case = open_case(world)
    response = login(world.manager).post(reverse("publication:propose", args=[case.pk]), follow=True)
    assert "Only a resolved case" in response.content.decode()
    assert not BookEntry.objects.exists()


def test_a_stranger_gets_404_and_a_viewer_403(world, login):
    case = resolved_case(world, content="Slow queue")
    assert login(world.stranger).post(reverse("publication:propose", args=[case.pk])).status_code == 404
    assert login(world.viewer).post(reverse("publication:propose", args=[case.pk])).status_code == 403
    assert not BookEntry.objects.exists()


def test_a_published_entry_links_to_the_public_book(world, login):
    case = resolved_case(world, content="Slow queue")
    entry = services.book_entry_propose(case=case, by=world.manager)
    services.book_entry_publish(entry=entry, by=world.manager)
    html = login(world.employee).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert reverse("publication:book", args=["acme"]) in html
