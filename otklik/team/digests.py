"""The weekly digest of a department's themes (F1), sent through the outbox by the worker.

Each member of a department that owns themes gets, once per ISO week from Monday
DIGEST_HOUR (the organization's time), last week's answers on those themes: how many,
how many from detractors, and a few example answers with insults masked (D2). The
outbox key names the department, the person and the week, so a second worker or a
second minute sends nothing twice. An employee reads only the answers of their locations.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from otklik.accounts.models import Membership
from otklik.accounts.selectors import member_language, site_url
from otklik.insights.models import Department, Theme
from otklik.insights.selectors import masked_text
from otklik.messaging.models import OutboxMessage
from otklik.rollups.metrics import NPS
from otklik.sla.selectors import alert_channels_for
from otklik.sla.services import alert_send
from otklik.surveys.filters import responses_visible
from otklik.surveys.models import Response

DIGEST_HOUR = 8
EXAMPLES_PER_THEME = 3
EXAMPLE_CHARS = 300


@dataclass(frozen=True)
class DigestTheme:
    theme: Theme
    count: int
    detractors: int
    examples: list[Response]


def digest_week(*, now: datetime.datetime, tz: datetime.tzinfo) -> tuple[str, datetime.datetime, datetime.datetime]:
    """This ISO week's label ("2026-W49") and the previous week it reports on, [Monday, Monday)."""
    local = timezone.localtime(now, tz)
    monday = datetime.datetime.combine(local.date() - datetime.timedelta(days=local.weekday()), datetime.time.min, tz)
    year, week, _day = local.isocalendar()
    return f"{year}-W{week:02d}", monday - datetime.timedelta(days=7), monday


def department_digest(
    *, department: Department, answers: QuerySet[Response], since: datetime.datetime, until: datetime.datetime
) -> list[DigestTheme]:
    """The department's themes with last week's answers among `answers`; themes nobody mentioned are left out."""
    week = answers.filter(created_at__gte=since, created_at__lt=until)
    themes = (
        Theme.objects.filter(department=department)
        .annotate(
            count=Count("answer_themes", filter=Q(answer_themes__response__in=week)),
            detractors=Count(
                "answer_themes",
                filter=Q(answer_themes__response__in=week) & NPS.bad_q("answer_themes__response__score"),
            ),
        )
        .filter(count__gt=0)
        .order_by("-detractors", "-count", "name")
    )
    return [
        DigestTheme(
            theme=theme,
            count=theme.count,
            detractors=theme.detractors,
            examples=list(
                week.filter(answer_themes__theme=theme)
                .select_related("location")
                .order_by("score", "-created_at", "-id")[:EXAMPLES_PER_THEME]
            ),
        )
        for theme in themes
    ]


def _example_line(response: Response) -> str:
    parts = (response.comment, response.second_answer)
    text = " ".join(masked_text("\n".join(p for p in parts if p), response.organization_id).split())
    if len(text) > EXAMPLE_CHARS:
        text = text[: EXAMPLE_CHARS - 1] + "…"
    return _("    %(score)s, %(location)s: “%(text)s” %(url)s") % {
        "score": response.score,
        "location": response.location.name,
        "text": text,
        "url": site_url(organization=response.organization) + reverse("insights:answer", args=[response.pk]),
    }


def digest_message(
    *,
    department: Department,
    items: list[DigestTheme],
    since: datetime.datetime,
    until: datetime.datetime,
    language: str = "",
) -> tuple[str, str]:
    """Subject and body of one department's weekly digest, in the recipient's language (else the organization's)."""
    organization = department.organization
    with translation.override(language or organization.default_language):
        period = {
            "since": formats.date_format(since, "DATE_FORMAT"),
            "until": formats.date_format(until - datetime.timedelta(days=1), "DATE_FORMAT"),
        }
        subject = _("%(department)s: what customers said about your themes, %(since)s – %(until)s") % {
            "department": department.name,
            **period,
        }
        lines = [_("Answers about the themes of %(department)s last week:") % {"department": department.name}, ""]
        for item in items:
            lines.append(
                _("%(theme)s: %(count)s answers, %(detractors)s of them from detractors. %(url)s")
                % {
                    "theme": item.theme.name,
                    "count": item.count,
                    "detractors": item.detractors,
                    "url": site_url(organization=organization) + reverse("insights:theme", args=[item.theme.pk]),
                }
            )
            lines += [_example_line(example) for example in item.examples]
            lines.append("")
        lines.append(
            _("All loyalty factors: %(url)s") % {"url": site_url(organization=organization) + reverse("insights:index")}
        )
    return str(subject), "\n".join(str(line) for line in lines)


def department_digests_due(*, now: datetime.datetime | None = None) -> int:
    """Queue this week's digest for each member of each department that owns a theme.

    From Monday DIGEST_HOUR local time on, once per person, department and ISO week; a
    week without answers on the department's themes sends nothing. Returns how many
    people got a digest now.
    """
    now = now or timezone.now()
    sent = 0
    departments = (
        Department.objects.filter(themes__isnull=False)
        .distinct()
        .select_related("organization")
        .prefetch_related(Prefetch("members"))
        .order_by("organization_id", "id")
    )
    for department in departments:
        organization = department.organization
        tz = organization.zone
        local = timezone.localtime(now, tz)
        if local.weekday() == 0 and local.hour < DIGEST_HOUR:
            continue
        week, since, until = digest_week(now=now, tz=tz)
        memberships = {
            m.user_id: m
            for m in Membership.objects.filter(organization=organization, is_active=True).select_related("organization")
        }
        for user in department.members.all():
            membership = memberships.get(user.pk)
            if membership is None:  # left the organization; the department list is stale
                continue
            key = f"themes-digest:{department.pk}:{user.pk}:{week}"
            if OutboxMessage.objects.filter(key__startswith=f"{key}:").exists():
                continue
            if not alert_channels_for(user=user, organization=organization):
                continue
            membership.user = user
            items = department_digest(
                department=department, answers=responses_visible(membership=membership), since=since, until=until
            )
            if not items:
                continue
            language = member_language(user=user, organization=organization)
            subject, body = digest_message(
                department=department, items=items, since=since, until=until, language=language
            )
            sent += bool(
                alert_send(
                    organization=organization, user=user, key=key, subject=subject, body=body, kind="themes_digest"
                )
            )
    return sent
