"""Writes for the complaint book and the stories: every text is redacted before it is saved.

Publication is opt-in per case: nothing reaches the public book unless someone proposes the
case and a manager or owner publishes it. Only resolved cases can be proposed, because the
book shows what was done, and an open case has no answer yet.

A moderator's edit is redacted again on save rather than refused: a false alarm (a word that
looks like a name) must not stop a moderator from saving, and pasted personal data never
reaches the database. The findings are returned so the page can say what was replaced.
"""

from collections.abc import Iterable

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from otklik.accounts.models import Membership, Organization, Role
from otklik.accounts.selectors import visible_locations
from otklik.cases.models import Case, Step
from otklik.insights.profanity import mask_profanity
from otklik.publication.models import (
    COMPLAINT_MAX_LENGTH,
    LABEL_MAX_LENGTH,
    RESPONSE_MAX_LENGTH,
    STORY_TEXT_MAX_LENGTH,
    STORY_TITLE_MAX_LENGTH,
    BookEntry,
    BookSettings,
    Story,
)
from otklik.publication.redaction import Finding, redact
from otklik.publication.selectors import allowed_handles_for

HANDLE_MAX_COUNT = 20


def _membership(organization: Organization, user: User) -> Membership | None:
    return Membership.objects.filter(organization=organization, user=user, is_active=True).first()


def _require_moderator(organization: Organization, user: User) -> None:
    membership = _membership(organization, user)
    if membership is None or not membership.can_manage:
        raise PermissionDenied(_("Only a manager or an owner can moderate the public book."))


def _staff_names(organization: Organization) -> list[str]:
    users = User.objects.filter(memberships__organization=organization).values_list("first_name", "last_name")
    return [f"{first} {last}" for first, last in users if first or last]


def known_names_for_case(case: Case) -> list[str]:
    """Every name that must not reach a public page from this case: the customer's and the staff's.

    The parts of the customer's e-mail address count too ("ivan.petrov@…" names Ivan Petrov).
    """
    names = [case.customer_name]
    local_part = case.customer_email.split("@")[0]
    names += [part for part in local_part.replace("_", ".").replace("-", ".").split(".") if len(part) >= 3]
    return names + _staff_names(case.organization)


def _clean(text: str, *, organization: Organization, known_names: Iterable[str]) -> tuple[str, list[Finding]]:
    redacted, findings = redact(
        text, known_names=known_names, allowed_handles=allowed_handles_for(organization=organization)
    )
    masked, _found = mask_profanity(redacted, organization=organization)
    return masked.strip(), findings


ENTRY_FIELDS = ("complaint_text", "response_text", "assigned_label")


def book_entry_unclean_fields(entry: BookEntry) -> list[str]:
    """The draft's fields that still hold an insult or personal data (what masking or redaction would change).

    A draft saved before a word was added to the lexicon, or before a staff member
    joined, can hold one; publishing it must wait until it is saved again and checked.
    """
    known = known_names_for_case(entry.case)
    return [
        field
        for field in ENTRY_FIELDS
        if _clean(getattr(entry, field), organization=entry.organization, known_names=known)[0]
        != getattr(entry, field).strip()
    ]


def _require_text(text: str, *, label: str, max_length: int) -> None:
    if not text.strip():
        raise ValidationError(_("%(field)s cannot be empty.") % {"field": label})
    if len(text) > max_length:
        raise ValidationError(
            _("%(field)s is too long: %(length)d characters, at most %(max)d.")
            % {"field": label, "length": len(text), "max": max_length}
        )


def _default_label(case: Case) -> str:
    """Who took the complaint, as the public sees it: a role and a place, never a person's name."""
    membership = _membership(case.organization, case.responsible) if case.responsible_id else None
    with translation.override(case.organization.default_language):
        titles = {Role.OWNER: _("Owner"), Role.MANAGER: _("Manager"), Role.EMPLOYEE: _("Staff member")}
        title = titles.get(membership.role, _("Our team")) if membership else _("Our team")
        return _("%(title)s, %(location)s") % {"title": title, "location": case.location.name}


