"""SLA figures for pages owned by other apps: the dashboard card, the case card, the list badge."""

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from otklik.accounts.models import Location, Membership
from otklik.cases.models import Case
from otklik.sla.selectors import (
    SlaPolicySet,
    SlaSummary,
    case_sla_state,
    cases_held_by_urgency,
    sla_policy_for,
    sla_policy_set,
    sla_summary,
)

register = template.Library()


@register.inclusion_tag("sla/_summary.html")
def sla_summary_card(
    membership: Membership | None, location: Location | None = None, summary: SlaSummary | None = None
) -> dict:
    """`{% sla_summary_card membership location [summary] %}`: unanswered complaints and the share answered in time.

    `location` (optional, empty for all) narrows the figures like the page's location filter. `summary`: the
    figures when the page has counted them already (`/` counts them with its open cases, decision 0057).
    """
    if membership is None:
        return {"summary": None}
    if not isinstance(summary, SlaSummary):
        location = location if isinstance(location, Location) else None
        summary = sla_summary(membership=membership, location=location)
    return {"summary": summary, "membership": membership}


@register.inclusion_tag("sla/_case_state.html")
def sla_case_card(case: Case) -> dict:
    """`{% sla_case_card case %}`: the case's deadlines, whether they were kept, and its escalations."""
    policy = sla_policy_for(case=case)
    return {
        "state": case_sla_state(case=case, now=timezone.now(), policy=policy),
        "policy": policy,
        "escalations": list(case.escalations.all()),
    }


@register.inclusion_tag("sla/_my_open_cases.html")
def my_open_cases(membership: Membership | None, policies: SlaPolicySet | None = None) -> dict:
    """`{% my_open_cases membership [policies] %}`: the member's own open complaints, most urgent first, with the
    SLA clock. `policies`: the organization's, when the page has read them already."""
    if membership is None or not membership.can_work_cases:
        return {"held": []}
    policies = policies if isinstance(policies, SlaPolicySet) else None
    return {"held": cases_held_by_urgency(membership=membership, now=timezone.now(), policies=policies)}


@register.simple_tag(takes_context=True)
def sla_badge(context, case: Case) -> str:
    """`{% sla_badge case %}`: an "Overdue" badge for an open case past a deadline, else nothing.

    The organization's policies are read once per page, not once per row.
    """
    cache = context.render_context.setdefault("sla_policies", {})
    if case.organization_id not in cache:
        cache[case.organization_id] = sla_policy_set(organization=case.organization)
    if not case.is_open:
        return ""
    policy = sla_policy_for(case=case, policies=cache[case.organization_id])
    state = case_sla_state(case=case, now=timezone.now(), policy=policy)
    if case.thanked_at is None and state.first_answer_breached or state.resolution_breached:
        return format_html('<span class="badge bad" title="{}">{}</span>', _("Past its SLA deadline"), _("Overdue"))
    return ""
