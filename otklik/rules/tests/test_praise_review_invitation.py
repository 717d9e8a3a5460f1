"""A promoter's thank-you message invites them to review the location in public, through a counted link."""

from otklik.messaging.models import OutboxMessage
from otklik.rules.tests.samples import PRAISE_LEA
from otklik.testing.factories import make_response


def test_the_thanks_for_thanks_carries_the_locations_review_link(world, client):
    world.store.review_url_2gis = "https://2gis.ru/firm/456/tab/reviews"
    world.store.save()
    response = make_response(
        survey=world.nps, touchpoint=world.checkout, score=10, comment=PRAISE_LEA, customer_email="c@example.org"
    )
    body = OutboxMessage.objects.get(kind="praise_thank_you").body
    assert "Would you say the same in public?" in body
    link = body.split("find us: ", 1)[1].split()[0]
    assert "/r/" in link and link.endswith("/2gis/")
    followed = client.get("/r/" + link.split("/r/", 1)[1])
    assert followed["Location"] == "https://2gis.ru/firm/456/tab/reviews"
    response.refresh_from_db()
    assert response.review_site == "2gis"


def test_without_review_pages_the_message_has_no_invitation(world):
    make_response(
        survey=world.nps, touchpoint=world.checkout, score=10, comment=PRAISE_LEA, customer_email="c@example.org"
    )
    assert "in public" not in OutboxMessage.objects.get(kind="praise_thank_you").body
