"""An answer arrives: store it, let the rules act, schedule its tagging, count it in the rollups.

Every way in (the public page, an invitation, the API, the demo, the test factories) calls
`answer_receive`; the apps below only do their own part and never call each other upward.

The public pages store only the answer in the request and leave the rest (its rollup count, rules, case,
alerts, tagging) to the worker right after the commit (`rules_later=True`, decisions 0024 and 0046): the
answer is marked `rules_pending`, and the worker (`answers_process_pending`), or the thank-you page that needs
the case first (`answer_process`), runs the rest in one transaction that also clears the mark, so a worker
that dies in between leaves the answer pending and it is processed, and counted, once, later. So an answer is
counted in the rollups exactly when it is not pending (the reconciliation counts only those).
"""

import logging
import time
from datetime import datetime

from django.db import IntegrityError, connection, transaction

from otklik.accounts.models import Touchpoint
from otklik.batch import batch, batch_flush, batch_gathered, ids_expected, item, remember
from otklik.cases.case_rules import case_rule_matches
from otklik.cases.models import Case
from otklik.insights.services import response_tag_later, responses_tag_after_commit
from otklik.intake.complaints import complaint_open_for_answer
from otklik.messaging.services import outbox_deliver_after_commit
from otklik.rollups.cases import GATHERED as ROLLUP_CASES
from otklik.rollups.cases import GATHERED_BY_CUSTOMER as ROLLUP_CASES_BY_CUSTOMER
from otklik.rollups.cases import rollup_cases_add_gathered
from otklik.rollups.services import rollup_add_response, rollup_add_responses
from otklik.rows import bound_cursor
from otklik.rules.engine import rules_apply_to_response
from otklik.rules.models import RuleRun
from otklik.surveys.models import Invitation, Response, Source, Survey
from otklik.surveys.next_step import response_add_followup
from otklik.surveys.services import (
    AnswerInput,
    answer_check,
    response_build,
    response_by_external_id,
    response_insert_statement,
    response_store,
)

logger = logging.getLogger(__name__)

# How many pending answers one call of `answers_process_pending` takes at most before it returns.
PROCESS_BATCH = 100
# How many it claims and processes in one transaction: the rules and people are read once for them, their rule
# runs, case events, alerts and case counts written in one statement each. Their row locks are held until that
# commit, so the thank-you page that needs one of them waits at most for the claim: about a millisecond of CPU an
# answer, so a claim of 100 holds them about as long as one of 25 did at five (decision 0040; 25 in 0030).
CLAIM_BATCH = 100
# After a claim failed without savepoints, how long the claims of this process take them from the start.
CAREFUL_AFTER_FAILURE_SECONDS = 60.0
_careful_until = float("-inf")


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
    rules_later: bool = False,
) -> Response:
    """Validate and store one answer, then let the organization's rules act on it (open a case, reply, …).

    Everything happens in one transaction: either the answer, its case, its rollup count and the
    queued messages are all stored, or nothing is. A repeated `external_id` returns the stored answer
    unchanged. `notify=False` opens the case without queueing any alert or customer message.
    `rules_later=True` (the public pages) stores only the answer and marks it pending: the worker counts it
    in the rollups and runs its rules, case, alerts and tagging right after (`answers_process_pending`),
    always with `notify`.
    Raises ValidationError, `SurveyClosed` or `InvitationUsed` (surveys.services).
    """
    extra = answer_check(survey=survey, touchpoint=touchpoint, answer=answer)
    if rules_later and _stored_in_one_statement(
        answer=answer, extra=extra, invitation=invitation, external_id=external_id
    ):
        response = response_build(
            survey=survey,
            touchpoint=touchpoint,
            answer=answer,
            extra=extra,
            source=source,
            created_at=created_at,
            score_is_derived=score_is_derived,
            rules_pending=True,
        )
        _store_alone(response=response)
        return response
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
                rules_pending=rules_later,
            )
            if not rules_later:
                answer_rules_run(response=response, notify=notify)
                response_tag_later(response=response)
                # Last, so the rollup row's lock is held only until the commit right after. A pending answer
                # is counted when it is processed (`_process`, `_claim_and_process`).
                rollup_add_response(response=response, organization=survey.organization)
    except IntegrityError:
        # Two pushes of the same external_id raced; the other one won.
        if external_id:
            return Response.objects.get(organization_id=survey.organization_id, external_id=external_id)
        raise
    return response


