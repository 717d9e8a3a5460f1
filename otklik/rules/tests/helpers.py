"""Small helpers for the rules tests."""

from otklik.rules.models import Rule
from otklik.rules.services import rules_ensure_defaults


def make_rule(*, organization, name: str = "Test rule", team=(), **fields) -> Rule:
    """A rule with the given conditions and actions; the shipped defaults exist first, as in real use."""
    rules_ensure_defaults(organization=organization)
    rule = Rule.objects.create(organization=organization, name=name, **fields)
    rule.team.set(team)
    return rule


def default_rule(*, organization, key: str) -> Rule:
    rules_ensure_defaults(organization=organization)
    return Rule.objects.get(organization=organization, key=key)
