"""Reads of complaint book entries and stories: staff reads scoped to the member, public reads to one organization."""

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from otklik.accounts.models import Membership, Organization, Touchpoint, TouchpointKind
from otklik.cases.models import Case
from otklik.publication.models import BookEntry, BookSettings, Story
from otklik.surveys.models import Survey


def organization_for_book(*, slug: str) -> Organization:
    """The organization whose public book is asked for; Http404 for an unknown slug."""
    return get_object_or_404(Organization, slug=slug)


def allowed_handles_for(*, organization: Organization) -> list[str]:
    """The organization's own @handles (lower case, without "@"), kept on public pages."""
    settings = BookSettings.objects.filter(organization=organization).first()
    return settings.handles() if settings else []


def book_settings_for(*, organization: Organization) -> BookSettings:
    return BookSettings.objects.filter(organization=organization).first() or BookSettings(organization=organization)


def book_entries_for(*, membership: Membership, status: str = BookEntry.Status.DRAFT) -> QuerySet[BookEntry]:
    """The member's organization's entries with the given status, oldest draft first, newest decision first."""
    entries = BookEntry.objects.filter(organization=membership.organization, status=status).select_related(
        "case", "case__location", "proposed_by", "moderated_by"
    )
    return entries.order_by("created_at", "id") if status == BookEntry.Status.DRAFT else entries.order_by("-updated_at")


def book_entry_counts(*, membership: Membership) -> dict[str, int]:
    counts = {status: 0 for status in BookEntry.Status.values}
    for status in BookEntry.objects.filter(organization=membership.organization).values_list("status", flat=True):
        counts[status] += 1
    return counts


def book_entry_get(*, membership: Membership, entry_id: int) -> BookEntry:
    """One entry of the member's organization; Http404 for any other."""
    entry = BookEntry.objects.filter(organization=membership.organization, pk=entry_id).select_related("case").first()
    if entry is None:
        raise Http404("No such entry.")
    return entry


def book_entry_for_case(*, case: Case) -> BookEntry | None:
    return BookEntry.objects.filter(case=case).first()


def book_published(*, organization: Organization) -> QuerySet[BookEntry]:
    """The public book: published entries only, newest first."""
    return BookEntry.objects.filter(organization=organization, status=BookEntry.Status.PUBLISHED).order_by(
        "-published_at", "-id"
    )


def stories_for(*, membership: Membership) -> QuerySet[Story]:
    return Story.objects.filter(organization=membership.organization).order_by("-created_at", "-id")


def story_get(*, membership: Membership, story_id: int) -> Story:
    """One story of the member's organization; Http404 for any other."""
    story = Story.objects.filter(organization=membership.organization, pk=story_id).first()
    if story is None:
        raise Http404("No such story.")
    return story


def stories_published(*, organization: Organization) -> QuerySet[Story]:
    return Story.objects.filter(organization=organization, published=True).order_by("-published_at", "-id")


def story_published_get(*, organization: Organization, story_id: int) -> Story:
    """A published story of this organization; Http404 for a draft or another organization's."""
    story = stories_published(organization=organization).filter(pk=story_id).first()
    if story is None:
        raise Http404("No such story.")
    return story


# A general touchpoint a complaint from the book is filed under, best first. An employee's own QR
# touchpoint is never used: it would credit that person with strangers' complaints.
GENERAL_TOUCHPOINT_KINDS = [TouchpointKind.WEBSITE, TouchpointKind.OTHER, TouchpointKind.CALL_CENTRE]


def book_complaint_form(*, organization: Organization) -> tuple[Survey, Touchpoint] | None:
    """Where "leave your complaint" in the public book leads: the public answer form of a survey and touchpoint.

    The organization's default survey when it is open, else its oldest open NPS survey; a general
    touchpoint (website, other, call centre). None when there is no such pair: the link is hidden.
    """
    survey = organization.default_survey
    if survey is None or not survey.is_open or survey.organization_id != organization.pk:
        survey = (
            Survey.objects.filter(organization=organization, kind="nps", is_open=True)
            .order_by("created_at", "pk")
            .first()
        )
    if survey is None:
        return None
    touchpoints = Touchpoint.objects.filter(
        organization=organization, kind__in=GENERAL_TOUCHPOINT_KINDS, employee__isnull=True
    )
    for kind in GENERAL_TOUCHPOINT_KINDS:
        touchpoint = touchpoints.filter(kind=kind).order_by("location__name", "pk").first()
        if touchpoint is not None:
            return survey, touchpoint
    return None
