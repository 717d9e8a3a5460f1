"""Who may see a case: one rule for the case pages, the API and the alerts that link to them.

Managers, owners and viewers see every case of their organization; an employee sees the cases of the
locations they work at or are responsible for, and any case they hold. An alert goes only to people this
rule lets open the case, so nobody is sent a link that answers 404.
"""

from django.contrib.auth.models import User
from django.db.models import Q

from otklik.accounts.models import Membership
from otklik.accounts.selectors import visible_locations
from otklik.batch import once_per_batch
from otklik.cases.models import Case


def cases_visible_q(*, membership: Membership) -> Q:
    """The filter on Case of what this member may see (their organization is filtered by the caller too)."""
    if membership.sees_whole_organization:
        return Q(organization_id=membership.organization_id)
    return Q(organization_id=membership.organization_id) & (
        Q(location__in=visible_locations(membership=membership)) | Q(responsible_id=membership.user_id)
    )


def case_visible_to(*, case: Case, user: User) -> bool:
    """Whether this person may open this case."""
    membership = once_per_batch(
        ("active_membership", user.pk, case.organization_id),
        lambda: Membership.objects.filter(user=user, organization_id=case.organization_id, is_active=True).first(),
    )
    if membership is None:
        return False
    # What `cases_visible_q` says, without asking the database where the case alone answers: the whole
    # organization, or the case's own holder (every alert goes to its holder).
    if case.pk is not None and (membership.sees_whole_organization or case.responsible_id == user.pk):
        return True
    return Case.objects.filter(cases_visible_q(membership=membership), pk=case.pk).exists()
