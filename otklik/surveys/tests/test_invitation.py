from django.urls import reverse

from otklik.cases.models import Case
from otklik.intake.answers import answers_process_pending
from otklik.surveys.models import Invitation, Response
from otklik.surveys.tests.texts import RU_COMPLAINT


def make_invitation(world, **fields) -> Invitation:
    defaults = {"customer_name": "Valentina", "customer_email": "valentina@example.org", "language": "ru"}
    return Invitation.objects.create(
        organization=world.org, survey=world.nps, touchpoint=world.checkout, **{**defaults, **fields}
    )


def url(invitation) -> str:
    return reverse("surveys:invitation", args=[invitation.token])


def test_it_shows_the_form_in_the_invitations_language(client, world):
    page = client.get(url(make_invitation(world)))
    assert page.status_code == 200
    html = page.content.decode()
    assert '<html lang="ru">' in html
    assert "Acme Coffee" in html
    # The customer's personal data never appears on the page, even on their own link.
    assert "valentina@example.org" not in html


def test_it_stores_the_answer_with_the_invited_customer(client, world):
    invitation = make_invitation(world)
    page = client.post(url(invitation), {"score": "2", "comment": RU_COMPLAINT, "lang": "ru"})
    assert page.status_code == 303
    answers_process_pending()  # the worker opens the case
    response = Response.objects.get()
    assert response.invitation == invitation
    assert (response.customer_name, response.customer_email, response.language) == (
        "Valentina",
        "valentina@example.org",
        "ru",
    )
    assert Case.objects.get().customer_email == "valentina@example.org"
    invitation.refresh_from_db()
    assert invitation.answered_at is not None


def test_it_accepts_one_answer_only(client, world):
    invitation = make_invitation(world, language="en")
    client.post(url(invitation), {"score": "9"})
    again = client.post(url(invitation), {"score": "1", "comment": "changed my mind"})
    assert "You have already answered, thank you" in again.content.decode()
    assert Response.objects.count() == 1
    assert Response.objects.get().score == 9


def test_opening_an_answered_invitation_says_thank_you(client, world):
    invitation = make_invitation(world, language="en")
    client.post(url(invitation), {"score": "9"})
    page = client.get(url(invitation))
    assert page.status_code == 200
    assert "You have already answered, thank you" in page.content.decode()
    assert 'name="score"' not in page.content.decode()


def test_bad_input_keeps_the_invitation_open(client, world):
    invitation = make_invitation(world)
    assert client.post(url(invitation), {"score": "42"}).status_code == 400
    invitation.refresh_from_db()
    assert invitation.answered_at is None
    assert client.post(url(invitation), {"score": "4"}).status_code == 303


def test_it_returns_404_for_an_unknown_token(client, world):
    assert client.get(reverse("surveys:invitation", args=["no-such-token"])).status_code == 404


def test_an_invitation_to_a_closed_survey_stores_nothing(client, world):
    invitation = make_invitation(world)
    world.nps.is_open = False
    world.nps.save()
    assert client.post(url(invitation), {"score": "3"}).status_code == 410
    assert not Response.objects.exists()
