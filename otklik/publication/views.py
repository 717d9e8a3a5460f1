"""Staff pages (moderation, stories) and the public book, stories and leaflets.

Staff pages take every object through a selector scoped to the member's organization, so a
stranger gets 404; moderation is for managers and owners (403 for others). Public pages need
no login and read only published, already redacted texts.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from otklik.accounts.decorators import membership_required
from otklik.cases.selectors import STATUS_RESOLVED, case_get, cases_visible
from otklik.http import see_other
from otklik.publication import selectors, services
from otklik.publication.forms import BookEntryForm, BookSettingsForm, StoryForm
from otklik.publication.models import BookEntry
from otklik.publication.redaction import PLACEHOLDERS, finding_kinds

ENTRIES_PER_PAGE = 20
LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]


def _tell_replaced(request: HttpRequest, findings) -> None:
    kinds = finding_kinds(findings)
    if kinds:
        messages.warning(
            request,
            _("Personal data was replaced before saving: %(placeholders)s.")
            % {"placeholders": ", ".join(PLACEHOLDERS[kind] for kind in kinds)},
        )


# --- staff: the case page button -------------------------------------------------------


@require_POST
@membership_required
def entry_propose(request: HttpRequest, case_id: int) -> HttpResponse:
    case = case_get(membership=request.membership, case_id=case_id)
    try:
        services.book_entry_propose(case=case, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The case is proposed for the public complaint book; a manager will moderate it."))
    return see_other(reverse("cases:detail", args=[case.pk]))


# --- staff: moderation ------------------------------------------------------------------------


@membership_required(manage=True)
def moderation(request: HttpRequest) -> HttpResponse:
    membership = request.membership
    status = request.GET.get("status") or BookEntry.Status.DRAFT
    if status not in BookEntry.Status.values:
        status = BookEntry.Status.DRAFT
    page = Paginator(selectors.book_entries_for(membership=membership, status=status), ENTRIES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows = [
        (
            entry,
            BookEntryForm(
                initial={
                    "complaint_text": entry.complaint_text,
                    "assigned_label": entry.assigned_label,
                    "response_text": entry.response_text,
                },
                prefix=f"entry-{entry.pk}",
            ),
        )
        for entry in page
    ]
    settings_form = BookSettingsForm(
        initial={"allowed_handles": selectors.book_settings_for(organization=membership.organization).allowed_handles}
    )
    context = {
        "status": status,
        "statuses": BookEntry.Status.choices,
        "counts": selectors.book_entry_counts(membership=membership),
        "page": page,
        "rows": rows,
        "settings_form": settings_form,
        "organization": membership.organization,
    }
    return render(request, "publication/moderation.html", context)


def _entry_form(request: HttpRequest, entry: BookEntry) -> BookEntryForm:
    return BookEntryForm(request.POST, prefix=f"entry-{entry.pk}")


def _back_to_moderation(entry: BookEntry) -> HttpResponseRedirect:
    return see_other(f"{reverse('publication:moderation')}?status={entry.status}#entry-{entry.pk}")


def _save_edits(request: HttpRequest, entry: BookEntry) -> dict | None:
    """Save the moderator's wording (masked and redacted); the wording as submitted, or None if invalid."""
    form = _entry_form(request, entry)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return None
    findings = services.book_entry_edit(entry=entry, by=request.user, **form.cleaned_data)
    _tell_replaced(request, findings)
    return form.cleaned_data


