"""Message templates: see the effective text, edit it safely, reset it to the default."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from otklik.messaging.defaults import DEFAULTS
from otklik.messaging.models import MessageTemplate
from otklik.messaging.services import render_customer_message, template_save, template_validate

TEMPLATES = reverse("messaging:templates")


def edit_url(kind="case_report", language="en") -> str:
    return reverse("messaging:template_edit", args=[kind, language])


def test_it_lists_every_kind_and_language_with_the_defaults(world, login):
    page = login(world.manager).get(TEMPLATES)
    assert page.status_code == 200
    html = page.content.decode()
    for kind, by_language in DEFAULTS.items():
        for language in ["en", "ru", "uk"]:
            assert f'id="template-{kind}-{language}"' in html
            assert by_language[language][0].replace("{", "").split()[0] in html


def test_it_shows_the_organizations_edit_instead_of_the_default(world, login):
    template_save(
        organization=world.org, kind="case_report", language="ru", subject="Спасибо", body="Текст {case_number}"
    )
    html = login(world.manager).get(TEMPLATES).content.decode()
    assert "Текст {case_number}" in html
    assert "Edited" in html


def test_the_edit_page_lists_the_allowed_placeholders(world, login):
    page = login(world.manager).get(edit_url())
    assert page.status_code == 200
    html = page.content.decode()
    for name in ["{customer_name}", "{what_was_done}", "{case_number}"]:
        assert name in html
    assert DEFAULTS["case_report"]["en"][0] in html  # the form starts from the effective text


def test_it_saves_a_valid_template(world, login):
    answer = login(world.manager).post(
        edit_url(), {"subject": "News from {organization}", "body": "Dear {customer_name}, we fixed it."}
    )
    assert answer.status_code == 303
    saved = MessageTemplate.objects.get(organization=world.org, kind="case_report", language="en")
    assert saved.subject == "News from {organization}"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("Dear {customer}, thanks", "Unknown placeholder(s): {customer}"),
        ("Dear {customer_name, thanks", "broken braces"),
        ("Dear customer_name}, thanks", "broken braces"),
        ("Dear {customer_name.__class__}", "Unknown placeholder(s)"),
        ("Dear {customer_name!r}", "without “!” or “:”"),
        ("Dear {0}", "Unknown placeholder(s): {0}"),
    ],
)
def test_it_rejects_a_bad_template_and_saves_nothing(world, login, body, message):
    answer = login(world.manager).post(edit_url(), {"subject": "Hello", "body": body})
    assert answer.status_code == 400
    assert message in answer.content.decode()
    assert not MessageTemplate.objects.exists()


def test_it_rejects_a_bad_subject_too(world):
    with pytest.raises(ValidationError):
        template_validate(subject="Hi {nobody}", body="fine")


def test_literal_braces_are_allowed(world):
    template_save(organization=world.org, kind="case_report", language="en", subject="Hi", body="Use {{code}} here")
    _subject, body = render_customer_message(organization=world.org, kind="case_report", language="en", context={})
    assert body == "Use {code} here"


def test_reset_brings_back_the_default(world, login):
    template_save(organization=world.org, kind="case_report", language="en", subject="Mine", body="Mine")
    answer = login(world.owner).post(reverse("messaging:template_reset", args=["case_report", "en"]))
    assert answer.status_code == 303
    assert not MessageTemplate.objects.exists()
    subject, _body = render_customer_message(
        organization=world.org, kind="case_report", language="en", context={"organization": "Acme"}
    )
    assert subject == DEFAULTS["case_report"]["en"][0].format(organization="Acme")


def test_reset_leaves_other_organizations_alone(world, login):
    template_save(organization=world.other_org, kind="case_report", language="en", subject="Theirs", body="Theirs")
    login(world.manager).post(reverse("messaging:template_reset", args=["case_report", "en"]))
    assert MessageTemplate.objects.filter(organization=world.other_org).count() == 1


def test_an_unknown_kind_or_language_is_404(world, login):
    client = login(world.manager)
    assert client.get(edit_url(kind="spam")).status_code == 404
    assert client.get(edit_url(language="de")).status_code == 404
    assert client.post(reverse("messaging:template_reset", args=["spam", "en"])).status_code == 404


def test_employees_and_viewers_get_403(world, login):
    for user in [world.employee, world.viewer]:
        client = login(user)
        assert client.get(TEMPLATES).status_code == 403
        assert client.get(edit_url()).status_code == 403
        assert client.post(edit_url(), {"subject": "x", "body": "y"}).status_code == 403
    assert not MessageTemplate.objects.exists()


def test_a_strangers_edit_does_not_touch_this_organization(world, login):
    login(world.stranger).post(edit_url(), {"subject": "Rival", "body": "Rival {organization}"})
    assert not MessageTemplate.objects.filter(organization=world.org).exists()
    assert MessageTemplate.objects.filter(organization=world.other_org).count() == 1