@transaction.atomic
def book_entry_propose(*, case: Case, by: User) -> BookEntry:
    """Put a resolved case forward for the complaint book as a redacted draft.

    Anyone who may work on the case may propose it; a rejected entry may be proposed again
    and is then rebuilt from the case. The moderator only ever sees the redacted texts.
    """
    membership = _membership(case.organization, by)
    if (
        membership is None
        or not membership.can_work_cases
        or not visible_locations(membership=membership).filter(pk=case.location_id).exists()
    ):
        raise PermissionDenied(_("You cannot propose this case."))
    if case.step != Step.RESOLVED:
        raise ValidationError(_("Only a resolved case can go into the complaint book: it needs an answer to show."))
    entry = BookEntry.objects.select_for_update().filter(case=case).first()
    if entry is not None and entry.status != BookEntry.Status.REJECTED:
        raise ValidationError(_("This case is already proposed for the complaint book."))
    entry = entry or BookEntry(organization=case.organization, case=case)
    known = known_names_for_case(case)
    complaint, _found = _clean(case.content, organization=case.organization, known_names=known)
    response, _found = _clean(
        case.fix_description or case.fix_promise, organization=case.organization, known_names=known
    )
    label, _found = _clean(_default_label(case), organization=case.organization, known_names=known)
    entry.complaint_text = Truncator(complaint).chars(COMPLAINT_MAX_LENGTH)
    entry.response_text = Truncator(response).chars(RESPONSE_MAX_LENGTH)
    entry.assigned_label = Truncator(label).chars(LABEL_MAX_LENGTH)
    entry.language = case.language
    entry.received_on = timezone.localdate(case.created_at)
    entry.resolved_on = timezone.localdate(case.resolved_at) if case.resolved_at else None
    entry.status = BookEntry.Status.DRAFT
    entry.proposed_by, entry.moderated_by, entry.published_at = by, None, None
    entry.save()
    return entry


@transaction.atomic
def book_entry_edit(
    *, entry: BookEntry, by: User, complaint_text: str, response_text: str, assigned_label: str
) -> list[Finding]:
    """Save a moderator's wording; whatever personal data it holds is replaced again before saving.

    Returns what was replaced, so the moderator can be told. A rejected entry cannot be edited.
    """
    _require_moderator(entry.organization, by)
    if entry.status == BookEntry.Status.REJECTED:
        raise ValidationError(_("A rejected entry cannot be edited; propose the case again instead."))
    known = known_names_for_case(entry.case)
    findings: list[Finding] = []
    cleaned = {}
    for field, text, label, max_length in (
        ("complaint_text", complaint_text, _("The complaint"), COMPLAINT_MAX_LENGTH),
        ("response_text", response_text, _("What was done"), RESPONSE_MAX_LENGTH),
        ("assigned_label", assigned_label, _("Who took it"), LABEL_MAX_LENGTH),
    ):
        value, found = _clean(text, organization=entry.organization, known_names=known)
        _require_text(value, label=label, max_length=max_length)
        cleaned[field] = value
        findings += found
    for field, value in cleaned.items():
        setattr(entry, field, value)
    entry.save(update_fields=[*cleaned, "updated_at"])
    return findings


@transaction.atomic
def book_entry_publish(*, entry: BookEntry, by: User) -> BookEntry:
    """Publish a draft in the public book (managers and owners only)."""
    _require_moderator(entry.organization, by)
    entry = BookEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.status != BookEntry.Status.DRAFT:
        raise ValidationError(_("Only an entry waiting for moderation can be published."))
    # Refused rather than silently cleaned: the moderator must see the masked wording before it is public.
    if book_entry_unclean_fields(entry):
        raise ValidationError(
            _(
                "Not published: the draft still holds insults or personal data. Save it (they are masked and "
                "replaced on saving), check the wording, then publish."
            )
        )
    entry.status, entry.published_at, entry.moderated_by = BookEntry.Status.PUBLISHED, timezone.now(), by
    entry.save()
    return entry