@require_POST
@membership_required(manage=True)
def entry_edit(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = selectors.book_entry_get(membership=request.membership, entry_id=entry_id)
    try:
        if _save_edits(request, entry):
            messages.success(request, _("The entry is saved."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return _back_to_moderation(entry)


@require_POST
@membership_required(manage=True)
def entry_publish(request: HttpRequest, entry_id: int) -> HttpResponse:
    """Publish with the wording on the form: the moderator's last edits are saved first."""
    entry = selectors.book_entry_get(membership=request.membership, entry_id=entry_id)
    try:
        with transaction.atomic():  # a refused publication keeps no half-saved edits either
            submitted = _save_edits(request, entry)
            if submitted is not None:
                entry.refresh_from_db()
                if any(submitted[field].strip() != getattr(entry, field) for field in services.ENTRY_FIELDS):
                    # Something was masked or replaced on saving: the moderator checks it before it goes public.
                    messages.warning(
                        request,
                        _("Insults or personal data were masked on saving; check the wording and publish again."),
                    )
                else:
                    services.book_entry_publish(entry=entry, by=request.user)
                    messages.success(request, _("The entry is published in the complaint book."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return see_other(reverse("publication:moderation"))


@require_POST
@membership_required(manage=True)
def entry_reject(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = selectors.book_entry_get(membership=request.membership, entry_id=entry_id)
    try:
        services.book_entry_reject(entry=entry, by=request.user)
        messages.success(request, _("The entry is rejected and not shown publicly."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return see_other(reverse("publication:moderation"))


@require_POST
@membership_required(manage=True)
def book_settings(request: HttpRequest) -> HttpResponse:
    form = BookSettingsForm(request.POST)
    if form.is_valid():
        try:
            services.book_settings_save(
                organization=request.membership.organization,
                by=request.user,
                allowed_handles=form.cleaned_data["allowed_handles"],
            )
            messages.success(request, _("The organization's own handles are saved."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    return see_other(reverse("publication:moderation"))


# --- staff: stories ---------------------------------------------------------------------------


@membership_required(manage=True)
def story_list(request: HttpRequest) -> HttpResponse:
    stories = selectors.stories_for(membership=request.membership)
    return render(
        request, "publication/stories.html", {"stories": stories, "organization": request.membership.organization}
    )


def _story_form(request: HttpRequest, **kwargs) -> StoryForm:
    cases = cases_visible(membership=request.membership, status=STATUS_RESOLVED)
    return StoryForm(request.POST if request.method == "POST" else None, cases=cases, **kwargs)


@membership_required(manage=True)
def story_new(request: HttpRequest) -> HttpResponse:
    form = _story_form(request)
    if request.method == "POST" and form.is_valid():
        try:
            story, findings = services.story_create(
                organization=request.membership.organization, by=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            _tell_replaced(request, findings)
            messages.success(request, _("The story is saved. Publish it when it is ready."))
            return see_other(reverse("publication:story_edit", args=[story.pk]))
    status = 400 if request.method == "POST" else 200
    return render(request, "publication/story_form.html", {"form": form, "story": None}, status=status)


@membership_required(manage=True)
def story_edit(request: HttpRequest, story_id: int) -> HttpResponse:
    story = selectors.story_get(membership=request.membership, story_id=story_id)
    initial = {
        "title": story.title,
        "you_said": story.you_said,
        "we_did": story.we_did,
        "cases": list(story.cases.values_list("pk", flat=True)),
    }
    form = _story_form(request, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            findings = services.story_update(story=story, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            _tell_replaced(request, findings)
            messages.success(request, _("The story is saved."))
            return see_other(reverse("publication:story_edit", args=[story.pk]))
    status = 400 if request.method == "POST" else 200
    return render(request, "publication/story_form.html", {"form": form, "story": story}, status=status)


@require_POST
@membership_required(manage=True)
def story_publish(request: HttpRequest, story_id: int) -> HttpResponse:
    story = selectors.story_get(membership=request.membership, story_id=story_id)
    published = request.POST.get("published") == "1"
    try:
        services.story_publish(story=story, by=request.user, published=published)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The story is published.") if published else _("The story is taken down."))
    return see_other(reverse("publication:story_edit", args=[story.pk]))


# --- public pages -----------------------------------------------------------------------------


def _public_language(request: HttpRequest, organization) -> str:
    """`?lang=`, else the organization's language: a shop's book reads in the shop's language."""
    language = request.GET.get("lang")
    return language if language in LANGUAGE_CODES else organization.default_language


def _render_public(request: HttpRequest, template: str, organization, context: dict) -> HttpResponse:
    language = _public_language(request, organization)
    # The organization's language and clock: a shop's book reads and dates the shop's way.
    with translation.override(language), timezone.override(organization.zone):
        languages = [
            {"code": code, "name": translation.get_language_info(code)["name_local"], "current": code == language}
            for code in LANGUAGE_CODES
        ]
        context = {"organization": organization, "language": language, "languages": languages} | context
        return render(request, template, context)


def book(request: HttpRequest, org_slug: str) -> HttpResponse:
    organization = selectors.organization_for_book(slug=org_slug)
    page = Paginator(selectors.book_published(organization=organization), ENTRIES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    form = selectors.book_complaint_form(organization=organization)
    complain_url = reverse("surveys:answer", args=[form[0].public_key, form[1].public_key]) if form else ""
    return _render_public(
        request, "publication/public_book.html", organization, {"page": page, "complain_url": complain_url}
    )


def book_stories(request: HttpRequest, org_slug: str) -> HttpResponse:
    organization = selectors.organization_for_book(slug=org_slug)
    stories = selectors.stories_published(organization=organization)
    return _render_public(request, "publication/public_stories.html", organization, {"stories": stories})


def story_leaflet(request: HttpRequest, org_slug: str, story_id: int) -> HttpResponse:
    organization = selectors.organization_for_book(slug=org_slug)
    story = selectors.story_published_get(organization=organization, story_id=story_id)
    size = "a6" if request.GET.get("size") == "a6" else "a5"
    return _render_public(request, "publication/leaflet.html", organization, {"story": story, "size": size})
