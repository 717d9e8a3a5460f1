"""Issue 17: the public complaint book is not a dead end: it links to the organization's public answer form."""

from otklik.accounts.models import TouchpointKind
from otklik.surveys.services import survey_set_open
from otklik.testing.factories import make_survey, make_touchpoint

BOOK = "/book/{slug}/"


def link(client, world, lang: str = "en") -> str | None:
    page = client.get(BOOK.format(slug=world.org.slug) + f"?lang={lang}")
    assert page.status_code == 200
    return page.context["complain_url"] or None


def test_the_book_links_to_the_default_survey_at_a_general_touchpoint(client, world):
    site = make_touchpoint(location=world.store, name="Website", kind=TouchpointKind.WEBSITE)
    csat = make_survey(organization=world.org, kind="csat")
    world.org.default_survey = csat
    world.org.save()
    url = link(client, world)
    assert url == f"/s/{csat.public_key}/{site.public_key}/"
    html = client.get(BOOK.format(slug=world.org.slug) + "?lang=ru").content.decode()
    assert f'href="{url}?lang=ru"' in html
    assert client.get(url).status_code == 200


def test_without_a_default_survey_the_open_nps_survey_is_used_and_an_employees_qr_never(client, world):
    own = make_touchpoint(location=world.store, name="Emma's QR", kind=TouchpointKind.EMPLOYEE)
    own.employee = world.employee
    own.save()
    desk = make_touchpoint(location=world.store, name="Desk", kind=TouchpointKind.OTHER)
    assert link(client, world) == f"/s/{world.nps.public_key}/{desk.public_key}/"


def test_no_general_touchpoint_or_no_open_survey_hides_the_link(client, world):
    assert link(client, world) is None  # only a checkout
    make_touchpoint(location=world.store, name="Website", kind=TouchpointKind.WEBSITE)
    survey_set_open(survey=world.nps, is_open=False)
    assert link(client, world) is None
    assert 'id="leave-complaint"' not in client.get(BOOK.format(slug=world.org.slug)).content.decode()


def test_another_organizations_survey_or_touchpoint_is_never_linked(client, world):
    make_touchpoint(location=world.stranger_store, name="Website", kind=TouchpointKind.WEBSITE)
    world.org.default_survey = world.stranger_nps
    world.org.save()
    assert link(client, world) is None  # their touchpoint is not ours
    ours = make_touchpoint(location=world.store, name="Website", kind=TouchpointKind.WEBSITE)
    assert link(client, world) == f"/s/{world.nps.public_key}/{ours.public_key}/"  # nor their survey
