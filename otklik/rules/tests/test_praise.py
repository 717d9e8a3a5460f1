from django.core import mail

from otklik.accounts.models import Role
from otklik.intake.answers import answer_rules_run
from otklik.messaging.models import OutboxMessage
from otklik.messaging.services import outbox_deliver_due
from otklik.rules.models import RuleRun
from otklik.rules.tests.helpers import default_rule
from otklik.rules.tests.samples import PRAISE_AGENT, PRAISE_LEA, PRAISE_WINSTON
from otklik.testing.factories import make_response, make_survey, make_user


def test_praise_that_names_an_employee_reaches_that_employee(world):
    winston = make_user(organization=world.org, role=Role.EMPLOYEE, username="mwinston")
    winston.first_name, winston.last_name = "Mary", "Winston"
    winston.save()
    make_response(survey=world.nps, touchpoint=world.checkout, score=10, comment=PRAISE_WINSTON)
    praise = OutboxMessage.objects.get(kind="praise_to_employee")
    assert praise.recipient == winston.email
    assert "Mary Winston" in praise.subject
    assert "went the extra mile" in praise.body


def test_praise_reaches_someone_named_by_first_name_on_a_csat_survey(world):
    lea = make_user(organization=world.org, role=Role.EMPLOYEE, username="lea.k")
    lea.first_name = "Lea"
    lea.save()
    csat = make_survey(organization=world.org, kind="csat")
    make_response(survey=csat, touchpoint=world.checkout, score=5, comment=PRAISE_LEA)
    assert list(OutboxMessage.objects.filter(kind="praise_to_employee").values_list("recipient", flat=True)) == [
        lea.email
    ]


def test_praise_naming_nobody_of_ours_or_a_stranger_goes_to_nobody(world):
    stranger = make_user(organization=world.other_org, role=Role.EMPLOYEE, username="alavera")
    make_response(survey=world.nps, touchpoint=world.checkout, score=10, comment=PRAISE_AGENT)
    assert stranger.username in PRAISE_AGENT.lower()
    assert not OutboxMessage.objects.filter(kind="praise_to_employee").exists()


def test_a_low_score_naming_an_employee_is_no_praise(world):
    make_response(survey=world.nps, touchpoint=world.checkout, score=2, comment="emma " + PRAISE_AGENT)
    assert not OutboxMessage.objects.filter(kind="praise_to_employee").exists()


def test_thanks_for_thanks_is_queued_once_to_the_customer(world):
    response = make_response(
        survey=world.nps, touchpoint=world.checkout, score=9, comment=PRAISE_LEA, customer_email="c@example.org"
    )
    answer_rules_run(response=response)  # a retry or a second run sends nothing new
    messages = OutboxMessage.objects.filter(kind="praise_thank_you")
    assert [message.recipient for message in messages] == ["c@example.org"]
    assert PRAISE_LEA in messages[0].body
    assert messages[0].key == f"response:{response.pk}:praise_thank_you"
    outbox_deliver_due()
    assert [message.to for message in mail.outbox] == [["c@example.org"]]


def test_thanks_for_thanks_needs_an_email_and_a_comment(world):
    make_response(survey=world.nps, touchpoint=world.checkout, score=10, comment=PRAISE_LEA)
    make_response(survey=world.nps, touchpoint=world.checkout, score=10, customer_email="c@example.org")
    assert not OutboxMessage.objects.filter(kind="praise_thank_you").exists()


def test_thanks_for_thanks_is_written_in_the_customers_language(world):
    make_response(
        survey=world.nps,
        touchpoint=world.checkout,
        score=9,
        comment=PRAISE_LEA,
        customer_email="c@example.org",
        customer_name="Лея",
        language="ru",
    )
    message = OutboxMessage.objects.get(kind="praise_thank_you")
    assert message.subject == "Спасибо за добрые слова, Лея"


def test_the_demo_loader_mode_sends_no_praise(world):
    from otklik.intake.answers import answer_receive
    from otklik.surveys.services import AnswerInput

    answer = AnswerInput(score=10, comment=PRAISE_LEA, customer_email="c@example.org")
    answer_receive(survey=world.nps, touchpoint=world.checkout, answer=answer, notify=False)
    assert not OutboxMessage.objects.exists()
    assert RuleRun.objects.filter(rule=default_rule(organization=world.org, key="thanks_for_thanks")).exists()


def test_praise_reaches_the_named_employee_by_the_channels_they_chose(world):
    from otklik.sla.services import notification_preference_save

    winston = make_user(organization=world.org, username="winston")
    notification_preference_save(
        user=winston, organization=world.org, email=True, telegram=True, telegram_chat_id="555", daily_digest=False
    )
    make_response(survey=world.nps, touchpoint=world.checkout, score=10, comment=PRAISE_WINSTON)
    sent = OutboxMessage.objects.filter(kind="praise_to_employee").order_by("channel")
    assert [(message.channel, message.recipient) for message in sent] == [
        ("email", winston.email),
        ("telegram", "555"),
    ]
