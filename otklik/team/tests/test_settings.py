"""The organization's settings page: owners only; bad values change nothing; every change is audited."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from otklik.accounts.models import Organization
from otklik.audit.models import AuditEvent

# The smallest valid PNG (1×1, transparent).
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
)


def form_data(world, **changes) -> dict:
    data = {
        "name": world.org.name,
        "default_language": "en",
        "time_zone": "UTC",
        "currency": "RUB",
        "site_url": "",
        "default_survey": "",
        "data_retention_days": "0",
        "locations-TOTAL_FORMS": "2",
        "locations-INITIAL_FORMS": "2",
        "locations-MIN_NUM_FORMS": "0",
        "locations-MAX_NUM_FORMS": "1000",
    }
    for index, location in enumerate([world.other_store, world.store]):  # ordered by name
        data[f"locations-{index}-id"] = str(location.pk)
        for field in ["review_url_yandex", "review_url_2gis", "review_url_google"]:
            data[f"locations-{index}-{field}"] = ""
    data.update(changes)
    return data


@pytest.fixture
def owner_client(client, login, world):
    login(world.owner)
    return client


def test_the_owner_changes_the_settings_and_it_is_audited(owner_client, world):
    data = form_data(
        world,
        name="Acme Coffee Moscow",
        default_language="ru",
        time_zone="Europe/Moscow",
        currency="eur",
        site_url="https://feedback.acme.example",
        default_survey=str(world.nps.pk),
        data_retention_days="365",
        **{"locations-1-review_url_yandex": "https://yandex.ru/maps/org/acme/1/reviews/"},
    )
    assert owner_client.get("/settings/").status_code == 200
    assert owner_client.post("/settings/", data).status_code == 303
    org = Organization.objects.get(pk=world.org.pk)
    assert (org.name, org.default_language, org.time_zone, org.currency) == (
        "Acme Coffee Moscow",
        "ru",
        "Europe/Moscow",
        "EUR",
    )
    assert (org.site_url, org.default_survey, org.data_retention_days) == (
        "https://feedback.acme.example",
        world.nps,
        365,
    )
    world.store.refresh_from_db()
    assert world.store.review_url_yandex == "https://yandex.ru/maps/org/acme/1/reviews/"
    events = AuditEvent.objects.filter(action="settings_changed", organization=world.org)
    changed = next(e for e in events if e.target == "acme").details["changed"]
    assert changed["currency"] == ["RUB", "EUR"] and changed["time_zone"] == ["UTC", "Europe/Moscow"]
    assert events.filter(target="Main Street").exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("currency", "XYZ", "not an ISO 4217 currency code"),
        ("time_zone", "Mars/Olympus", "not a known time zone"),
        ("site_url", "not a url", "Enter a valid URL"),
    ],
)
def test_a_bad_value_is_explained_and_changes_nothing(owner_client, world, field, value, message):
    response = owner_client.post("/settings/", form_data(world, name="Renamed", **{field: value}))
    assert response.status_code == 400
    assert message in response.content.decode()
    org = Organization.objects.get(pk=world.org.pk)
    assert (org.name, org.currency, org.time_zone) == ("Acme Coffee", "RUB", "UTC")
    assert not AuditEvent.objects.filter(action="settings_changed").exists()


def test_the_logo_shows_on_the_public_answer_page(owner_client, client, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    data = form_data(world, logo=SimpleUploadedFile("logo.png", PNG, content_type="image/png"))
    assert owner_client.post("/settings/", data).status_code == 303
    page = client.get(f"/s/{world.nps.public_key}/{world.checkout.public_key}/").content.decode()
    assert '<img src="/logo/acme/"' in page
    logo = client.get("/logo/acme/")
    assert logo.status_code == 200 and logo["Content-Type"] == "image/png"
    assert b"".join(logo.streaming_content) == PNG


def test_a_logo_that_is_not_an_image_is_refused(owner_client, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    svg = SimpleUploadedFile("logo.svg", b"<svg onload=alert(1)></svg>", content_type="image/svg+xml")
    response = owner_client.post("/settings/", form_data(world, logo=svg))
    assert response.status_code == 400 and "PNG, JPEG or WebP" in response.content.decode()
    assert not Organization.objects.get(pk=world.org.pk).logo


def test_a_survey_of_another_organization_cannot_be_the_default(owner_client, world):
    response = owner_client.post("/settings/", form_data(world, default_survey=str(world.stranger_nps.pk)))
    assert response.status_code == 400
    assert Organization.objects.get(pk=world.org.pk).default_survey is None


@pytest.mark.parametrize("who", ["manager", "employee", "viewer"])
def test_only_the_owner_has_the_settings_page(client, login, world, who):
    login(getattr(world, who))
    assert client.get("/settings/").status_code == 403


def test_the_logo_shows_on_the_thank_you_page_too(owner_client, client, world, settings, tmp_path):
    # It showed on the answer page and in messages, not on the page the customer lands on after answering.
    settings.MEDIA_ROOT = tmp_path
    data = form_data(world, logo=SimpleUploadedFile("logo.png", PNG, content_type="image/png"))
    assert owner_client.post("/settings/", data).status_code == 303
    page = client.get(f"/s/{world.nps.public_key}/{world.checkout.public_key}/thanks/?lang=en").content.decode()
    assert '<img src="/logo/acme/"' in page


def test_each_review_page_input_names_its_site_and_location(owner_client, world):
    html = owner_client.get("/settings/").content.decode()
    # The table's inputs have no <label>: a screen reader hears which site and which location each is for.
    assert f'aria-label="Yandex Maps review page · {world.store.name}"' in html
    assert f'aria-label="Google review page · {world.other_store.name}"' in html
