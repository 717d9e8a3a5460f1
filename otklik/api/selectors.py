"""Reads behind the HTTP API: every query starts from the caller's membership."""

from datetime import datetime

from django.db.models import F, Q, QuerySet

from otklik.accounts.models import Membership, Touchpoint
from otklik.accounts.selectors import visible_touchpoints
from otklik.cases.models import Case, Step
from otklik.cases.visibility import cases_visible_q
from otklik.surveys.filters import responses_visible
from otklik.surveys.models import Response, Survey


def answers_visible(*, membership: Membership) -> QuerySet[Response]:
    """Answers the member may read, newest first, each with the id of its case (or None)."""
    return (
        responses_visible(membership=membership)
        .annotate(case_id=F("case__id"), survey_key=F("survey__public_key"))
        .prefetch_related("answers")
        .order_by("-created_at", "-id")
    )


def answers_filtered(
    *,
    membership: Membership,
    kind: str | None = None,
    location_id: int | None = None,
    touchpoint_id: int | None = None,
    score_min: int | None = None,
    score_max: int | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
) -> QuerySet[Response]:
    """Visible answers narrowed by the API's list filters; None means "any"."""
    answers = answers_visible(membership=membership)
    if kind is not None:
        answers = answers.filter(kind=kind)
    if location_id is not None:
        answers = answers.filter(location_id=location_id)
    if touchpoint_id is not None:
        answers = answers.filter(touchpoint_id=touchpoint_id)
    if score_min is not None:
        answers = answers.filter(score__gte=score_min)
    if score_max is not None:
        answers = answers.filter(score__lte=score_max)
    if created_from is not None:
        answers = answers.filter(created_at__gte=created_from)
    if created_to is not None:
        answers = answers.filter(created_at__lt=created_to)
    return answers


def answer_by_external_id(*, membership: Membership, external_id: str) -> Response | None:
    """The organization's answer with this external_id, visible or not (ids are unique per organization)."""
    return Response.objects.filter(organization=membership.organization, external_id=external_id).first()


def cases_visible(*, membership: Membership) -> QuerySet[Case]:
    """Cases the member may read, newest first."""
    return (
        Case.objects.filter(cases_visible_q(membership=membership))
        .select_related("responsible")
        .order_by("-created_at", "-id")
    )


def cases_filtered(
    *,
    membership: Membership,
    step: str | None = None,
    is_open: bool | None = None,
    location_id: int | None = None,
    responsible: str | None = None,
) -> QuerySet[Case]:
    """Visible cases narrowed by the API's list filters; None means "any"."""
    cases = cases_visible(membership=membership)
    if step is not None:
        cases = cases.filter(step=step)
    if is_open is True:
        cases = cases.exclude(step=Step.RESOLVED)
    elif is_open is False:
        cases = cases.filter(step=Step.RESOLVED)
    if location_id is not None:
        cases = cases.filter(location_id=location_id)
    if responsible is not None:
        cases = cases.filter(responsible__username=responsible)
    return cases


def surveys_of(*, membership: Membership) -> QuerySet[Survey]:
    """All the organization's surveys: every member may answer on behalf of any of them."""
    return (
        Survey.objects.filter(organization=membership.organization).prefetch_related("questions").order_by("name", "id")
    )


def survey_by_key(*, membership: Membership, key: int | str) -> Survey | None:
    """One of the organization's surveys by its id or its public key."""
    return _by_key(surveys_of(membership=membership), key)


def touchpoints_visible(*, membership: Membership) -> QuerySet[Touchpoint]:
    return visible_touchpoints(membership=membership).order_by("location__name", "name", "id")


def touchpoint_by_key(*, membership: Membership, key: int | str) -> Touchpoint | None:
    """One of the member's visible touchpoints by its id or its public key."""
    return _by_key(touchpoints_visible(membership=membership), key)


def _by_key(queryset: QuerySet, key: int | str):
    if isinstance(key, int):
        return queryset.filter(pk=key).first()
    match = Q(public_key=key)
    if key.isdigit():
        match |= Q(pk=int(key))
    return queryset.filter(match).first()
