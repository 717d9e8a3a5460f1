import pytest
from django.urls import reverse

from otklik.rules.models import Rule
from otklik.rules.tests.helpers import default_rule, make_rule


def form_data(**fields) -> dict:
    data = {"name": "Rude staff", "enabled": "on", "order": "5", "trigger": "answer", "assign_mode": "responsible"}
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


def test_it_lists_the_default_rules_in_order(world, login):
    page = login(world.manager).get(reverse("rules:list"))
    assert page.status_code == 200
    html = page.content.decode()
    assert html.index("Detractors open a case") < html.index("Thanks for thanks") < html.index("Praise that names")


def test_a_manager_creates_a_rule_with_cleaned_words(world, login):
    answer = login(world.manager).post(
        reverse("rules:create"),
        form_data(words=" Rude,  hamy ,,rude", open_case="on", score_max="6", survey=world.nps.pk, notify="on"),
    )
    assert answer.status_code == 303
    rule = Rule.objects.get(name="Rude staff")
    assert (rule.words, rule.score_max, rule.survey, rule.open_case) == ("rude, hamy", 6, world.nps, True)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"survey": "nps", "score_min": "11"}, "score_min", "between 0 and 10"),
        ({"kinds": ["csat"], "score_max": "7"}, "score_max", "between 1 and 5"),
        ({"score_min": "6", "score_max": "3"}, "score_max", "must not be below"),
        ({"assign_mode": "person"}, "assign_to", "Choose the person"),
        ({"assign_mode": "team"}, "team", "at least one team member"),
        ({"trigger": "case_opened", "open_case": "on"}, "open_case", "Only a rule on answers"),
        ({"send_template": "no_such_kind"}, "send_template", "Select a valid choice"),
    ],
)
def test_it_rejects_a_bad_rule_with_a_clear_message(world, login, fields, field, message):
    if fields.get("survey") == "nps":
        fields["survey"] = world.nps.pk
    answer = login(world.manager).post(reverse("rules:create"), form_data(**fields))
    assert answer.status_code == 400
    assert message in " ".join(answer.context["form"].errors[field])
    assert not Rule.objects.filter(name="Rude staff").exists()


def test_it_refuses_a_person_from_another_organization(world, login):
    answer = login(world.manager).post(
        reverse("rules:create"), form_data(assign_mode="person", assign_to=world.stranger.pk)
    )
    assert answer.status_code == 400
    assert "assign_to" in answer.context["form"].errors


def test_it_refuses_a_viewer_as_the_person_to_assign(world, login):
    answer = login(world.manager).post(
        reverse("rules:create"), form_data(assign_mode="person", assign_to=world.viewer.pk)
    )
    assert answer.status_code == 400


def test_a_manager_edits_a_rule(world, login):
    rule = default_rule(organization=world.org, key="thanks_for_thanks")
    answer = login(world.owner).post(
        reverse("rules:edit", args=[rule.pk]),
        form_data(name="Thanks for thanks", kinds=["nps"], score_min="10", send_template="praise_thank_you"),
    )
    assert answer.status_code == 303
    rule.refresh_from_db()
    assert rule.score_min == 10 and rule.key == "thanks_for_thanks"


def test_a_manager_turns_a_rule_off_and_on(world, login):
    rule = default_rule(organization=world.org, key="detractors")
    client = login(world.manager)
    assert client.post(reverse("rules:toggle", args=[rule.pk])).status_code == 303
    rule.refresh_from_db()
    assert not rule.enabled
    client.post(reverse("rules:toggle", args=[rule.pk]))
    rule.refresh_from_db()
    assert rule.enabled


def test_a_manager_sets_the_compensation_limits(world, login):
    answer = login(world.manager).post(reverse("rules:limits"), {"employee": "500", "manager": "", "owner": ""})
    assert answer.status_code == 303
    from otklik.cases.compensation import compensation_limits

    limits = compensation_limits(organization=world.org)
    assert (limits["employee"], limits["manager"], limits["owner"]) == (500, None, None)


@pytest.mark.parametrize("who", ["employee", "viewer"])
def test_employees_and_viewers_get_403(world, login, who):
    rule = make_rule(organization=world.org)
    client = login(getattr(world, who))
    assert client.get(reverse("rules:list")).status_code == 403
    assert client.get(reverse("rules:create")).status_code == 403
    assert client.get(reverse("rules:edit", args=[rule.pk])).status_code == 403
    assert client.post(reverse("rules:toggle", args=[rule.pk])).status_code == 403
    assert client.post(reverse("rules:limits"), {"employee": "99999"}).status_code == 403


def test_a_stranger_gets_404_for_another_organizations_rule(world, login):
    rule = make_rule(organization=world.org)
    client = login(world.stranger)
    assert client.get(reverse("rules:edit", args=[rule.pk])).status_code == 404
    assert client.post(reverse("rules:edit", args=[rule.pk]), form_data()).status_code == 404
    assert client.post(reverse("rules:toggle", args=[rule.pk])).status_code == 404
    rule.refresh_from_db()
    assert rule.enabled and rule.name == "Test rule"


def test_the_editor_offers_only_the_organizations_own_choices(world, login):
    page = login(world.manager).get(reverse("rules:create")).content.decode()
    assert "Rival Store" not in page and "stan" not in page


def test_a_manager_sets_segments_and_tags_on_a_rule(world, login):
    from otklik.testing.factories import make_customer

    make_customer(organization=world.org, segment="at_risk", tags=["VIP", "wholesale"])
    vip = world.org.customer_tags.get(name="VIP")
    client = login(world.manager)
    page = client.get(reverse("rules:create")).content.decode()
    assert '<option value="at_risk">' in page and "wholesale" in page
    answer = client.post(reverse("rules:create"), form_data(segment=" At Risk, champions,at_risk", tags=[vip.pk]))
    assert answer.status_code == 303
    rule = Rule.objects.get(name="Rude staff")
    assert rule.segment == "at_risk, champions"
    assert list(rule.tags.all()) == [vip]
    assert "segment at_risk, champions" in client.get(reverse("rules:list")).content.decode()


@pytest.mark.parametrize("segment", ["at risk!", "x" * 31, "сегмент"])
def test_it_rejects_a_segment_that_is_not_a_segment_name(world, login, segment):
    answer = login(world.manager).post(reverse("rules:create"), form_data(segment=segment))
    assert answer.status_code == 400
    assert "segment" in answer.context["form"].errors
    assert not Rule.objects.filter(name="Rude staff").exists()


def test_it_refuses_another_organizations_tag(world, login):
    from otklik.testing.factories import make_customer

    foreign = make_customer(organization=world.other_org, tags=["VIP"]).tags.get()
    answer = login(world.manager).post(reverse("rules:create"), form_data(tags=[foreign.pk]))
    assert answer.status_code == 400
    assert "tags" in answer.context["form"].errors
    assert not Rule.objects.filter(name="Rude staff").exists()
