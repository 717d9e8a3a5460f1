"""Colours for scores: good, middling or bad for the answer's own scale."""

from django import template

from otklik.dashboard.selectors import CSAT_SATISFIED_MIN, NPS_DETRACTOR_MAX, NPS_PROMOTER_MIN

register = template.Library()


@register.filter
def score_badge(response) -> str:
    """The badge class (ok / warn / bad) of an answer's score; empty for a scale without classes."""
    kind, score = response.kind, response.score
    if kind == "nps":
        if score >= NPS_PROMOTER_MIN:
            return "ok"
        return "bad" if score <= NPS_DETRACTOR_MAX else "warn"
    if kind in {"csat", "grade"}:
        if score >= CSAT_SATISFIED_MIN:
            return "ok"
        return "warn" if score == CSAT_SATISFIED_MIN - 1 else "bad"
    if kind == "ces":
        # Effort: 1–3 is easy, 4 is neutral, 5–7 is the default case threshold.
        if score <= 3:
            return "ok"
        return "warn" if score == 4 else "bad"
    return ""
