"""'You said, we did' stories: written and published by managers, public list and printable leaflet."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from otklik.publication import services
from otklik.publication.models import Story
from otklik.publication.tests.helpers import resolved_case


def story(world, *, publish: bool = True, **texts) -> Story:
    fields = {
        "title": "Shorter queues at Main Street",
        "you_said": "You told us the morning queue was too long.",
        "we_did": "We added a second till from 8 to 10 am.",
    } | texts
    created, _findings = services.story_create(organization=world.org, by=world.manager, **fields)
    if publish:
        services.story_publish(story=created, by=world.manager)
    return created


def test_it_redacts_story_texts_and_links_cases(world):
    case = resolved_case(world, content="Slow queue", customer_name="Pat Quinn")
    created, findings = services.story_create(
        organization=world.org,
        by=world.manager,
        title="Thanks, Pat",
        you_said="Pat Quinn (pat@example.org) told us the queue was too long.",
        we_did="We added a till. Questions: +1 555 0100",
        cases=[case],
    )
    assert created.title == "Thanks, [name]"
    assert created.you_said == "[name] [name] ([e-mail]) told us the queue was too long."
    assert created.we_did == "We added a till. Questions: [phone]"
    assert list(created.cases.all()) == [case] and not created.published
    assert {f.kind for f in findings} == {"name", "email", "phone"}


def test_it_validates_story_texts(world):
    with pytest.raises(ValidationError, match="cannot be empty"):
        services.story_create(organization=world.org, by=world.manager, title=" ", you_said="a", we_did="b")
    with pytest.raises(ValidationError, match="too long"):
        services.story_create(organization=world.org, by=world.manager, title="t", you_said="a" * 1201, we_did="b")
    stranger_case = resolved_case(world, content="x", location=world.stranger_store)
    with pytest.raises(ValidationError, match="own organization"):
        services.story_create(
            organization=world.org, by=world.manager, title="t", you_said="a", we_did="b", cases=[stranger_case]
        )


def test_only_managers_and_owners_write_stories(world):
    with pytest.raises(PermissionDenied):
        services.story_create(organization=world.org, by=world.employee, title="t", you_said="a", we_did="b")
    created = story(world, publish=False)
    with pytest.raises(PermissionDenied):
        services.story_publish(story=created, by=world.stranger)


def test_the_public_page_shows_only_published_stories(world, client):
    shown = story(world)
    hidden = story(world, publish=False, title="Not ready yet")
    html = client.get(reverse("publication:book_stories", args=["acme"])).content.decode()
    assert f'id="story-{shown.pk}"' in html and "Not ready yet" not in html
    assert reverse("publication:story_leaflet", args=["acme", shown.pk]) in html
    assert client.get(reverse("publication:story_leaflet", args=["acme", hidden.pk])).status_code == 404
    assert client.get(reverse("publication:story_leaflet", args=["rival", shown.pk])).status_code == 404


def test_the_leaflet_renders_for_print(world, client):
    created = story(world)
    html = client.get(reverse("publication:story_leaflet", args=["acme", created.pk])).content.decode()
    assert "@page { size: A5" in html and "@media print" in html
    assert "Shorter queues at Main Street" in html and "We added a second till" in html and "Acme Coffee" in html
    small = client.get(reverse("publication:story_leaflet", args=["acme", created.pk]) + "?size=a6").content.decode()
    assert "@page { size: A6" in small and 'data-size="a6"' in small


def test_a_taken_down_story_disappears(world, client):
    created = story(world)
    services.story_publish(story=created, by=world.manager, published=False)
    html = client.get(reverse("publication:book_stories", args=["acme"])).content.decode()
    assert 'id="stories-empty"' in html


def test_managers_write_edit_and_publish_stories_through_the_pages(world, login):
    case = resolved_case(world, content="Slow queue")
    client = login(world.manager)
    assert client.get(reverse("publication:stories")).status_code == 200
    response = client.post(
        reverse("publication:story_new"),
        {"title": "Faster mornings", "you_said": "Ask Karen: queue!", "we_did": "Second till", "cases": [case.pk]},
    )
    assert response.status_code == 303
    created = Story.objects.get()
    assert created.you_said == "Ask [name]: queue!"
    response = client.post(
        reverse("publication:story_edit", args=[created.pk]),
        {"title": "Faster mornings", "you_said": "Queue!", "we_did": "Second till and a new machine"},
    )
    assert response.status_code == 303
    client.post(reverse("publication:story_publish", args=[created.pk]), {"published": "1"})
    created.refresh_from_db()
    assert created.published and created.we_did == "Second till and a new machine"
    assert created.cases.count() == 0
    html = client.get(reverse("publication:story_edit", args=[created.pk])).content.decode()
    assert 'id="leaflet-link"' in html


def test_an_invalid_story_form_is_400(world, login):
    response = login(world.manager).post(reverse("publication:story_new"), {"title": "", "you_said": "", "we_did": ""})
    assert response.status_code == 400 and not Story.objects.exists()


def test_story_pages_are_for_managers_and_scoped(world, login):
    created = story(world, publish=False)
    for role in ("employee", "viewer"):
        client = login(getattr(world, role))
        assert client.get(reverse("publication:stories")).status_code == 403
        assert client.get(reverse("publication:story_edit", args=[created.pk])).status_code == 403
    client = login(world.stranger)
    assert client.get(reverse("publication:story_edit", args=[created.pk])).status_code == 404
    assert client.post(reverse("publication:story_publish", args=[created.pk]), {"published": "1"}).status_code == 404
    created.refresh_from_db()
    assert not created.published
