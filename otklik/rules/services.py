"""Rules a manager edits: the shipped defaults, validation and saving, and what counts as praise.

Matching and acting on an answer or a case is the engine's (`rules/engine.py`). See docs/decisions/0003-rules.md.
"""

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from otklik.accounts.models import Membership, Organization, Role
from otklik.messaging.defaults import DEFAULTS
from otklik.rules.models import AssignMode, Rule, ScoreBand, Trigger
from otklik.sla.selectors import SEGMENT_LABEL, segment_normalize
from otklik.surveys.kinds import KINDS

logger = logging.getLogger(__name__)


def is_praise(*, kind: str, score: int) -> bool:
    """Whether a score is at the top of its scale, as its survey kind defines praise (surveys.kinds)."""
    return score in KINDS[kind].praise


# ---------------------------------------------------------------- default rules


def _default_rules() -> list[dict]:
    return [
        {
            "key": "detractors",
            "name": _("Detractors open a case"),
            "order": 10,
            "band": ScoreBand.COMPLAINT,
            "open_case": True,
            "notify": True,
        },
        {
            "key": "thanks_for_thanks",
            "name": _("Thanks for thanks"),
            "order": 20,
            "kinds": ["nps"],
            "score_min": 9,
            "needs_comment": True,
            "needs_customer_email": True,
            "send_template": "praise_thank_you",
        },
        {
            "key": "praise_names_employee",
            "name": _("Praise that names an employee"),
            "order": 30,
            "band": ScoreBand.PRAISE,
            "needs_comment": True,
            "names_employee": True,
            "forward_to_named": True,
        },
    ]


def rules_ensure_defaults(*, organization: Organization) -> bool:
    """Create the shipped rules the first time an organization uses rules (never again, even if disabled).

    Returns whether it created them.
    """
    if Rule.objects.filter(organization=organization).exists():
        return False
    with translation.override(organization.default_language):
        for spec in _default_rules():
            key = spec.pop("key")
            # get_or_create: two first answers arriving together must not ship the defaults twice.
            Rule.objects.get_or_create(organization=organization, key=key, defaults=spec)
    return True


# ---------------------------------------------------------------- editing


RULE_FIELDS = [
    "name",
    "enabled",
    "order",
    "trigger",
    "survey",
    "kinds",
    "band",
    "score_min",
    "score_max",
    "touchpoint",
    "location",
    "segment",
    "words",
    "needs_comment",
    "needs_customer_email",
    "names_employee",
    "question",
    "answer_value",
    "open_case",
    "assign_mode",
    "assign_to",
    "notify",
    "send_template",
    "bonus",
    "forward_to_named",
    "stop_processing",
]


def clean_words(words: str) -> str:
    """ "Rude,  slow ,,rude" → "rude, slow": trimmed, lower-case, no empties or repeats."""
    seen: list[str] = []
    for word in words.split(","):
        word = " ".join(word.split()).lower()
        if word and word not in seen:
            seen.append(word)
    return ", ".join(seen)


def clean_segments(segments: str) -> str:
    """ "At Risk,  champions,,at_risk" → "at_risk, champions": the labels as the customer base stores them."""
    seen: list[str] = []
    for segment in segments.split(","):
        segment = segment_normalize(segment)
        if segment and segment not in seen:
            seen.append(segment)
    return ", ".join(seen)


