from otklik.messaging.models import MessageTemplate, OutboxMessage
from otklik.rules.models import RuleRun
from otklik.rules.tests.helpers import default_rule
from otklik.rules.tests.samples import PRAISE_LEA, SERVICE
from otklik.surveys.models import Response
from otklik.testing.factories import make_response


def break_template(world, kind: str) -> None:
    # Written past template_save on purpose: as if it was stored before validation existed.
    MessageTemplate.objects.create(
        organization=world.org, kind=kind, language="en", subject="Thanks", body="Dear {customer_name, thanks"
    )


def test_a_rule_with_a_broken_template_is_logged_and_the_answer_is_saved(world, login):
    break_template(world, "praise_thank_you")
    response = make_response(
        survey=world.nps, touchpoint=world.checkout, score=10, comment=PRAISE_LEA, customer_email="c@example.org"
    )
    assert Response.objects.filter(pk=response.pk).exists()
    assert not OutboxMessage.objects.filter(kind="praise_thank_you").exists()
    run = RuleRun.objects.get(rule=default_rule(organization=world.org, key="thanks_for_thanks"))
    assert not run.ok and run.response == response
    assert run.error.startswith("send_template: ValueError")

    page = login(world.manager).get("/rules/").content.decode()
    assert 'class="failure"' in page and "send_template: ValueError" in page


def test_a_broken_thank_you_fails_the_case_rule_but_keeps_the_answer(world):
    break_template(world, "case_thank_you")
    response = make_response(
        survey=world.nps, touchpoint=world.checkout, score=1, comment=SERVICE, customer_email="c@example.org"
    )
    response.refresh_from_db()
    assert not hasattr(response, "case") or response.case is None
    run = RuleRun.objects.get(rule__key="detractors")
    assert not run.ok and "open_case" in run.error


def test_failures_of_one_organization_are_not_shown_to_another(world, login):
    break_template(world, "praise_thank_you")
    make_response(
        survey=world.nps, touchpoint=world.checkout, score=10, comment=PRAISE_LEA, customer_email="c@example.org"
    )
    page = login(world.stranger).get("/rules/").content.decode()
    assert "send_template: ValueError" not in page
