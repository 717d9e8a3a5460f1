"""Loyalty after recovery (C9): N days after resolution the customer is asked again, once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from otklik.cases.models import Case
from otklik.improvements.models import RecoveryFollowUp
from otklik.improvements.selectors import recovery_for_case, recovery_scores
from otklik.improvements.services import recovery_followups_due
from otklik.improvements.tests.helpers import LUGGAGE, TRANSFERS_RU, WIFI, open_case, resolve
from otklik.intake.answers import answer_receive
from otklik.messaging.models import OutboxMessage
from otklik.surveys.models import Invitation
from otklik.surveys.services import AnswerInput, InvitationUsed

DAYS = 14


@pytest.fixture(autouse=True)
def followup_days(settings):
    settings.OTKLIK_RECOVERY_FOLLOWUP_DAYS = DAYS


def answer(invitation: Invitation, score: int, comment: str = ""):
    return answer_receive(
        survey=invitation.survey,
        touchpoint=invitation.touchpoint,
        answer=AnswerInput(score=score, comment=comment, customer_email=invitation.customer_email),
        invitation=invitation,
    )


def test_it_asks_again_once_after_n_days_and_not_before(world):
    now = timezone.now()
    case = resolve(open_case(world, comment=WIFI), at=now - timedelta(days=DAYS) + timedelta(hours=1))

    assert recovery_followups_due(now=now) == 0
    assert not RecoveryFollowUp.objects.exists()

    later = now + timedelta(hours=2)
    assert recovery_followups_due(now=later) == 1
    assert recovery_followups_due(now=later) == 0
    assert recovery_followups_due(now=later + timedelta(days=1)) == 0

    followup = RecoveryFollowUp.objects.get(case=case)
    assert followup.sent_at == later
    assert followup.due_at == case.resolved_at + timedelta(days=DAYS)
    invitation = followup.invitation
    assert invitation.survey == case.response.survey and invitation.touchpoint == case.response.touchpoint
    assert invitation.customer_email == "c@example.org"
    message = OutboxMessage.objects.get(kind="recovery_followup")
    assert message.key == f"recovery:case:{case.pk}"
    assert message.case == case and message.recipient == "c@example.org"
    assert f"/i/{invitation.token}/" in message.body


def test_it_asks_in_the_customers_language(world):
    case = resolve(open_case(world, comment=TRANSFERS_RU, language="ru", name="Борис"))
    recovery_followups_due(now=case.resolved_at + timedelta(days=DAYS))
    message = OutboxMessage.objects.get(kind="recovery_followup")
    assert message.body.startswith("Здравствуйте, Борис!")
    assert message.subject.startswith("Как вы оцениваете")
    assert RecoveryFollowUp.objects.get(case=case).invitation.language == "ru"


def test_it_does_not_ask_open_cases_or_customers_without_e_mail(world):
    open_case(world, comment=WIFI)
    resolve(open_case(world, comment=LUGGAGE, email=""))
    assert recovery_followups_due(now=timezone.now() + timedelta(days=DAYS + 1)) == 0
    assert not Invitation.objects.exists()


def test_it_does_not_ask_about_long_forgotten_cases(world):
    resolve(open_case(world, comment=WIFI), at=timezone.now() - timedelta(days=400))
    assert recovery_followups_due() == 0


def test_the_answered_link_gives_the_score_after(world):
    case = resolve(open_case(world, comment=WIFI, score=3))
    recovery_followups_due(now=case.resolved_at + timedelta(days=DAYS))
    followup = RecoveryFollowUp.objects.get(case=case)

    before = recovery_for_case(case=case)
    assert (before.before, before.after, before.max_score) == (3, None, 10)

    answer(followup.invitation, 9, "Thank you for fixing it")

    after = recovery_for_case(case=case)
    assert (after.before, after.after, after.change) == (3, 9, 6)
    assert not Case.objects.filter(response=followup.invitation.response).exists()  # a promoter opens no case


def test_the_dashboard_gets_averages_before_and_after(world):
    cases = [resolve(open_case(world, comment=text, score=score)) for text, score in [(WIFI, 2), (LUGGAGE, 4)]]
    unanswered = resolve(open_case(world, comment=TRANSFERS_RU, score=0))
    recovery_followups_due(now=timezone.now() + timedelta(days=DAYS))
    for case, score in zip(cases, [10, 3], strict=True):
        answer(RecoveryFollowUp.objects.get(case=case).invitation, score)
    assert RecoveryFollowUp.objects.filter(case=unanswered).exists()

    [nps] = recovery_scores(organization=world.org)
    assert (nps.kind, nps.asked, nps.answered, nps.improved) == ("nps", 3, 2, 1)
    assert nps.before == pytest.approx(3.0) and nps.after == pytest.approx(6.5)
    assert recovery_scores(organization=world.other_org) == []
    assert recovery_scores(organization=world.org, locations=world.org.locations.filter(pk=world.other_store.pk)) == []


def test_the_dashboard_shows_the_scores_before_and_after(world, login):
    case = resolve(open_case(world, comment=WIFI, score=2))
    recovery_followups_due(now=case.resolved_at + timedelta(days=DAYS))
    answer(RecoveryFollowUp.objects.get(case=case).invitation, 9)

    html = login(world.manager).get("/").content.decode()
    recovery = html[html.index('id="recovery"') :]
    assert "<td>2.0</td>" in recovery and "<td>9.0</td>" in recovery
    # Another organization's manager sees nothing of it.
    stranger_html = login(world.stranger).get("/").content.decode()
    assert "<td>9.0</td>" not in stranger_html[stranger_html.index('id="recovery"') :]


def test_the_case_page_shows_the_scores_before_and_after(world, login):
    case = resolve(open_case(world, comment=WIFI, score=3))
    recovery_followups_due(now=case.resolved_at + timedelta(days=DAYS))
    answer(RecoveryFollowUp.objects.get(case=case).invitation, 8)

    html = login(world.manager).get(f"/cases/{case.pk}/").content.decode()
    assert 'id="recovery-before">3 / 10' in html
    assert 'id="recovery-after">8 / 10' in html


def test_a_follow_up_answer_is_one_answer_only(world, client):
    case = resolve(open_case(world, comment=WIFI))
    recovery_followups_due(now=case.resolved_at + timedelta(days=DAYS))
    invitation = RecoveryFollowUp.objects.get(case=case).invitation
    page = client.get(f"/i/{invitation.token}/")
    assert page.status_code == 200
    answer(invitation, 7)
    with pytest.raises(InvitationUsed):
        answer(invitation, 10)
    assert recovery_for_case(case=case).after == 7
