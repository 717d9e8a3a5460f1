"""Issue 17: a hunting rule can be applied to the past, with a preview of how many customers it would
reach, and the pages say what each rule covers."""

from datetime import timedelta

import pytest
from django.utils import timezone

from otklik.outreach.hunting import hunt_rule_apply_to_past, hunt_rule_preview, hunt_rules_run
from otklik.outreach.models import HuntRule, OutreachTask
from otklik.outreach.tests.helpers import make_customer
from otklik.outreach.tests.test_hunting import event, trial_rule, url

pytestmark = pytest.mark.django_db


def test_a_rule_applied_to_the_past_reaches_customers_whose_event_came_before_it(world):
    rule = trial_rule(world)
    old, older, too_old = (make_customer(organization=world.org) for _ in range(3))
    event(old, "trial_started", days_ago=60)
    event(older, "trial_started", days_ago=80)
    event(too_old, "trial_started", days_ago=200)
    assert hunt_rules_run() == 0  # a new rule acts on what is to come
    since = timezone.localdate() - timedelta(days=100)
    assert hunt_rule_preview(rule=rule, since=since) == 2
    assert not OutreachTask.objects.exists()  # a preview changes nothing
    hunt_rule_apply_to_past(rule=rule, since=since)
    assert hunt_rules_run() == 2
    assert hunt_rules_run() == 0
    assert {task.customer for task in OutreachTask.objects.all()} == {old, older}
    assert hunt_rule_preview(rule=rule, since=since) == 0  # already acted on


def test_a_customer_who_spoke_up_since_the_past_event_is_not_counted(world):
    rule = trial_rule(world)
    spoke = make_customer(organization=world.org)
    event(spoke, "trial_started", days_ago=60)
    event(spoke, "support_ticket", days_ago=58)
    assert hunt_rule_preview(rule=rule, since=timezone.localdate() - timedelta(days=90)) == 0


def test_a_date_in_the_future_is_refused_and_changes_nothing(world):
    from django.core.exceptions import ValidationError

    rule = trial_rule(world)
    with pytest.raises(ValidationError):
        hunt_rule_apply_to_past(rule=rule, since=timezone.localdate() + timedelta(days=1))
    rule.refresh_from_db()
    assert rule.covers_from is None


def test_the_pages_preview_apply_and_say_what_the_rule_covers(world, login):
    rule = trial_rule(world)
    event(make_customer(organization=world.org), "trial_started", days_ago=60)
    client = login(world.manager)
    page = client.get(url("rule_edit", rule.pk)).content.decode()
    assert 'id="rule-covers"' in page and "apply it to the past" in page
    since = (timezone.localdate() - timedelta(days=90)).isoformat()
    preview = client.post(url("rule_apply_to_past", rule.pk), {"since": since, "preview": "1"})
    assert preview.status_code == 200 and "It would reach 1 customer now." in preview.content.decode()
    assert HuntRule.objects.get(pk=rule.pk).covers_from is None
    applied = client.post(url("rule_apply_to_past", rule.pk), {"since": since})
    assert applied.status_code == 303
    assert HuntRule.objects.get(pk=rule.pk).covers_from is not None
    listing = client.get(url("rules")).content.decode()
    assert f'id="rule-{rule.pk}-covers"' in listing


def test_strangers_and_employees_cannot_apply_a_rule_to_the_past(world, login):
    rule = trial_rule(world)
    since = (timezone.localdate() - timedelta(days=90)).isoformat()
    assert login(world.stranger).post(url("rule_apply_to_past", rule.pk), {"since": since}).status_code == 404
    assert login(world.employee).post(url("rule_apply_to_past", rule.pk), {"since": since}).status_code in (403, 404)
    assert HuntRule.objects.get(pk=rule.pk).covers_from is None
