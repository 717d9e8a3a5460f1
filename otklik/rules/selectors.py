"""Reads for rules: the organization's rules, their failures, who is next in a team, who a comment names."""

from django.contrib.auth.models import User
from django.db.models import Count, Max, Q, QuerySet
from django.http import Http404

from otklik.accounts.models import Membership, Organization, Role
from otklik.batch import once_per_batch
from otklik.rules.models import Rule, RuleRun

FAILURES_SHOWN = 50


def rules_for(*, organization: Organization) -> QuerySet[Rule]:
    """The organization's rules in the order they run."""
    return (
        Rule.objects.filter(organization=organization)
        .select_related("survey", "touchpoint", "location", "assign_to", "question")
        .prefetch_related("tags")
        .order_by("order", "id")
    )


def rule_get(*, membership: Membership, rule_id: int) -> Rule:
    """One rule of the member's organization; Http404 for any other."""
    rule = rules_for(organization=membership.organization).filter(pk=rule_id).first()
    if rule is None:
        raise Http404("No such rule.")
    return rule


def rule_failures(*, organization: Organization, limit: int = FAILURES_SHOWN) -> QuerySet[RuleRun]:
    """The latest failed rule runs, newest first, for the manager to see and fix."""
    return (
        RuleRun.objects.filter(organization=organization, ok=False)
        .select_related("rule", "response", "case")
        .order_by("-created_at", "-id")[:limit]
    )


def organization_workers(*, organization: Organization) -> QuerySet[User]:
    """Members who may hold cases (everyone but read-only viewers)."""
    return (
        User.objects.filter(
            memberships__organization=organization, memberships__role__in=[Role.OWNER, Role.MANAGER, Role.EMPLOYEE]
        )
        .distinct()
        .order_by("username")
    )


def round_robin_next(*, organization: Organization, team: QuerySet[User] | list[User]) -> User | None:
    """The team member to get the next case: fewest open cases, then least recently assigned, then by name.

    Deterministic, so two identical teams in the same state always pick the same person.
    """
    from otklik.cases.models import Step

    ids = [user.pk for user in team]
    if not ids:
        return None
    cases_here = Q(cases__organization=organization)
    ranked = User.objects.filter(pk__in=ids).annotate(
        open_cases=Count("cases", filter=cases_here & ~Q(cases__step=Step.RESOLVED)),
        last_assigned=Max("cases__created_at", filter=cases_here),
    )
    # Sorted here, not in SQL: SQLite puts NULL first and PostgreSQL last, and someone who never held a case
    # must come first on both.
    return min(
        ranked,
        key=lambda user: (user.open_cases, user.last_assigned is not None, user.last_assigned, user.username, user.pk),
    )


def employees_named(*, organization: Organization, text: str, language: str = "") -> list[User]:
    """Members whose first name, last name or user name the text mentions (in any grammatical form)."""
    from otklik.insights import text as textlib

    if not text.strip():
        return []
    tokens = set(textlib.words(text))
    language = language if language in textlib.LANGUAGES else textlib.detect_language(text)
    # "Спасибо Ольге" names Olga: compare dictionary forms too, not only the written form.
    tokens |= {textlib.lemma(token, language) for token in tokens}
    named = []
    workers = once_per_batch(
        ("organization_workers", organization.pk), lambda: list(organization_workers(organization=organization))
    )
    for user in workers:
        names = {user.first_name.lower(), user.last_name.lower(), user.username.lower()}
        names = {name for name in names if len(name) >= 3}
        forms = names | {textlib.lemma(name, language) for name in names}
        if forms & tokens:
            named.append(user)
    return named