def _stored_in_one_statement(
    *, answer: AnswerInput, extra: list, invitation: Invitation | None, external_id: str | None
) -> bool:
    # The public page's usual answer (a score and words, no contact, no extra question, no invitation) on
    # PostgreSQL: nothing else to write in the request, so no transaction is needed around one statement.
    # Elsewhere (SQLite) it is the ORM's save in a transaction.
    return (
        connection.vendor == "postgresql"
        and invitation is None
        and not external_id
        and not extra
        and not answer.leaves_contact
    )


def _store_alone(*, response: Response) -> None:
    """Store a built, pending answer in one autocommitted INSERT (PostgreSQL): no BEGIN and COMMIT around it.

    Not counted here: every answer of a place adds to the same two rollup rows (its day, its month), and each
    such upsert held the row's lock until its commit was flushed, so concurrent answers queued on it one commit
    after another and woke each other to retry (2.9 ms of PostgreSQL's CPU per answer at 8 at once against 0.7
    for the INSERT alone, decision 0046). The worker counts a claim's answers in one upsert instead.
    """
    answer_sql, answer_params = response_insert_statement(response)
    # Bound on the server: psycopg dumps the values in C (quoting them into the SQL on the client cost a fifth of
    # the request's CPU, decision 0033).
    with bound_cursor() as cursor:
        cursor.execute(answer_sql, answer_params)
        response.pk = cursor.fetchone()[0]
    response._state.adding = False
    response._state.db = connection.alias
    response._extra_answers = []


def answer_rules_run(*, response: Response, notify: bool = True) -> list[RuleRun]:
    """Run the organization's answer rules on a stored answer; a rule that opens a case opens the whole
    complaint (its own rules, alert and thank-you: `complaint_open_for_answer`)."""
    return rules_apply_to_response(response=response, notify=notify, open_case=complaint_open_for_answer)


def _pending_answers():
    # What the rules read, in the claim's one statement: the organization, the survey with its case rule,
    # the touchpoint, the location and its responsible person (the case's holder, alerted).
    return Response.objects.filter(rules_pending=True).select_related(
        "organization", "survey__case_rule", "touchpoint", "location__responsible"
    )


def _process(response: Response) -> None:
    """The rest of a pending answer, in the caller's transaction that holds its row: rules, tagging, its rollup
    count, the mark."""
    answer_rules_run(response=response)
    response_tag_later(response=response)
    rollup_add_response(response=response, organization=response.organization)
    Response.objects.filter(pk=response.pk).update(rules_pending=False)
    response.rules_pending = False


def answers_process_pending(*, limit: int = PROCESS_BATCH, claim: int = CLAIM_BATCH) -> int:
    """Run the rules, case, alerts and tagging of answers stored with `rules_later`; the worker calls it.

    Each answer is counted in the rollups here, with its mark cleared (the request stored it alone).
    Answers are claimed `claim` at a time with `SELECT … FOR UPDATE SKIP LOCKED` and each claim is processed in
    one transaction that also clears their marks, so any number of workers share the work and a worker killed
    mid-way leaves its answers pending for the next one: processed once, never lost. Within a claim the rules,
    people and channels are read once, the rule runs, case events, alerts and case counts written together, and
    delivery and tagging queued as one task each (`otklik.batch`, decisions 0030 and 0040). A claim runs without
    savepoints first; if anything in it raises, it is run again with them, where an answer whose processing
    raises is rolled back to its own savepoint and stays pending for the next call, holding up none of the others.
    Returns how many it processed (at most `limit`).
    """
    done = 0
    failed: list[int] = []  # an answer whose processing raised waits for the next call, behind none of the others
    while done < limit:
        size = min(claim, limit - done)
        processed, claimed = _process_claim(size, failed)
        done += processed
        if claimed < size:
            break
    return done


