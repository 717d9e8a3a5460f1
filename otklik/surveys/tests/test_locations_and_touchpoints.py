import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from otklik.accounts.models import Location, Touchpoint
from otklik.cases.case_rules import case_rule_set
from otklik.cases.models import CaseRule
from otklik.surveys import services


def test_a_manager_adds_a_location_with_a_responsible_person(login, world):
    page = login(world.manager).post(
        reverse("surveys:location_add"), {"name": "Station Square", "responsible": world.employee.pk}
    )
    assert page.status_code == 302
    location = Location.objects.get(organization=world.org, name="Station Square")
    assert location.responsible == world.employee


def test_the_responsible_person_must_belong_to_the_organization(login, world):
    page = login(world.manager).post(reverse("surveys:location_add"), {"name": "X", "responsible": world.stranger.pk})
    assert page.status_code == 400
    assert not Location.objects.filter(name="X").exists()
    with pytest.raises(ValidationError):
        services.location_create(organization=world.org, name="X", responsible=world.stranger)


def test_location_names_are_unique_in_an_organization(world):
    with pytest.raises(ValidationError):
        services.location_create(organization=world.org, name="main street")
    assert services.location_create(organization=world.other_org, name="Main Street").organization == world.other_org


def test_a_manager_adds_a_touchpoint(login, world):
    page = login(world.manager).post(
        reverse("surveys:touchpoint_add"),
        {"location": world.other_store.pk, "name": "Delivery desk", "kind": "delivery"},
    )
    assert page.status_code == 302
    touchpoint = Touchpoint.objects.get(name="Delivery desk")
    assert (touchpoint.organization, touchpoint.location, touchpoint.kind) == (world.org, world.other_store, "delivery")


def test_a_touchpoint_cannot_go_into_another_organizations_location(login, world):
    page = login(world.manager).post(
        reverse("surveys:touchpoint_add"), {"location": world.stranger_store.pk, "name": "Sneaky", "kind": "other"}
    )
    assert page.status_code == 400
    assert not Touchpoint.objects.filter(name="Sneaky").exists()
    with pytest.raises(ValidationError):
        services.touchpoint_create(organization=world.org, location=world.stranger_store, name="Sneaky", kind="other")


def test_employees_cannot_add_locations_or_touchpoints(login, world):
    client = login(world.employee)
    assert client.post(reverse("surveys:location_add"), {"name": "Y"}).status_code == 403
    assert (
        client.post(
            reverse("surveys:touchpoint_add"), {"location": world.store.pk, "name": "Y", "kind": "other"}
        ).status_code
        == 403
    )


def test_the_case_rule_service_checks_the_scale(world):
    with pytest.raises(ValidationError):
        case_rule_set(survey=world.nps, comparison="lte", threshold=-1)
    with pytest.raises(ValidationError):
        case_rule_set(survey=world.nps, comparison="eq", threshold=3)
    rule = case_rule_set(survey=world.nps, comparison="gte", threshold=0, enabled=False)
    assert CaseRule.objects.get(survey=world.nps) == rule
    assert (rule.comparison, rule.threshold, rule.enabled) == ("gte", 0, False)
