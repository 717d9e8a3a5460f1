"""Every customer sees the right next step after answering; a contact is kept only with consent."""

from urllib.parse import urlsplit

from django.urls import reverse

from otklik.sla.services import sla_policies_save
from otklik.surveys.models import Response
from otklik.surveys.services import CONTACT_CONSENT_VERSION
from otklik.surveys.tests.texts import EN_COMPLAINT, RU_COMPLAINT


def answer(client, world, **fields):
    url = reverse("surveys:answer", args=[world.nps.public_key, world.checkout.public_key])
    return client.post(url, fields)


def thank_you_page(client, posted) -> str:
    assert posted.status_code == 303, posted.content.decode()[:500]
    return client.get(posted["Location"]).content.decode()


def test_a_detractor_learns_who_will_contact_them_and_by_when(client, world):
    world.org.time_zone = "Europe/Moscow"
    world.org.save()
    world.employee.first_name = "Emma"
    world.employee.save()
    sla_policies_save(
        organization=world.org, hours={"low": (48, 96), "medium": (2, 48), "high": (2, 24), "critical": (1, 8)}
    )
    posted = answer(
        client, world, score="2", comment=RU_COMPLAINT, email="c@example.org", contact_consent="1", lang="ru"
    )
    html = thank_you_page(client, posted)
    case = Response.objects.get().case
    assert 'data-band="detractor"' in html
    assert f"№{case.pk}" in html
    assert "Emma, ответственный за «Main Street», свяжется с вами до" in html
    assert "Europe/Moscow" in html


def test_a_detractor_without_a_contact_is_told_so(client, world):
    html = thank_you_page(client, answer(client, world, score="1", comment=EN_COMPLAINT))
    assert "You left no contact" in html


def test_a_promoter_is_invited_to_review_in_public_and_the_click_is_counted(client, world):
    world.store.review_url_yandex = "https://yandex.ru/maps/org/123/reviews/"
    world.store.review_url_2gis = "https://2gis.ru/firm/456/tab/reviews"
    world.store.save()
    html = thank_you_page(client, answer(client, world, score="10"))
    assert 'data-band="promoter"' in html and 'id="review-yandex"' in html and 'id="review-2gis"' in html
    link = html.split('id="review-yandex" href="', 1)[1].split('"', 1)[0]
    followed = client.get(urlsplit(link).path)
    assert followed.status_code == 302 and followed["Location"] == "https://yandex.ru/maps/org/123/reviews/"
    response = Response.objects.get()
    assert response.review_site == "yandex" and response.review_clicked_at is not None


def test_a_promoter_without_review_pages_is_simply_thanked(client, world):
    html = thank_you_page(client, answer(client, world, score="9"))
    assert 'data-band="promoter"' in html and "review-" not in html


def test_a_passive_without_a_comment_is_asked_what_would_make_it_a_10(client, world):
    posted = answer(client, world, score="8")
    html = thank_you_page(client, posted)
    assert "What would make it a 10?" in html
    stored = client.post(posted["Location"], {"followup": EN_COMPLAINT})
    assert 'id="followup-thanks"' in stored.content.decode()
    assert Response.objects.get().comment == EN_COMPLAINT


def test_a_passive_who_commented_is_not_asked_again(client, world):
    html = thank_you_page(client, answer(client, world, score="7", comment=EN_COMPLAINT))
    assert "What would make it" not in html


def test_a_forged_thank_you_link_shows_the_plain_thanks_and_changes_nothing(client, world):
    url = reverse("surveys:thanks", args=[world.nps.public_key, world.checkout.public_key])
    page = client.post(url + "?a=forged", {"followup": "x"})
    assert page.status_code == 200 and "reads every answer" in page.content.decode()
    assert client.get(reverse("surveys:review", args=["forged", "yandex"])).status_code == 404


def test_leaving_a_contact_asks_for_consent_with_its_purpose(client, world):
    url = reverse("surveys:answer", args=[world.nps.public_key, world.checkout.public_key])
    assert "uses them only to reply to me about this feedback" in client.get(url).content.decode()
    refused = answer(client, world, score="3", comment=EN_COMPLAINT, email="c@example.org")
    assert refused.status_code == 400 and "Tick the box" in refused.content.decode()
    assert not Response.objects.exists()


def test_the_consent_is_stored_with_its_time_and_text_version(client, world):
    answer(client, world, score="3", comment=EN_COMPLAINT, email="c@example.org", contact_consent="1")
    response = Response.objects.get()
    assert response.contact_consent_at is not None
    assert response.contact_consent_version == CONTACT_CONSENT_VERSION


def test_an_answer_without_a_contact_needs_no_consent(client, world):
    assert answer(client, world, score="3", comment=EN_COMPLAINT).status_code == 303
    assert Response.objects.get().contact_consent_at is None
