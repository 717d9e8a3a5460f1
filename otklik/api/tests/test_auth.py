import pytest

from otklik.accounts.models import Membership


@pytest.mark.parametrize("path", ["/api/answers", "/api/cases", "/api/surveys", "/api/touchpoints"])
def test_it_requires_a_token(client, world, path):
    response = client.get(path)
    assert response.status_code == 401
    assert response.json() == {"detail": "A valid API token is required."}
    assert response["WWW-Authenticate"] == "Bearer"


def test_it_rejects_a_bad_token(client, world):
    response = client.get("/api/answers", HTTP_AUTHORIZATION="Bearer otk_not-a-real-token")
    assert response.status_code == 401
    assert response.json()["detail"]


def test_it_rejects_a_token_sent_another_way(client, world, api_as):
    token = api_as(world.manager).client.defaults["HTTP_AUTHORIZATION"].split()[1]
    assert client.get("/api/answers", HTTP_AUTHORIZATION=f"Token {token}").status_code == 401


def test_it_rejects_the_token_of_someone_who_left_the_organization(world, api_as):
    api = api_as(world.manager)
    assert api.get("/api/answers").status_code == 200
    Membership.objects.filter(user=world.manager, organization=world.org).delete()
    assert api.get("/api/answers").status_code == 401


def test_it_rejects_the_token_of_a_deactivated_user(world, api_as):
    api = api_as(world.manager)
    world.manager.is_active = False
    world.manager.save()
    assert api.get("/api/answers").status_code == 401