def _process_claim(size: int, failed: list[int]) -> tuple[int, int]:
    """Claim up to `size` pending answers (not those in `failed`) and process them in one transaction; returns
    (processed, claimed) and adds the ones that failed to `failed`.

    First without savepoints (six statements of a complaint's ten were savepoints and their releases); if anything
    in it raises, that transaction is rolled back whole and the claim made again with a savepoint per answer and
    per rule action, so a failing one is rolled back alone and the others are processed (decision 0040).
    """
    global _careful_until
    if time.monotonic() >= _careful_until:
        try:
            return _claim_and_process(size, failed, careful=False)
        except Exception:
            logger.info("a claim of answers failed without savepoints; claiming again, answer by answer", exc_info=True)
            # A failure that comes back (a rule whose action fails on every answer) would have every claim made
            # twice: the claims of the next while take their savepoints at once.
            _careful_until = time.monotonic() + CAREFUL_AFTER_FAILURE_SECONDS
    return _claim_and_process(size, failed, careful=True)


def _claim_and_process(size: int, failed: list[int], *, careful: bool) -> tuple[int, int]:
    with transaction.atomic(), batch(careful=careful):
        pending = _pending_answers().exclude(pk__in=failed).order_by("id")
        claimed = list(pending.select_for_update(skip_locked=True, of=("self",))[:size])
        if not claimed:
            return 0, 0
        # Which of them have a case already (opened by hand, say): one read for the claim, not one per answer.
        with_case = set(Case.objects.filter(response__in=claimed).values_list("response_id", flat=True))
        for response in claimed:
            if response.pk not in with_case:
                remember(("case_of_answer", response.pk), None)
        # The new cases take their numbers from the sequence as the claim goes (PostgreSQL, no savepoints): as many
        # as its case rules will open, so a rule that opens fewer leaves no run of unused case numbers.
        ids_expected(
            Case,
            sum(1 for response in claimed if response.pk not in with_case and case_rule_matches(response=response)),
        )
        processed = []
        for response in claimed:
            try:
                with transaction.atomic(savepoint=careful), item():
                    answer_rules_run(response=response)
                    response_tag_later(response=response)
            except Exception:
                if not careful:
                    raise
                logger.exception("processing answer %s failed; it stays pending", response.pk)
                failed.append(response.pk)
                continue
            processed.append(response)
        if not processed:
            return 0, len(claimed)
        batch_flush()
        rollup_cases_add_gathered(batch_gathered(ROLLUP_CASES), batch_gathered(ROLLUP_CASES_BY_CUSTOMER))
        # Counted with the mark cleared below, in one transaction: an answer is counted once, when processed.
        rollup_add_responses(processed)
        Response.objects.filter(pk__in=[response.pk for response in processed]).update(rules_pending=False)
        for response in processed:
            response.rules_pending = False
        delivered = batch_gathered("outbox_deliver")
        if delivered:
            outbox_deliver_after_commit(delivered)
        responses_tag_after_commit(batch_gathered("tag_responses"))
    return len(processed), len(claimed)


def answer_process(*, response: Response) -> Response:
    """Process one pending answer now (the thank-you page needs its case), unless a worker has done it already.

    Waits for a worker that holds the answer at this moment, then finds it processed: exactly once either
    way. Returns the answer as stored after processing.
    """
    with transaction.atomic():
        current = _pending_answers().select_for_update(of=("self",)).filter(pk=response.pk).first()
        if current is not None:
            _process(current)
            return current
    return response


@transaction.atomic
def followup_receive(*, response: Response, text: str) -> bool:
    """A passive's answer to "what would make it a 10?": stored as the answer's comment, then tagged.

    Returns True when stored (only an answer without a comment takes it, once).
    """
    stored = response_add_followup(response=response, text=text)
    if stored:
        response_tag_later(response=response)
    return stored
