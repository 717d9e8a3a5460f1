"""Reads that decide who sees what: every organization query starts here.

Only active memberships count: a deactivated member keeps their history but sees nothing.
"""

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import Q, QuerySet
from django.utils import translation

from otklik.accounts.models import ApiToken, Location, MemberInvitation, Membership, Organization, Touchpoint
from otklik.batch import once_per_batch


def memberships_of(*, user: User) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user, is_active=True)
        .select_related("organization")
        .order_by("organization__name", "organization_id")
    )


def membership_for(*, user: User, organization_id: int | None = None) -> Membership | None:
    """The user's active membership in the given organization, or their first active one."""
    if not user.is_authenticated:
        return None
    memberships = memberships_of(user=user)
    if organization_id is not None:
        chosen = memberships.filter(organization_id=organization_id).first()
        if chosen is not None:
            return chosen
    return memberships.first()


def visible_locations(*, membership: Membership) -> QuerySet[Location]:
    """Locations whose data this member may see: all for managers; for employees, those they work at
    and those they are responsible for (whoever gets a location's alerts must be able to open them)."""
    locations = Location.objects.filter(organization=membership.organization)
    if membership.sees_whole_organization:
        return locations
    return locations.filter(Q(members=membership) | Q(responsible_id=membership.user_id)).distinct()


def visible_touchpoints(*, membership: Membership) -> QuerySet[Touchpoint]:
    return Touchpoint.objects.filter(
        organization=membership.organization, location__in=visible_locations(membership=membership)
    ).select_related("location")


def organization_members(*, organization: Organization) -> QuerySet[Membership]:
    return Membership.objects.filter(organization=organization).select_related("user")


def team_members(*, organization: Organization) -> QuerySet[Membership]:
    """Everyone on the team page: active first, then deactivated, each with their locations."""
    return (
        Membership.objects.filter(organization=organization)
        .select_related("user")
        .prefetch_related("locations")
        .order_by("-is_active", "user__username")
    )


def member_get(*, organization: Organization, membership_id: int) -> Membership | None:
    return team_members(organization=organization).filter(pk=membership_id).first()


def pending_invitations(*, organization: Organization) -> QuerySet[MemberInvitation]:
    return (
        MemberInvitation.objects.filter(organization=organization, accepted_at=None, cancelled_at=None)
        .select_related("invited_by")
        .prefetch_related("locations")
    )


def invitation_get(*, organization: Organization, invitation_id: int) -> MemberInvitation | None:
    return pending_invitations(organization=organization).filter(pk=invitation_id).first()


def api_tokens_visible(*, membership: Membership) -> QuerySet[ApiToken]:
    """An owner sees every token of the organization; everyone else their own."""
    tokens = ApiToken.objects.filter(organization=membership.organization).select_related("user")
    if membership.role != "owner":
        tokens = tokens.filter(user=membership.user)
    return tokens.order_by("-created_at", "-id")


def site_url(*, organization: Organization | None = None) -> str:
    """Where people reach Otklik, for links in QR codes, e-mails and alerts: the organization's own address
    when it set one, else OTKLIK_SITE_URL (which `make run` sets from the port it serves)."""
    own = organization.site_url.strip() if organization is not None else ""
    return (own or settings.SITE_URL).rstrip("/")


def member_language(*, user: User, organization: Organization) -> str:
    """The language to write to this person in (alerts, escalations, digests, call scripts): their own,
    else the organization's."""
    own = once_per_batch(
        ("member_language", user.pk, organization.pk),
        lambda: (
            Membership.objects.filter(user=user, organization=organization).values_list("language", flat=True).first()
        ),
    )
    return own or organization.default_language


def in_organization_language(organization: Organization) -> translation.override:
    """Write what the staff read later (a case's history, a rule's log) in the organization's language.

    Such a text is written under whatever language is active: the customer's on the survey page, English in the
    worker; it is stored once and read by every member, so neither is right (decision 0070).
    """
    return translation.override(organization.default_language)
