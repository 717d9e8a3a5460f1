from otklik.intake.answers import answers_process_pending
from otklik.surveys.models import Response
from otklik.surveys.tests.conftest import answer_url
from otklik.surveys.tests.texts import RU_COMPLAINT


def test_lang_in_the_query_marks_the_page_russian(client, world):
    html = client.get(answer_url(world.nps, world.checkout) + "?lang=ru").content.decode()
    assert '<html lang="ru">' in html
    assert '<input type="hidden" name="lang" value="ru">' in html


def test_the_browser_language_is_used_without_a_query(client, world):
    html = client.get(answer_url(world.nps, world.checkout), HTTP_ACCEPT_LANGUAGE="uk").content.decode()
    assert '<html lang="uk">' in html
    assert 'name="lang" value="uk"' in html


def test_the_query_wins_over_the_browser(client, world):
    html = client.get(answer_url(world.nps, world.checkout) + "?lang=en", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert '<html lang="en">' in html


def test_an_unknown_language_is_ignored(client, world):
    page = client.get(answer_url(world.nps, world.checkout) + "?lang=xx")
    assert page.status_code == 200
    assert '<html lang="en">' in page.content.decode()


def test_it_offers_links_to_the_other_languages(client, world):
    html = client.get(answer_url(world.nps, world.checkout) + "?lang=ru").content.decode()
    assert 'href="?lang=en"' in html and 'href="?lang=uk"' in html
    assert 'href="?lang=ru"' not in html


def test_it_stores_the_language_of_the_answer(client, world):
    page = client.post(answer_url(world.nps, world.checkout), {"score": "2", "comment": RU_COMPLAINT, "lang": "ru"})
    assert page.status_code == 303
    assert "?lang=ru&a=" in page["Location"]  # the thank-you page keeps the language, and knows the answer
    answers_process_pending()  # the worker opens the case
    response = Response.objects.get()
    assert response.language == "ru"
    assert response.case.language == "ru"


def test_the_thank_you_page_speaks_the_customers_language(client, world):
    page = client.post(answer_url(world.nps, world.checkout), {"score": "9", "lang": "uk"})
    assert '<html lang="uk">' in client.get(page["Location"]).content.decode()


def test_errors_keep_the_language(client, world):
    page = client.post(answer_url(world.nps, world.checkout), {"lang": "ru"})
    assert page.status_code == 400
    assert '<html lang="ru">' in page.content.decode()
