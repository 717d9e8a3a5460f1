"""Loyalty factors: the themes page, a theme's page with a manager's shaping, departments, one answer."""

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _

from otklik.accounts.decorators import membership_required
from otklik.accounts.selectors import visible_locations
from otklik.insights import selectors, services
from otklik.insights.forms import (
    DepartmentForm,
    DiscoverForm,
    KeywordForm,
    MergeForm,
    ProfanityWordForm,
    RenameForm,
    SplitForm,
    ThemeDepartmentForm,
)
from otklik.insights.models import ProfanityWord, Theme, ThemeJob
from otklik.insights.other import other_answers
from otklik.insights.representativeness import response_representativeness
from otklik.surveys.filters import PeriodFilterForm, responses_filter, responses_visible

EXAMPLES_SHOWN = 20
TRENDS_CHARTED = 6


def _see_other(url: str) -> HttpResponseRedirect:
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def _period(request: HttpRequest):
    """The period/location filter and the answers it leaves the member, or (form, None) when invalid."""
    membership = request.membership
    tz = membership.organization.zone
    form = PeriodFilterForm(request.GET or None, membership=membership)
    if form.is_bound and not form.is_valid():
        return form, None, tz
    filters = form.cleaned_data if form.is_bound else {}
    answers = responses_filter(
        qs=responses_visible(membership=membership),
        tz=tz,
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
        location=filters.get("location"),
    )
    return form, answers, tz


def _counted(membership, form):
    """The rollups of the page's answers (period, location, the member's places) when they are current, else None."""
    filters = form.cleaned_data if form.is_bound else {}
    return selectors.counted_for(
        membership=membership,
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
        location=filters.get("location"),
    )


def _month_label(month) -> str:
    return formats.date_format(month, "YEAR_MONTH_FORMAT")


@membership_required
def index(request: HttpRequest) -> HttpResponse:
    membership = request.membership
    organization = membership.organization
    form, answers, tz = _period(request)
    context = {"form": form, "summaries": [], "chart_data": None, "manage": membership.can_manage}
    if answers is None:
        return render(request, "insights/index.html", context, status=400)
    # The rollups of the same answers when they are current: the same figures without reading every answer.
    counted = _counted(membership, form)
    summaries = selectors.theme_summaries(organization=organization, qs=answers, counted=counted)
    trend = selectors.themes_trend(organization=organization, qs=answers, tz=tz, counted=counted)
    charted = [s.weight.theme for s in summaries if s.weight.count][:TRENDS_CHARTED]
    context.update(
        summaries=summaries,
        other=other_answers(organization=organization, qs=answers, counted=counted) if summaries else None,
        jobs=selectors.theme_jobs_recent(organization=organization),
        chart_data={
            "labels": [_month_label(month) for month in trend.months],
            # xgettext:no-python-format
            "title": _("% of answers with a comment"),
            "series": [
                {"label": theme.name, "values": trend.shares.get(theme.id, [0] * len(trend.months))}
                for theme in charted
            ],
        }
        if trend.months and charted
        else None,
    )
    if membership.can_manage:
        context.update(
            discover_form=DiscoverForm(),
            merge_form=MergeForm(organization=organization),
            profanity_form=ProfanityWordForm(),
            profanity_words=ProfanityWord.objects.filter(organization=organization),
        )
    return render(request, "insights/index.html", context)


