"""An answer arrives: store it, let the rules act, schedule its tagging, count it in the rollups.

Every way in (the public page, an invitation, the API, the demo, the test factories) calls
`answer_receive`; the apps below only do their own part and never call each other upward.
"""

from datetime import datetime

from django.db import IntegrityError, transaction

from otklik.accounts.models import Touchpoint
from otklik.insights.services import response_tag_later
from otklik.intake.complaints import complaint_open_for_answer
from otklik.rollups.services import rollup_add_response
from otklik.rules.engine import rules_apply_to_response
from otklik.rules.models import RuleRun
from otklik.surveys.models import Invitation, Response, Source, Survey
from otklik.surveys.next_step import response_add_followup
from otklik.surveys.services import AnswerInput, answer_check, response_by_external_id, response_store


def answer_receive(
    *,
    survey: Survey,
    touchpoint: Touchpoint,
    answer: AnswerInput,
    invitation: Invitation | None = None,
    source: str = Source.WEB,
    external_id: str | None = None,
    created_at: datetime | None = None,
    score_is_derived: bool = False,
    notify: bool = True,
) -> Response:
    """Validate and store one answer, then let the organization's rules act on it (open a case, reply, …).

    Everything happens in one transaction: either the answer, its case, its rollup count and the
    queued messages are all stored, or nothing is. A repeated `external_id` returns the stored answer
    unchanged. `notify=False` opens the case without queueing any alert or customer message.
    Raises ValidationError, `SurveyClosed` or `InvitationUsed` (surveys.services).
    """
    extra = answer_check(survey=survey, touchpoint=touchpoint, answer=answer)
    if external_id:
        existing = response_by_external_id(survey=survey, external_id=external_id)
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            response = response_store(
                survey=survey,
                touchpoint=touchpoint,
                answer=answer,
                extra=extra,
                invitation=invitation,
                source=source,
                external_id=external_id,
                created_at=created_at,
                score_is_derived=score_is_derived,
            )
            answer_rules_run(response=response, notify=notify)
            response_tag_later(response=response)
            # Last, so the rollup row's lock is held only until the commit right after.
            rollup_add_response(response=response, organization=survey.organization)
    except IntegrityError:
        # Two pushes of the same external_id raced; the other one won.
        if external_id:
            return Response.objects.get(organization_id=survey.organization_id, external_id=external_id)
        raise
    return response


def answer_rules_run(*, response: Response, notify: bool = True) -> list[RuleRun]:
    """Run the organization's answer rules on a stored answer; a rule that opens a case opens the whole
    complaint (its own rules, alert and thank-you: `complaint_open_for_answer`)."""
    return rules_apply_to_response(response=response, notify=notify, open_case=complaint_open_for_answer)


@transaction.atomic
def followup_receive(*, response: Response, text: str) -> bool:
    """A passive's answer to "what would make it a 10?": stored as the answer's comment, then tagged.

    Returns True when stored (only an answer without a comment takes it, once).
    """
    stored = response_add_followup(response=response, text=text)
    if stored:
        response_tag_later(response=response)
    return stored
