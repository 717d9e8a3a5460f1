"""The panel the case page includes: improvements, loyalty after recovery, call script."""

from django import template

from otklik.improvements.forms import CaseLinkForm, ContactAttemptForm
from otklik.improvements.models import ContactWay
from otklik.improvements.scripts import call_scripts
from otklik.improvements.selectors import case_improvements, contact_attempts, improvements_open, recovery_for_case

register = template.Library()


@register.simple_tag(takes_context=True)
def improvements_case_panel(context) -> dict:
    """Everything the panel shows for the page's `case`, within what the page's member may do.

    The case page's view belongs to the cases app, so the panel gathers its own data here.
    """
    case, membership, user = context["case"], context["membership"], context["user"]
    link_form = None
    if membership.can_manage:
        linkable = improvements_open(membership=membership).exclude(links__case=case)
        if linkable.exists():
            link_form = CaseLinkForm(improvements=linkable)
    return {
        "improvements": case_improvements(case=case),
        "link_form": link_form,
        "recovery": recovery_for_case(case=case),
        "scripts": call_scripts(case=case, employee=user),
        "contact_form": (ContactAttemptForm(initial={"way": ContactWay.PHONE}) if membership.can_work_cases else None),
        "attempts": contact_attempts(case=case),
    }


@register.inclusion_tag("improvements/_recovery_card.html")
def recovery_card(membership) -> dict:
    """Loyalty after recovery (C9) for the dashboard: the score before and after, per survey kind."""
    from otklik.accounts.selectors import visible_locations
    from otklik.improvements.selectors import recovery_scores

    locations = None if membership.sees_whole_organization else visible_locations(membership=membership)
    return {"rows": recovery_scores(organization=membership.organization, locations=locations)}