def rule_errors(*, organization: Organization, data: dict) -> dict[str, str]:
    """Field → message for everything wrong with a rule's settings; empty when it is valid."""
    errors: dict[str, str] = {}
    survey, kinds = data.get("survey"), list(data.get("kinds") or [])
    for name in ("survey", "touchpoint", "location"):
        value = data.get(name)
        if value is not None and value.organization_id != organization.pk:
            errors[name] = _("Choose one of your organization's own.")
    segments = [segment for segment in clean_segments(data.get("segment") or "").split(", ") if segment]
    bad_segments = [segment for segment in segments if not SEGMENT_LABEL.match(segment)]
    if bad_segments:
        errors["segment"] = _(
            "“%(segment)s” is not a segment name: use letters, digits, “_” or “-”, at most 30 characters each."
        ) % {"segment": bad_segments[0]}
    if len(data.get("segment") or "") > 100:
        errors["segment"] = _("Name at most a few segments (100 characters in all).")
    question = data.get("question")
    if question is not None and question.survey.organization_id != organization.pk:
        errors["question"] = _("Choose one of your organization's own.")
    elif question is None and (data.get("answer_value") or "").strip():
        errors["question"] = _("Choose the question whose answer the rule looks at.")
    tags = list(data.get("tags") or [])
    if any(tag.organization_id != organization.pk for tag in tags):
        errors["tags"] = _("Choose one of your organization's own.")
    unknown = [kind for kind in kinds if kind not in KINDS]
    if unknown:
        errors["kinds"] = _("Unknown survey kind.")
    score_min, score_max = data.get("score_min"), data.get("score_max")
    if score_min is not None and score_max is not None and score_min > score_max:
        errors["score_max"] = _("The highest score must not be below the lowest.")
    scales = [KINDS[survey.kind]] if survey is not None else [KINDS[kind] for kind in kinds if kind in KINDS]
    if not scales:
        scales = list(KINDS.values())
    low, high = min(spec.min_score for spec in scales), max(spec.max_score for spec in scales)
    for name, value in (("score_min", score_min), ("score_max", score_max)):
        if value is not None and not low <= value <= high and name not in errors:
            errors[name] = _("The score must be between %(min)s and %(max)s on this survey's scale.") % {
                "min": low,
                "max": high,
            }
    trigger = data.get("trigger") or Trigger.ANSWER
    if trigger not in Trigger.values:
        errors["trigger"] = _("Unknown trigger.")
    if data.get("open_case") and trigger != Trigger.ANSWER:
        errors["open_case"] = _("Only a rule on answers can open a case: a new case is already open.")
    template = data.get("send_template") or ""
    if template and template not in DEFAULTS:
        errors["send_template"] = _("Unknown message template.")
    mode = data.get("assign_mode") or AssignMode.RESPONSIBLE
    if mode not in AssignMode.values:
        errors["assign_mode"] = _("Unknown way to assign.")
    members = Membership.objects.filter(organization=organization, is_active=True).exclude(role=Role.VIEWER)
    assign_to = data.get("assign_to")
    if mode == AssignMode.PERSON and assign_to is None:
        errors["assign_to"] = _("Choose the person to assign to.")
    if assign_to is not None and not members.filter(user=assign_to).exists():
        errors["assign_to"] = _("The person must be a member of the organization who can work on cases.")
    team = list(data.get("team") or [])
    if mode == AssignMode.TEAM and not team:
        errors["team"] = _("Choose at least one team member.")
    if team and members.filter(user__in=team).count() != len({user.pk for user in team}):
        errors["team"] = _("Every team member must be a member of the organization who can work on cases.")
    if not (data.get("name") or "").strip():
        errors["name"] = _("Give the rule a name.")
    return errors


@transaction.atomic
def rule_save(*, organization: Organization, data: dict, rule: Rule | None = None) -> Rule:
    """Create or update a rule after validating it (raises ValidationError with field errors)."""
    data = {**data, "words": clean_words(data.get("words") or ""), "name": (data.get("name") or "").strip()}
    data["segment"] = clean_segments(data.get("segment") or "")
    data["bonus"] = (data.get("bonus") or "").strip()
    errors = rule_errors(organization=organization, data=data)
    if errors:
        raise ValidationError(errors)
    rule = rule or Rule(organization=organization)
    for name in RULE_FIELDS:
        if name in data:
            setattr(rule, name, data[name])
    rule.kinds = list(rule.kinds or [])
    rule.save()
    if "team" in data:
        rule.team.set(data["team"] or [])
    if "tags" in data:
        rule.tags.set(data["tags"] or [])
    return rule


def rule_set_enabled(*, rule: Rule, enabled: bool) -> Rule:
    """Switch a rule on or off without touching its settings."""
    if rule.enabled != enabled:
        rule.enabled = enabled
        rule.save(update_fields=["enabled"])
    return rule
