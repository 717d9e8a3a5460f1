"""Proposing, editing, publishing and rejecting complaint book entries (the services)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from otklik.publication import services
from otklik.publication.models import BookEntry
from otklik.publication.tests.helpers import open_case, resolved_case

COMPLAINT = "Кассир Ольга нагрубила, перезвоните мне: +7 (999) 123-45-67, ivan.petrov@mail.ru. Иван Петров"


def test_it_proposes_a_resolved_case_as_a_redacted_draft(world):
    case = resolved_case(
        world,
        content=COMPLAINT,
        fix="Провели тренинг для кассиров; Ивану Петрову позвонили по номеру 8 999 123 45 67.",
        customer_name="Иван Петров",
        customer_email="ivan.petrov@mail.ru",
    )
    entry = services.book_entry_propose(case=case, by=world.employee)
    assert entry.status == BookEntry.Status.DRAFT
    assert entry.organization == world.org
    assert entry.complaint_text == "Кассир [name] нагрубила, перезвоните мне: [phone], [e-mail]. [name] [name]"
    assert entry.response_text == "Провели тренинг для кассиров; [name] [name] позвонили по номеру [phone]."
    assert entry.assigned_label == "Staff member, Main Street"  # emma is the store's responsible employee
    assert entry.proposed_by == world.employee
    assert entry.received_on == case.created_at.date()


def test_it_names_a_role_and_a_place_never_the_person(world):
    world.employee.first_name, world.employee.last_name = "Emma", "Stone"
    world.employee.save()
    case = resolved_case(world, content="Emma Stone at the till was rude", fix="Emma Stone apologized in person.")
    entry = services.book_entry_propose(case=case, by=world.manager)
    assert "Emma" not in entry.complaint_text + entry.response_text + entry.assigned_label
    assert "Stone" not in entry.complaint_text + entry.response_text
    assert entry.assigned_label == "Staff member, Main Street"


def test_it_masks_profanity_too(world):
    case = resolved_case(world, content="Это был полный пиздец с очередью")
    entry = services.book_entry_propose(case=case, by=world.manager)
    assert "пиздец" not in entry.complaint_text


def test_it_refuses_an_open_case(world):
    with pytest.raises(ValidationError, match="resolved"):
        services.book_entry_propose(case=open_case(world), by=world.manager)
    assert not BookEntry.objects.exists()


def test_it_refuses_to_propose_twice(world):
    case = resolved_case(world, content="Slow queue")
    services.book_entry_propose(case=case, by=world.manager)
    with pytest.raises(ValidationError, match="already"):
        services.book_entry_propose(case=case, by=world.manager)


def test_a_rejected_entry_can_be_proposed_again(world):
    case = resolved_case(world, content="Slow queue")
    entry = services.book_entry_propose(case=case, by=world.manager)
    services.book_entry_reject(entry=entry, by=world.manager)
    again = services.book_entry_propose(case=case, by=world.employee)
    assert again.pk == entry.pk and again.status == BookEntry.Status.DRAFT and again.moderated_by is None


def test_viewers_strangers_and_other_locations_cannot_propose(world):
    case = resolved_case(world, content="Slow queue", location=world.other_store)
    for user in (world.viewer, world.stranger, world.employee):  # emma works at Main Street only
        with pytest.raises(PermissionDenied):
            services.book_entry_propose(case=case, by=user)


def test_a_moderator_edit_is_redacted_again(world):
    case = resolved_case(world, content="Slow queue", customer_name="Pat Quinn")
    entry = services.book_entry_propose(case=case, by=world.manager)
    findings = services.book_entry_edit(
        entry=entry,
        by=world.manager,
        complaint_text="Slow queue, said Pat Quinn (pat@example.org, 555-1234)",
        response_text="We called Pat back and opened a second till.",
        assigned_label="Store manager, Main Street",
    )
    entry.refresh_from_db()
    assert entry.complaint_text == "Slow queue, said [name] [name] ([e-mail], [phone])"
    assert entry.response_text == "We called [name] back and opened a second till."
    assert entry.assigned_label == "Store manager, Main Street"
    assert {f.kind for f in findings} == {"name", "email", "phone"}


def test_an_edit_cannot_empty_a_text(world):
    entry = services.book_entry_propose(case=resolved_case(world, content="Slow queue"), by=world.manager)
    with pytest.raises(ValidationError, match="cannot be empty"):
        services.book_entry_edit(
            entry=entry, by=world.manager, complaint_text="  ", response_text="Fixed", assigned_label="Manager"
        )
    entry.refresh_from_db()
    assert entry.complaint_text == "Slow queue"


def test_only_managers_and_owners_moderate(world):
    entry = services.book_entry_propose(case=resolved_case(world, content="Slow queue"), by=world.employee)
    for user in (world.employee, world.viewer, world.stranger):
        with pytest.raises(PermissionDenied):
            services.book_entry_publish(entry=entry, by=user)
        with pytest.raises(PermissionDenied):
            services.book_entry_reject(entry=entry, by=user)
        with pytest.raises(PermissionDenied):
            services.book_entry_edit(entry=entry, by=user, complaint_text="x", response_text="y", assigned_label="z")
    services.book_entry_publish(entry=entry, by=world.owner)
    entry.refresh_from_db()
    assert entry.status == BookEntry.Status.PUBLISHED
    assert entry.moderated_by == world.owner and entry.published_at is not None


def test_publishing_is_refused_for_names_added_since_the_draft(world):
    entry = services.book_entry_propose(
        case=resolved_case(world, content="Zed at the till was great"), by=world.manager
    )
    assert "Zed" in entry.complaint_text  # not a known name yet, not in the common list
    world.employee.first_name = "Zed"
    world.employee.save()
    with pytest.raises(ValidationError):  # refused, not silently changed: the moderator checks first
        services.book_entry_publish(entry=entry, by=world.manager)
    services.book_entry_edit(
        entry=entry,
        by=world.manager,
        complaint_text=entry.complaint_text,
        response_text=entry.response_text,
        assigned_label=entry.assigned_label,
    )
    assert entry.complaint_text == "[name] at the till was great"
    assert services.book_entry_publish(entry=entry, by=world.manager).status == BookEntry.Status.PUBLISHED


def test_it_publishes_only_drafts_and_rejects_or_withdraws(world):
    entry = services.book_entry_propose(case=resolved_case(world, content="Slow queue"), by=world.manager)
    services.book_entry_publish(entry=entry, by=world.manager)
    with pytest.raises(ValidationError):
        services.book_entry_publish(entry=entry, by=world.manager)
    services.book_entry_reject(entry=entry, by=world.manager)  # withdrawn from the public book
    entry.refresh_from_db()
    assert entry.status == BookEntry.Status.REJECTED and entry.published_at is None
    with pytest.raises(ValidationError):
        services.book_entry_reject(entry=entry, by=world.manager)
    with pytest.raises(ValidationError):
        services.book_entry_edit(
            entry=entry, by=world.manager, complaint_text="x", response_text="y", assigned_label="z"
        )


def test_the_organizations_own_handles_stay(world):
    services.book_settings_save(organization=world.org, by=world.manager, allowed_handles="@AcmeCoffee, acme_help")
    case = resolved_case(world, content="@AcmeCoffee @acme_help my friend @janedoe waited an hour")
    entry = services.book_entry_propose(case=case, by=world.manager)
    assert entry.complaint_text == "@AcmeCoffee @acme_help my friend [handle] waited an hour"


def test_it_refuses_malformed_handles(world):
    with pytest.raises(ValidationError):
        services.book_settings_save(organization=world.org, by=world.manager, allowed_handles="@good bad!handle")
    with pytest.raises(PermissionDenied):
        services.book_settings_save(organization=world.org, by=world.employee, allowed_handles="@acme")