@membership_required(manage=True)
def profanity_words(request: HttpRequest) -> HttpResponse:
    """Add (POST `word`) or remove (POST `remove`) one of the organization's own words to mask."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    organization = request.membership.organization
    if request.POST.get("remove"):
        try:
            word_id = int(request.POST["remove"])
        except ValueError:
            raise Http404 from None
        services.profanity_word_remove(organization=organization, word_id=word_id)
        messages.success(request, _("The word is no longer masked."))
        return _see_other(reverse("insights:index") + "#profanity")
    form = ProfanityWordForm(request.POST)
    if form.is_valid():
        try:
            services.profanity_word_add(organization=organization, word=form.cleaned_data["word"], actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The word is masked from now on."))
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return _see_other(reverse("insights:index") + "#profanity")


@membership_required(manage=True)
def discover(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = DiscoverForm(request.POST)
    if form.is_valid():
        services.theme_job_request(
            organization=request.membership.organization,
            kind=ThemeJob.Kind.DISCOVER,
            k=form.cleaned_data["k"],
            user=request.user,
        )
        messages.success(request, _("Discovery has started; the themes will be ready in a minute or so."))
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return _see_other(reverse("insights:index"))


@membership_required(manage=True)
def merge(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    organization = request.membership.organization
    form = MergeForm(request.POST, organization=organization)
    if form.is_valid():
        themes = sorted(form.cleaned_data["themes"], key=lambda theme: theme.pk)
        try:
            merged = services.themes_merge(organization=organization, themes=themes, name=form.cleaned_data["name"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The themes are merged."))
            return _see_other(reverse("insights:theme", args=[merged.pk]))
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return _see_other(reverse("insights:index"))


def _theme_or_404(request: HttpRequest, theme_id: int) -> Theme:
    theme = selectors.theme_get(organization=request.membership.organization, theme_id=theme_id)
    if theme is None:
        raise Http404
    return theme


def _theme_page(request: HttpRequest, theme: Theme, *, bound: dict | None = None, status: int = 200) -> HttpResponse:
    membership = request.membership
    organization = membership.organization
    form, answers, tz = _period(request)
    context = {"theme": theme, "form": form, "manage": membership.can_manage}
    if answers is None:
        return render(request, "insights/theme.html", context, status=400)
    # The rollups of the same answers when they are current, read as /insights/ reads them: the weight, trend,
    # places and "Other" from one read of the tag rollups and the answer rollups' sums (docs/decisions/0071).
    counted = _counted(membership, form)
    weights = selectors.theme_weights(organization=organization, qs=answers, counted=counted)
    weight = next((w for w in weights if w.theme == theme), None)
    trend = selectors.theme_trend_by_month(theme=theme, qs=answers, tz=tz, counted=counted)
    examples_at = None
    chosen = form.cleaned_data.get("location") if form.is_bound else None
    if not membership.sees_whole_organization and chosen is None:
        # A member who sees a few stores: their examples by one bounded walk per store (docs/decisions/0073).
        examples_at = sorted(visible_locations(membership=membership).values_list("id", flat=True))
    context.update(
        other=other_answers(organization=organization, qs=answers, counted=counted),
        weight=weight,
        trend=trend,
        places=selectors.theme_concentration(theme=theme, qs=answers, counted=counted),
        examples=selectors.theme_examples(theme=theme, qs=answers, limit=EXAMPLES_SHOWN, location_ids=examples_at),
        chart_data={
            "labels": [_month_label(row.month) for row in trend],
            # xgettext:no-python-format
            "title": _("% of answers with a comment"),
            "series": [{"label": theme.name, "values": [row.share for row in trend]}],
        }
        if trend
        else None,
    )
    if membership.can_manage:
        bound = bound or {}
        context.update(
            rename_form=bound.get("rename") or RenameForm(initial={"name": theme.name}),
            pin_form=bound.get("pin") or KeywordForm(prefix="pin"),
            ban_form=bound.get("ban") or KeywordForm(prefix="ban"),
            split_form=bound.get("split") or SplitForm(),
            department_form=bound.get("department")
            or ThemeDepartmentForm(organization=organization, initial={"department": theme.department}),
        )
    return render(request, "insights/theme.html", context, status=status)


@membership_required
def theme_detail(request: HttpRequest, theme_id: int) -> HttpResponse:
    return _theme_page(request, _theme_or_404(request, theme_id))


def _shape(
    request: HttpRequest, theme_id: int, *, name: str, form: forms.Form, action: Callable[[Theme, dict], object]
) -> HttpResponse:
    # The theme check comes first, so a stranger gets 404 whatever the method.
    theme = _theme_or_404(request, theme_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if form.is_valid():
        try:
            result = action(theme, form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Saved."))
            target = result if isinstance(result, Theme) else theme
            return _see_other(reverse("insights:theme", args=[target.pk]))
    theme.refresh_from_db()
    return _theme_page(request, theme, bound={name: form}, status=400)


@membership_required(manage=True)
def theme_rename(request: HttpRequest, theme_id: int) -> HttpResponse:
    return _shape(
        request,
        theme_id,
        name="rename",
        form=RenameForm(request.POST),
        action=lambda theme, data: services.theme_rename(theme=theme, name=data["name"]),
    )


@membership_required(manage=True)
def theme_pin(request: HttpRequest, theme_id: int) -> HttpResponse:
    return _shape(
        request,
        theme_id,
        name="pin",
        form=KeywordForm(request.POST, prefix="pin"),
        action=lambda theme, data: services.theme_pin_keyword(theme=theme, keyword=data["keyword"]),
    )


@membership_required(manage=True)
def theme_ban(request: HttpRequest, theme_id: int) -> HttpResponse:
    return _shape(
        request,
        theme_id,
        name="ban",
        form=KeywordForm(request.POST, prefix="ban"),
        action=lambda theme, data: services.theme_ban_keyword(theme=theme, keyword=data["keyword"]),
    )


@membership_required(manage=True)
def theme_split(request: HttpRequest, theme_id: int) -> HttpResponse:
    return _shape(
        request,
        theme_id,
        name="split",
        form=SplitForm(request.POST),
        action=lambda theme, data: services.theme_split(theme=theme, keywords=data["keywords"], name=data["name"]),
    )


@membership_required(manage=True)
def theme_department(request: HttpRequest, theme_id: int) -> HttpResponse:
    return _shape(
        request,
        theme_id,
        name="department",
        form=ThemeDepartmentForm(request.POST, organization=request.membership.organization),
        action=lambda theme, data: services.theme_assign_department(theme=theme, department=data["department"]),
    )


@membership_required(manage=True)
def departments(request: HttpRequest) -> HttpResponse:
    organization = request.membership.organization
    form = DepartmentForm(request.POST or None, organization=organization)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.department_save(
                    organization=organization, name=form.cleaned_data["name"], members=form.cleaned_data["members"]
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The department is added."))
                return _see_other(reverse("insights:departments"))
        status = 400
    context = {"departments": selectors.departments_for(organization=organization), "form": form}
    return render(request, "insights/departments.html", context, status=status)


@membership_required(manage=True)
def department_edit(request: HttpRequest, department_id: int) -> HttpResponse:
    organization = request.membership.organization
    department = selectors.department_get(organization=organization, department_id=department_id)
    if department is None:
        raise Http404
    initial = {"name": department.name, "members": list(department.members.all())}
    form = DepartmentForm(request.POST or None, organization=organization, initial=initial)
    status = 200
    if request.method == "POST":
        if request.POST.get("delete"):
            services.department_delete(department=department)
            messages.success(request, _("The department is deleted; its themes are unassigned."))
            return _see_other(reverse("insights:departments"))
        if form.is_valid():
            try:
                services.department_save(
                    organization=organization,
                    department=department,
                    name=form.cleaned_data["name"],
                    members=form.cleaned_data["members"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Saved."))
                return _see_other(reverse("insights:departments"))
        status = 400
    context = {"department": department, "form": form, "themes": list(department.themes.all())}
    return render(request, "insights/department.html", context, status=status)


@membership_required
def answer_detail(request: HttpRequest, response_id: int) -> HttpResponse:
    response = selectors.response_get(membership=request.membership, response_id=response_id)
    if response is None:
        raise Http404
    context = {
        "response": response,
        "themes": selectors.answer_themes(response=response),
        "representativeness": response_representativeness(response=response),
        "tz": request.membership.organization.zone,
    }
    return render(request, "insights/answer.html", context)
