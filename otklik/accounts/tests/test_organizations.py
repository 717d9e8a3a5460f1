"""One login in several organizations: the switcher, and an owner's further organization."""

from otklik.accounts.models import Membership, Organization, Role


def test_a_member_of_two_organizations_switches_between_them(client, login, world):
    Membership.objects.create(user=world.manager, organization=world.other_org, role=Role.VIEWER)
    login(world.manager)
    page = client.get("/cases/")
    assert page.context["membership"].organization == world.org
    assert 'id="organization-switch"' in page.content.decode()
    assert client.post("/account/organization/", {"organization": world.other_org.pk}).status_code == 303
    assert client.get("/cases/").context["membership"].organization == world.other_org


def test_one_cannot_switch_to_an_organization_one_is_not_in(client, login, world):
    login(world.manager)
    assert client.post("/account/organization/", {"organization": world.other_org.pk}).status_code == 404
    assert client.get("/cases/").context["membership"].organization == world.org


def test_a_single_organization_shows_no_switcher(client, login, world):
    login(world.manager)
    assert 'id="organization-switch"' not in client.get("/cases/").content.decode()


def test_an_owner_creates_another_organization_and_lands_in_it(client, login, world):
    login(world.owner)
    data = {"name": "Acme Tea", "slug": "acme-tea", "language": "uk", "time_zone": "Europe/Kyiv", "currency": "UAH"}
    assert client.post("/organizations/new/", data).status_code == 303
    tea = Organization.objects.get(slug="acme-tea")
    assert (tea.default_language, tea.time_zone, tea.currency) == ("uk", "Europe/Kyiv", "UAH")
    assert Membership.objects.get(organization=tea).user == world.owner
    assert client.get("/cases/").context["membership"].organization == tea


def test_a_duplicate_slug_from_the_page_is_explained(client, login, world):
    login(world.owner)
    data = {"name": "X", "slug": "rival", "language": "en", "time_zone": "UTC", "currency": "RUB"}
    response = client.post("/organizations/new/", data)
    assert response.status_code == 400 and "already exists" in response.content.decode()
    assert Organization.objects.count() == 2


def test_only_owners_create_organizations(client, login, world):
    login(world.manager)
    assert client.get("/organizations/new/").status_code == 404


def test_the_organization_knows_its_time_zone_and_falls_back_to_utc():
    assert Organization(time_zone="Europe/Moscow").zone.key == "Europe/Moscow"
    # A name the tz database lacks, or none, must not break a page or the worker.
    assert Organization(time_zone="Mars/Olympus").zone.key == "UTC"
    assert Organization(time_zone="").zone.key == "UTC"
