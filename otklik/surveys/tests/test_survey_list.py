from django.urls import reverse

from otklik.cases.models import CaseRule
from otklik.surveys.models import Survey
from otklik.surveys.tests.conftest import answer_url

LIST = reverse("surveys:list")


def test_a_manager_sees_surveys_with_links_qr_codes_and_cards(login, world, settings):
    settings.SITE_URL = "https://feedback.example.org"
    page = login(world.manager).get(LIST)
    assert page.status_code == 200
    html = page.content.decode()
    assert world.nps.name in html
    assert "https://feedback.example.org" + answer_url(world.nps, world.checkout) in html
    assert reverse("surveys:qr_svg", args=[world.nps.public_key, world.other_checkout.public_key]) in html
    assert reverse("surveys:qr_png", args=[world.nps.public_key, world.checkout.public_key]) in html
    assert reverse("surveys:card", args=[world.nps.pk, world.checkout.pk]) in html


def test_it_shows_nothing_of_another_organization(login, world):
    html = login(world.manager).get(LIST).content.decode()
    assert world.stranger_nps.public_key not in html
    assert world.stranger_checkout.public_key not in html
    assert "Rival Store" not in html


def test_employees_and_viewers_get_403(login, world):
    assert login(world.employee).get(LIST).status_code == 403
    assert login(world.viewer).get(LIST).status_code == 403


def test_it_creates_a_survey_from_a_template(login, world):
    page = login(world.owner).post(reverse("surveys:create"), {"kind": "csat", "name": "After delivery"})
    assert page.status_code == 302
    survey = Survey.objects.get(organization=world.org, name="After delivery")
    assert survey.kind == "csat"
    assert (survey.case_rule.comparison, survey.case_rule.threshold) == ("lte", 2)


def test_a_survey_without_a_name_takes_its_templates_name(login, world):
    login(world.manager).post(reverse("surveys:create"), {"kind": "ces", "name": ""})
    assert Survey.objects.filter(organization=world.org, kind="ces", name="CES").exists()


def test_it_rejects_an_unknown_template(login, world):
    page = login(world.manager).post(reverse("surveys:create"), {"kind": "bogus"})
    assert page.status_code == 400
    assert Survey.objects.filter(organization=world.org).count() == 1


def test_an_employee_cannot_create_a_survey(login, world):
    assert login(world.employee).post(reverse("surveys:create"), {"kind": "nps"}).status_code == 403
    assert Survey.objects.filter(organization=world.org).count() == 1


def test_it_closes_and_reopens_a_survey(login, world):
    client = login(world.manager)
    url = reverse("surveys:toggle", args=[world.nps.pk])
    client.post(url, {"open": "0"})
    world.nps.refresh_from_db()
    assert not world.nps.is_open
    assert client.get(answer_url(world.nps, world.checkout)).status_code == 410
    client.post(url, {"open": "1"})
    world.nps.refresh_from_db()
    assert world.nps.is_open


def test_toggle_needs_a_post(login, world):
    assert login(world.manager).get(reverse("surveys:toggle", args=[world.nps.pk])).status_code == 405


def test_a_stranger_cannot_close_a_survey(login, world):
    page = login(world.stranger).post(reverse("surveys:toggle", args=[world.nps.pk]), {"open": "0"})
    assert page.status_code == 404
    world.nps.refresh_from_db()
    assert world.nps.is_open


def test_it_saves_the_case_rule(login, world):
    page = login(world.manager).post(
        reverse("surveys:rule", args=[world.nps.pk]), {"comparison": "lte", "threshold": "8", "enabled": "on"}
    )
    assert page.status_code == 302
    rule = CaseRule.objects.get(survey=world.nps)
    assert (rule.comparison, rule.threshold, rule.enabled) == ("lte", 8, True)


def test_it_rejects_a_threshold_off_the_scale(login, world):
    page = login(world.manager).post(
        reverse("surveys:rule", args=[world.nps.pk]), {"comparison": "lte", "threshold": "11", "enabled": "on"}
    )
    assert page.status_code == 400
    assert "The threshold must be between 0 and 10." in page.content.decode()
    assert CaseRule.objects.get(survey=world.nps).threshold == 6


def test_a_stranger_cannot_change_the_case_rule(login, world):
    page = login(world.stranger).post(
        reverse("surveys:rule", args=[world.nps.pk]), {"comparison": "gte", "threshold": "0"}
    )
    assert page.status_code == 404
    assert CaseRule.objects.get(survey=world.nps).threshold == 6
