"""Colours for scores: good, middling or bad for the answer's own scale."""

from django import template

from otklik.surveys.kinds import KINDS

register = template.Library()


@register.filter
def score_badge(response) -> str:
    """The badge class (ok / warn / bad) of an answer's score, as its kind colours it; empty for a scale without."""
    kind = KINDS.get(response.kind)
    return kind.badge(response.score) if kind is not None else ""
