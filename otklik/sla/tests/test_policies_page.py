"""/sla/: managers and owners set how fast each severity must be answered and resolved."""

import pytest
from django.urls import reverse

from otklik.sla.models import SlaPolicy
from otklik.sla.selectors import sla_policies

URL = "/sla/"


def form_data(**overrides) -> dict:
    data = {
        "critical_first": 1,
        "critical_resolution": 12,
        "high_first": 4,
        "high_resolution": 48,
        "medium_first": 24,
        "medium_resolution": 120,
        "low_first": 48,
        "low_resolution": 240,
    }
    return data | overrides


def test_the_url_is_named():
    assert reverse("sla:policies") == URL


def test_it_shows_the_defaults(world, login):
    page = login(world.manager).get(URL)
    assert page.status_code == 200
    assert page.context["form"]["critical_first"].value() == 2
    assert page.context["form"]["low_resolution"].value() == 240
    assert not SlaPolicy.objects.exists()  # reading writes nothing


def test_a_manager_saves_the_table(world, login):
    response = login(world.manager).post(URL, form_data())
    assert response.status_code == 303
    policies = sla_policies(organization=world.org)
    assert (policies["critical"].first_answer_hours, policies["critical"].resolution_hours) == (1, 12)
    assert SlaPolicy.objects.filter(organization=world.org).count() == 4


@pytest.mark.parametrize(
    "overrides",
    [{"high_first": 0}, {"high_resolution": -5}, {"high_first": 10, "high_resolution": 5}, {"low_first": "soon"}],
)
def test_it_rejects_bad_hours(world, login, overrides):
    response = login(world.owner).post(URL, form_data(**overrides))
    assert response.status_code == 400
    assert not SlaPolicy.objects.exists()


def test_resolution_before_the_first_answer_is_explained(world, login):
    response = login(world.owner).post(URL, form_data(high_first=10, high_resolution=5))
    assert "Resolution cannot be due before the first answer." in response.content.decode()


@pytest.mark.parametrize("role", ["employee", "viewer"])
def test_employees_and_viewers_are_refused(world, login, role):
    client = login(getattr(world, role))
    assert client.get(URL).status_code == 403
    assert client.post(URL, form_data()).status_code == 403
    assert not SlaPolicy.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(world, client):
    response = client.get(URL)
    assert response.status_code == 302 and "/login/" in response.url


def test_a_stranger_changes_only_their_own_organization(world, login):
    login(world.stranger).post(URL, form_data(medium_first=3, medium_resolution=6))
    assert sla_policies(organization=world.other_org)["medium"].first_answer_hours == 3
    assert sla_policies(organization=world.org)["medium"].first_answer_hours == 24
    assert not SlaPolicy.objects.filter(organization=world.org).exists()
