"""Reads for surveys: the public pages find their survey by key, the staff pages by organization."""

import time

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse

from otklik.accounts.models import Membership, Organization, Touchpoint
from otklik.accounts.selectors import site_url, visible_touchpoints
from otklik.surveys.models import Invitation, Survey
from otklik.surveys.presets import TEMPLATES, builtin_text
from otklik.surveys.questions import survey_questions

# public_survey_recent's copies: (survey key, touchpoint key) → (until, survey, touchpoint). Known links only,
# so a scan of made-up keys cannot fill it; at this many it starts again.
_recent_links: dict[tuple[str, str], tuple[float, Survey, Touchpoint]] = {}
RECENT_LINKS_MAX = 2000


def public_survey(*, survey_key: str, touchpoint_key: str) -> tuple[Survey, Touchpoint] | None:
    """The survey and touchpoint behind a public link, or None when the keys are unknown or mismatched.

    Both keys must belong to the same organization, so nobody can post answers
    to one company's survey under another company's touchpoint.
    """
    # The case rule comes along (one join): every answer asks it whether it is a complaint.
    survey = Survey.objects.select_related("organization", "case_rule").filter(public_key=survey_key).first()
    if survey is None:
        return None
    touchpoint = (
        Touchpoint.objects.select_related("location")
        .filter(public_key=touchpoint_key, organization_id=survey.organization_id)
        .first()
    )
    if touchpoint is None:
        return None
    return survey, touchpoint


def public_survey_recent(*, survey_key: str, touchpoint_key: str) -> tuple[Survey, Touchpoint] | None:
    """`public_survey`, kept in this process for OTKLIK_PUBLIC_LINK_CACHE_SECONDS with the survey's questions.

    The public answer page reads its survey, touchpoint and questions on every answer: three statements that
    cost more than storing the answer. A link's copy lives a few seconds, so a survey closed or a question
    changed shows on every process within them; this process forgets at once (`public_links_forget`).
    """
    seconds = settings.OTKLIK_PUBLIC_LINK_CACHE_SECONDS
    if seconds <= 0:
        return public_survey(survey_key=survey_key, touchpoint_key=touchpoint_key)
    key, now = (survey_key, touchpoint_key), time.monotonic()
    kept = _recent_links.get(key)
    if kept is not None and kept[0] > now:
        return kept[1], kept[2]
    found = public_survey(survey_key=survey_key, touchpoint_key=touchpoint_key)
    if found is not None:
        survey_questions(survey=found[0])  # read now: the kept survey carries them
        if len(_recent_links) >= RECENT_LINKS_MAX:
            _recent_links.clear()
        _recent_links[key] = (now + seconds, *found)
    return found


def public_links_forget() -> None:
    """Drop this process's copies of public links (a survey, its questions or a touchpoint changed here)."""
    _recent_links.clear()


def invitation_by_token(*, token: str) -> Invitation | None:
    """The invitation behind a personal link, or None; its survey and touchpoint are of one organization."""
    invitation = (
        Invitation.objects.select_related("survey__organization", "survey__case_rule", "touchpoint__location")
        .filter(token=token)
        .first()
    )
    if invitation is None or invitation.touchpoint.organization_id != invitation.survey.organization_id:
        return None
    return invitation


def survey_question(*, survey: Survey) -> str:
    """The survey's question in the active language, with the organization's name in place of {org}."""
    template = TEMPLATES.get(survey.template)
    if template is not None and template.question_key:
        return builtin_text(template.question_key)
    # replace(), not format(): a translated text with a stray brace must not break the page.
    return str(survey.spec.question).replace("{org}", survey.organization.name)


def survey_follow_up(*, survey: Survey) -> str:
    """The "why" asked under the score, in the active language (a template may ask its own)."""
    template = TEMPLATES.get(survey.template)
    if template is not None and template.follow_up_key:
        return builtin_text(template.follow_up_key)
    return str(survey.spec.follow_up)


def public_path(*, survey: Survey, touchpoint: Touchpoint) -> str:
    return reverse("surveys:answer", args=[survey.public_key, touchpoint.public_key])


def public_url(*, survey: Survey, touchpoint: Touchpoint) -> str:
    """The absolute link a QR code or a printed card carries."""
    return site_url(organization=survey.organization) + public_path(survey=survey, touchpoint=touchpoint)


def surveys_of(*, organization: Organization) -> QuerySet[Survey]:
    """The organization's surveys with their case rules."""
    return (
        Survey.objects.filter(organization=organization)
        .select_related("case_rule", "organization")
        .prefetch_related("questions")
    )


def survey_of(*, organization: Organization, survey_id: int) -> Survey | None:
    return surveys_of(organization=organization).filter(pk=survey_id).first()


def touchpoint_of(*, membership: Membership, touchpoint_id: int) -> Touchpoint | None:
    return visible_touchpoints(membership=membership).filter(pk=touchpoint_id).first()


def survey_links(*, membership: Membership) -> list[dict]:
    """Per survey, its touchpoints (of the member's visible locations) with every link staff hand out."""
    touchpoints = list(
        visible_touchpoints(membership=membership).select_related("employee").order_by("location__name", "name")
    )
    rows = []
    for survey in surveys_of(organization=membership.organization):
        links = []
        for touchpoint in touchpoints:
            keys = [survey.public_key, touchpoint.public_key]
            links.append(
                {
                    "touchpoint": touchpoint,
                    "url": public_url(survey=survey, touchpoint=touchpoint),
                    "qr_svg": reverse("surveys:qr_svg", args=keys),
                    "qr_png": reverse("surveys:qr_png", args=keys),
                    "card": reverse("surveys:card", args=[survey.pk, touchpoint.pk]),
                    "acts": reverse("surveys:acts", args=[survey.pk, touchpoint.pk]),
                }
            )
        rows.append({"survey": survey, "links": links})
    return rows
