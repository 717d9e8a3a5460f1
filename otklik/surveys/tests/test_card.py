from django.urls import reverse

from otklik.surveys.tests.conftest import answer_url


def card_url(survey, touchpoint, lang="") -> str:
    url = reverse("surveys:card", args=[survey.pk, touchpoint.pk])
    return url + (f"?lang={lang}" if lang else "")


def test_a_manager_gets_a_printable_a6_card(login, world, settings):
    settings.SITE_URL = "https://feedback.example.org"
    page = login(world.manager).get(card_url(world.nps, world.checkout))
    assert page.status_code == 200
    html = page.content.decode()
    assert "size: A6" in html
    assert "<svg" in html
    assert "How likely are you to recommend Acme Coffee to a friend or colleague?" in html
    assert "feedback.example.org" + answer_url(world.nps, world.checkout) in html
    assert "Main Street · Checkout" in html
    assert "Satisfied? Not satisfied? Tell us." in html


def test_the_card_speaks_the_chosen_language(login, world):
    html = login(world.owner).get(card_url(world.nps, world.checkout, lang="uk")).content.decode()
    assert '<html lang="uk">' in html


def test_an_employee_gets_403(login, world):
    assert login(world.employee).get(card_url(world.nps, world.checkout)).status_code == 403


def test_a_viewer_gets_403(login, world):
    assert login(world.viewer).get(card_url(world.nps, world.checkout)).status_code == 403


def test_a_stranger_gets_404(login, world):
    client = login(world.stranger)
    assert client.get(card_url(world.nps, world.stranger_checkout)).status_code == 404
    assert client.get(card_url(world.stranger_nps, world.checkout)).status_code == 404


def test_anonymous_users_are_sent_to_log_in(client, world):
    page = client.get(card_url(world.nps, world.checkout))
    assert page.status_code == 302
    assert "/login/" in page["Location"]
