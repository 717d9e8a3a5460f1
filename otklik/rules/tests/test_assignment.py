from otklik.accounts.models import Role
from otklik.cases.models import Case, Step
from otklik.intake.complaints import complaint_open
from otklik.messaging.models import OutboxMessage
from otklik.rules.models import AssignMode, Trigger
from otklik.rules.selectors import round_robin_next
from otklik.rules.tests.helpers import make_rule
from otklik.rules.tests.samples import SEAT, SERVICE
from otklik.testing.factories import make_response, make_user


def test_round_robin_gives_each_case_to_the_least_busy_team_member(world):
    ann = make_user(organization=world.org, role=Role.EMPLOYEE, username="ann")
    bob = make_user(organization=world.org, role=Role.EMPLOYEE, username="bob")
    make_rule(
        organization=world.org,
        order=1,
        band="complaint",
        open_case=True,
        assign_mode=AssignMode.TEAM,
        team=[ann, bob],
        stop_processing=True,
        notify=True,
    )
    holders = [
        make_response(survey=world.nps, touchpoint=world.checkout, score=1, comment=text).case.responsible
        for text in (SEAT, SERVICE, SEAT, SERVICE)
    ]
    assert [user.username for user in holders] == ["ann", "bob", "ann", "bob"]


def test_round_robin_skips_someone_whose_cases_are_resolved_less(world):
    ann = make_user(organization=world.org, role=Role.EMPLOYEE, username="ann")
    bob = make_user(organization=world.org, role=Role.EMPLOYEE, username="bob")
    busy = complaint_open(location=world.store, content=SEAT, responsible=ann, notify=False)
    assert round_robin_next(organization=world.org, team=[ann, bob]) == bob
    Case.objects.filter(pk=busy.pk).update(step=Step.RESOLVED)
    # Both now hold no open case; Bob never held one, so he goes before Ann.
    assert round_robin_next(organization=world.org, team=[ann, bob]) == bob


def test_a_rule_can_assign_every_case_to_one_person_and_alerts_them(world, django_capture_on_commit_callbacks):
    make_rule(
        organization=world.org,
        order=1,
        band="complaint",
        open_case=True,
        notify=True,
        assign_mode=AssignMode.PERSON,
        assign_to=world.manager,
        stop_processing=True,
    )
    case = make_response(survey=world.nps, touchpoint=world.checkout, score=2, comment=SERVICE).case
    assert case.responsible == world.manager
    alerts = OutboxMessage.objects.filter(case=case, kind="case_alert")
    assert [message.recipient for message in alerts] == ["max@example.com"]


def test_a_case_opened_rule_reassigns_a_hand_recorded_case_before_the_alert(world):
    make_rule(
        organization=world.org,
        trigger=Trigger.CASE_OPENED,
        location=world.store,
        assign_mode=AssignMode.PERSON,
        assign_to=world.manager,
    )
    case = complaint_open(location=world.store, content=SEAT, source="hotline")
    case.refresh_from_db()
    assert case.responsible == world.manager
    assert list(OutboxMessage.objects.filter(case=case, kind="case_alert").values_list("recipient", flat=True)) == [
        "max@example.com"
    ]


def test_a_rule_without_a_case_notifies_the_location_responsible(world):
    make_rule(organization=world.org, words="laptop", notify=True, score_min=7)
    response = make_response(survey=world.nps, touchpoint=world.checkout, score=8, comment=SEAT)
    message = OutboxMessage.objects.get(kind="rule_notify")
    assert message.recipient == "emma@example.com"
    assert SEAT in message.body
    assert message.key.startswith(f"response:{response.pk}:")


def test_a_rule_notifies_by_the_channels_each_person_chose(world):
    from otklik.sla.services import notification_preference_save

    notification_preference_save(
        user=world.employee,
        organization=world.org,
        email=False,
        telegram=True,
        telegram_chat_id="123456789",
        daily_digest=False,
    )
    make_rule(organization=world.org, words="laptop", notify=True, score_min=7)
    make_response(survey=world.nps, touchpoint=world.checkout, score=8, comment=SEAT)
    message = OutboxMessage.objects.get(kind="rule_notify")
    assert (message.channel, message.recipient) == ("telegram", "123456789")
