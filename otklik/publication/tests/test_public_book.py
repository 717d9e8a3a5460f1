"""The public complaint book: no login, published entries only, never any personal data."""

from django.urls import reverse

from otklik.publication import services
from otklik.publication.models import BookEntry
from otklik.publication.tests import samples
from otklik.publication.tests.helpers import resolved_case

SECRETS = [
    "Ivan",
    "Petrov",
    "Иван",
    "Петров",
    "ivan.petrov@mail.ru",
    "+7 (999) 123-45-67",
    "8 999 123 45 67",
    "999",
    "4111 1111 1111 1111",
    "1111",
    "98765432",
    "Cathy",
    "Olga",
    "SuuperG",
    "914-329-0185",
]


def published(world, *, content: str, fix: str = "We opened a second till.", **case_fields) -> BookEntry:
    case = resolved_case(world, content=content, fix=fix, **case_fields)
    entry = services.book_entry_propose(case=case, by=world.manager)
    return services.book_entry_publish(entry=entry, by=world.manager)


def test_the_public_book_never_shows_personal_data(world, client):
    world.employee.first_name = "Olga"
    world.employee.save()
    published(
        world,
        content="Ivan Petrov here, card 4111 1111 1111 1111 charged twice, order #98765432. "
        "Call +7 (999) 123-45-67 or ivan.petrov@mail.ru",
        fix="Olga called Ивану Петрову back on 8 999 123 45 67 and refunded the second charge.",
        customer_name="Ivan Petrov",
        customer_email="ivan.petrov@mail.ru",
        customer_phone="+7 (999) 123-45-67",
    )
    for tweet_id in ("570304740279640064", "568604690767872000", "568630879246901248"):
        published(world, content=samples.WITH_PERSONAL_DATA[tweet_id][0])
    response = client.get(reverse("publication:book", args=["acme"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="entry"') == 4
    for secret in SECRETS:
        assert secret not in html, secret
    assert "[phone]" in html and "[e-mail]" in html and "[card]" in html and "[name]" in html


def test_it_shows_the_complaint_and_the_answer_side_by_side_newest_first(world, client):
    first = published(world, content="Slow queue")
    second = published(world, content="Cold coffee", fix="We replaced the coffee machine.")
    html = client.get(reverse("publication:book", args=["acme"])).content.decode()
    assert html.index(f'id="entry-{second.pk}"') < html.index(f'id="entry-{first.pk}"')
    assert "You told us" in html and "Who took it and what was done" in html
    assert "Staff member, Main Street" in html and "We replaced the coffee machine." in html


def test_drafts_and_rejected_entries_never_appear(world, client):
    draft = services.book_entry_propose(case=resolved_case(world, content="Draft text"), by=world.manager)
    rejected = services.book_entry_propose(case=resolved_case(world, content="Rejected text"), by=world.manager)
    services.book_entry_reject(entry=rejected, by=world.manager)
    withdrawn = published(world, content="Withdrawn text")
    services.book_entry_reject(entry=withdrawn, by=world.manager)
    html = client.get(reverse("publication:book", args=["acme"])).content.decode()
    assert "Draft text" not in html and "Rejected text" not in html and "Withdrawn text" not in html
    assert 'id="book-empty"' in html
    assert draft.status == BookEntry.Status.DRAFT


def test_each_organization_has_its_own_book(world, client):
    published(world, content="Acme complaint")
    html = client.get(reverse("publication:book", args=["rival"])).content.decode()
    assert "Acme complaint" not in html


def test_an_unknown_organization_is_404(world, client):
    assert client.get(reverse("publication:book", args=["nobody"])).status_code == 404
    assert client.get(reverse("publication:book_stories", args=["nobody"])).status_code == 404


def test_it_is_paginated(world, client):
    for n in range(21):
        published(world, content=f"Complaint number {n}")
    first_page = client.get(reverse("publication:book", args=["acme"])).content.decode()
    assert first_page.count('class="entry"') == 20 and 'id="older"' in first_page
    second_page = client.get(reverse("publication:book", args=["acme"]) + "?page=2").content.decode()
    assert second_page.count('class="entry"') == 1 and "Complaint number 0" in second_page


def test_it_speaks_the_organizations_language_unless_asked(world, client):
    world.org.default_language = "ru"
    world.org.save()
    html = client.get(reverse("publication:book", args=["acme"])).content.decode()
    assert '<html lang="ru">' in html
    html = client.get(reverse("publication:book", args=["acme"]) + "?lang=uk").content.decode()
    assert '<html lang="uk">' in html


def test_it_needs_no_javascript(world, client):
    published(world, content="Slow queue")
    html = client.get(reverse("publication:book", args=["acme"])).content.decode()
    assert "<script" not in html
