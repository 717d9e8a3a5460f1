"""The rule per survey that calls an answer a complaint: its default, its editing, and whether it matches.

The rule is edited on the surveys page but belongs here, with the cases it opens; surveys sit below cases
and do not import it.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from otklik.accounts.models import Organization
from otklik.cases.models import CaseRule
from otklik.surveys.kinds import KINDS
from otklik.surveys.models import Response, Survey
from otklik.surveys.presets import KIND_CASE_NEEDS_TEXT
from otklik.surveys.services import survey_create


def case_rule_default(*, survey: Survey) -> CaseRule:
    """Create (or return) the survey's rule with its kind's default threshold."""
    spec = KINDS[survey.kind]
    rule, _created = CaseRule.objects.get_or_create(
        survey=survey,
        defaults={
            "comparison": spec.case_when,
            "threshold": spec.case_threshold,
            "needs_text": survey.kind in KIND_CASE_NEEDS_TEXT,
        },
    )
    return rule


@transaction.atomic
def survey_create_with_case_rule(*, organization: Organization, kind: str, name: str = "") -> Survey:
    """Create a survey (`surveys.services.survey_create`) with its default case rule, together."""
    survey = survey_create(organization=organization, kind=kind, name=name)
    case_rule_default(survey=survey)
    return survey


def case_rule_set(
    *, survey: Survey, comparison: str, threshold: int, enabled: bool = True, needs_text: bool | None = None
) -> CaseRule:
    """Set which scores of this survey open a complaint case (one rule per survey).

    The threshold must lie on the survey's scale, so the rule can ever match. `needs_text`
    (None keeps it) makes only answers with words open a case.
    """
    spec = survey.spec
    errors = {}
    if comparison not in CaseRule.Comparison.values:
        errors["comparison"] = _("Choose “score at most” or “score at least”.")
    if not spec.min_score <= threshold <= spec.max_score:
        errors["threshold"] = _("The threshold must be between %(min)s and %(max)s.") % {
            "min": spec.min_score,
            "max": spec.max_score,
        }
    if errors:
        raise ValidationError(errors)
    defaults = {"comparison": comparison, "threshold": threshold, "enabled": enabled}
    if needs_text is not None:
        defaults["needs_text"] = needs_text
    rule, _created = CaseRule.objects.update_or_create(survey=survey, defaults=defaults)
    # A survey object that carries its old rule must not answer with it.
    survey.case_rule = rule
    return rule


def _case_rule_of(response: Response) -> CaseRule | None:
    # The public page and the invitation load the rule with the survey (`surveys.selectors`): no query then.
    if Response.survey.is_cached(response) and Survey.case_rule.is_cached(response.survey):
        try:
            return response.survey.case_rule
        except CaseRule.DoesNotExist:
            return None
    return CaseRule.objects.filter(survey_id=response.survey_id).first()


def case_rule_matches(*, response: Response) -> bool:
    """Whether the survey's own threshold (set on the survey page) calls this answer a complaint."""
    rule = _case_rule_of(response)
    if rule is None or not rule.matches(response.score):
        return False
    # A bare "no" to readiness to complain gives nothing to act on: such a rule wants words too.
    return not rule.needs_text or bool(response.comment.strip() or response.second_answer.strip())