@transaction.atomic
def book_entry_reject(*, entry: BookEntry, by: User) -> BookEntry:
    """Keep a draft out of the public book, or withdraw a published entry (managers and owners only)."""
    _require_moderator(entry.organization, by)
    if entry.status == BookEntry.Status.REJECTED:
        raise ValidationError(_("This entry is already rejected."))
    entry.status, entry.published_at, entry.moderated_by = BookEntry.Status.REJECTED, None, by
    entry.save(update_fields=["status", "published_at", "moderated_by", "updated_at"])
    return entry


def book_settings_save(*, organization: Organization, by: User, allowed_handles: str) -> BookSettings:
    """Set the organization's own @handles, the only ones left visible on public pages."""
    _require_moderator(organization, by)
    handles = [h for h in allowed_handles.replace(",", " ").split() if h]
    bad = [h for h in handles if not h.lstrip("@") or not all(ch.isalnum() or ch == "_" for ch in h.lstrip("@"))]
    if bad:
        raise ValidationError(_("These are not @handles: %(handles)s.") % {"handles": ", ".join(bad)})
    if len(handles) > HANDLE_MAX_COUNT:
        raise ValidationError(_("At most %(count)d handles.") % {"count": HANDLE_MAX_COUNT})
    settings, _created = BookSettings.objects.get_or_create(organization=organization)
    settings.allowed_handles = " ".join("@" + h.lstrip("@") for h in handles)
    settings.save()
    return settings


def _story_texts(
    *, organization: Organization, cases: Iterable[Case], title: str, you_said: str, we_did: str
) -> tuple[dict[str, str], list[Finding]]:
    cases = list(cases)
    if any(case.organization_id != organization.pk for case in cases):
        raise ValidationError(_("A story can only link cases of its own organization."))
    known = _staff_names(organization)
    for case in cases:
        known += [case.customer_name]
    texts, findings = {}, []
    for field, text, label, max_length in (
        ("title", title, _("The title"), STORY_TITLE_MAX_LENGTH),
        ("you_said", you_said, _("“You said”"), STORY_TEXT_MAX_LENGTH),
        ("we_did", we_did, _("“We did”"), STORY_TEXT_MAX_LENGTH),
    ):
        value, found = _clean(text, organization=organization, known_names=known)
        _require_text(value, label=label, max_length=max_length)
        texts[field] = value
        findings += found
    return texts, findings


@transaction.atomic
def story_create(
    *, organization: Organization, by: User, title: str, you_said: str, we_did: str, cases: Iterable[Case] = ()
) -> tuple[Story, list[Finding]]:
    """Write a new, unpublished "You said, we did" story; its texts are redacted like the book's."""
    _require_moderator(organization, by)
    cases = list(cases)
    texts, findings = _story_texts(
        organization=organization, cases=cases, title=title, you_said=you_said, we_did=we_did
    )
    story = Story.objects.create(organization=organization, created_by=by, **texts)
    story.cases.set(cases)
    return story, findings


@transaction.atomic
def story_update(
    *, story: Story, by: User, title: str, you_said: str, we_did: str, cases: Iterable[Case] = ()
) -> list[Finding]:
    """Change a story's texts and linked cases; a published story changes on the public page at once."""
    _require_moderator(story.organization, by)
    cases = list(cases)
    texts, findings = _story_texts(
        organization=story.organization, cases=cases, title=title, you_said=you_said, we_did=we_did
    )
    for field, value in texts.items():
        setattr(story, field, value)
    story.save()
    story.cases.set(cases)
    return findings


@transaction.atomic
def story_publish(*, story: Story, by: User, published: bool = True) -> Story:
    """Show the story on the public pages and its leaflet, or take it down."""
    _require_moderator(story.organization, by)
    staff = _staff_names(story.organization)
    if published and any(
        _clean(text, organization=story.organization, known_names=staff)[0] != text.strip()
        for text in (story.title, story.you_said, story.we_did)
    ):
        raise ValidationError(
            _("Not published: the story still holds insults or personal data. Save it again, check it, then publish.")
        )
    if story.published != published:
        story.published = published
        story.published_at = timezone.now() if published else None
        story.save(update_fields=["published", "published_at", "updated_at"])
    return story
