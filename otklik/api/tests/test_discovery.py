from otklik.testing.factories import make_survey


def test_it_lists_surveys_with_keys_and_scales(world, api_as):
    csat = make_survey(organization=world.org, kind="csat")
    response = api_as(world.employee).get("/api/surveys")
    assert response.status_code == 200
    by_kind = {s["kind"]: s for s in response.json()["items"]}
    assert by_kind["nps"]["public_key"] == world.nps.public_key
    assert (by_kind["nps"]["min_score"], by_kind["nps"]["max_score"]) == (0, 10)
    assert (by_kind["csat"]["min_score"], by_kind["csat"]["max_score"]) == (1, 5)
    assert by_kind["csat"]["id"] == csat.pk


def test_it_lists_touchpoints_with_keys_and_locations(world, api_as):
    response = api_as(world.manager).get("/api/touchpoints")
    assert response.status_code == 200
    items = response.json()["items"]
    assert response.json()["count"] == 2
    assert {(t["public_key"], t["location_name"]) for t in items} == {
        (world.checkout.public_key, "Main Street"),
        (world.other_checkout.public_key, "Airport"),
    }
