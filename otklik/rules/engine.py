"""The rules engine: match an answer (or a new case) against the organization's rules and act.

The rules themselves are edited through `rules/services.py`; the intake calls the engine on every new answer
and case.

Each matching rule runs its actions in order, each in its own savepoint. A failing action
(a broken template, a bad recipient) is written to a `RuleRun` with its error, which the
manager sees on /rules/; the answer itself is always saved. See docs/decisions/0003-rules.md.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from otklik.accounts.models import Organization
from otklik.accounts.selectors import in_organization_language, member_language, site_url
from otklik.batch import in_batch, insert_later, once_per_batch, savepoints
from otklik.cases.addresses import customer_address
from otklik.cases.case_rules import case_rule_matches
from otklik.cases.models import Case, CompensationKind
from otklik.cases.services import case_mark_thanked_by_message, default_responsible
from otklik.customers.models import Customer
from otklik.insights.profanity import masked
from otklik.messaging.services import outbox_enqueue, render_customer_message
from otklik.rollups.cases import case_facts, rollup_case_change
from otklik.rules.models import AssignMode, Rule, RuleRun, ScoreBand, Trigger
from otklik.rules.selectors import employees_named, round_robin_next
from otklik.rules.services import is_praise, rules_ensure_defaults
from otklik.sla.selectors import alert_channels_for
from otklik.surveys.models import Response
from otklik.surveys.next_step import PROMOTER, answer_band, review_links

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------- matching


@dataclass
class Subject:
    """What a rule looks at: the answer, the case, or both."""

    organization: Organization
    response: Response | None = None
    case: Case | None = None
    # How a rule opens the answer's case: the intake's complaint flow (case, its rules, alert, thank-you),
    # passed in because it sits above the rules.
    open_case: Callable[..., Case] | None = None
    named: list[User] | None = None  # computed once, only when a rule needs it
    notes: list[str] = field(default_factory=list)
    _tag_ids: set[int] | None = None

    @property
    def customer(self) -> Customer | None:
        """The customer the answer or case belongs to, when the customer base knows them."""
        if self.response is not None and self.response.customer_id:
            return self.response.customer
        if self.case is not None:
            if self.case.customer_id:
                return self.case.customer
            if self.case.response_id and self.case.response.customer_id:
                return self.case.response.customer
        return None

    def customer_tag_ids(self) -> set[int]:
        if self._tag_ids is None:
            customer = self.customer
            self._tag_ids = set(customer.tags.values_list("pk", flat=True)) if customer else set()
        return self._tag_ids

    @property
    def text(self) -> str:
        if self.response is not None:
            return self.response.comment
        return self.case.content if self.case else ""

    @property
    def language(self) -> str:
        source = self.response or self.case
        return source.language or self.organization.default_language

    @property
    def customer_email(self) -> str:
        return (self.response.customer_email if self.response else "") or (
            self.case.customer_email if self.case else ""
        )

    @property
    def customer_name(self) -> str:
        return (self.response.customer_name if self.response else "") or (self.case.customer_name if self.case else "")

    @property
    def location(self):
        return self.response.location if self.response else self.case.location

    def names(self) -> list[User]:
        if self.named is None:
            self.named = employees_named(organization=self.organization, text=self.text)
        return self.named


def _words_match(rule: Rule, subject: Subject) -> bool:
    from otklik.insights import engine

    # Matched on dictionary forms: "rude" matches "rudely", "хамство" matches "хамства".
    wanted = engine.keyword_term_set(rule.word_list)
    found = set(engine.analyze(subject.text).terms)
    return bool(wanted & found)


def _customer_matches(rule: Rule, subject: Subject) -> bool:
    """Segment and tag conditions: an anonymous answer (no known customer) matches neither."""
    segments = rule.segment_list
    tag_ids = {tag.pk for tag in rule.tags.all()}
    if not segments and not tag_ids:
        return True
    customer = subject.customer
    if customer is None:
        return False
    if segments and customer.segment.lower() not in segments:
        return False
    return not tag_ids or bool(tag_ids & subject.customer_tag_ids())


def rule_matches(*, rule: Rule, subject: Subject) -> bool:
    """Whether every condition of the rule holds for the answer or case (cheap checks first)."""
    response = subject.response or (subject.case.response if subject.case else None)
    answer_conditions = rule.survey_id or rule.kinds or rule.band or rule.score_min is not None
    answer_conditions = answer_conditions or rule.score_max is not None
    if response is None and answer_conditions:
        return False
    if response is not None:
        if rule.survey_id and response.survey_id != rule.survey_id:
            return False
        if rule.kinds and response.kind not in rule.kinds:
            return False
        if rule.score_min is not None and response.score < rule.score_min:
            return False
        if rule.score_max is not None and response.score > rule.score_max:
            return False
        if rule.band == ScoreBand.COMPLAINT and not case_rule_matches(response=response):
            return False
        if rule.band == ScoreBand.PRAISE and not is_praise(kind=response.kind, score=response.score):
            return False
    location_id = subject.response.location_id if subject.response else subject.case.location_id
    touchpoint_id = subject.response.touchpoint_id if subject.response else subject.case.touchpoint_id
    if rule.location_id and location_id != rule.location_id:
        return False
    if rule.touchpoint_id and touchpoint_id != rule.touchpoint_id:
        return False
    if rule.needs_comment and not subject.text.strip():
        return False
    if not _customer_matches(rule, subject):
        return False
    if rule.needs_customer_email and not subject.customer_email:
        return False
    if rule.word_list and not _words_match(rule, subject):
        return False
    if rule.names_employee and not subject.names():
        return False
    return _question_matches(rule, response)


def _question_matches(rule: Rule, response: Response | None) -> bool:
    """The condition on an extra question's answer: answered at all, or answered with `answer_value`.

    The value matches a yes/no answer by "yes"/"no" (or the words in the customer's language),
    a choice by its text, a score by its number, and open text by the words it contains.
    """
    wanted = rule.answer_value.strip().casefold()
    if rule.question_id is None:
        # A value with no question: its question was removed, and the rule must not widen to everyone.
        return not wanted
    if response is None:
        return False
    extra = getattr(response, "_extra_answers", None)
    if extra is None:
        extra = list(response.answers.all())
    answer = next((item for item in extra if item.question_id == rule.question_id), None)
    if answer is None:
        return False
    if not wanted:
        return True
    if answer.kind == "yesno":
        return wanted in (
            {"yes", "1", "true", str(_("Yes")).casefold()}
            if answer.number
            else {"no", "0", "false", str(_("No")).casefold()}
        )
    if answer.kind == "score":
        return str(answer.number) == wanted
    if answer.kind in ("single", "multi"):
        return wanted in {choice.casefold() for choice in answer.choices}
    return wanted in answer.text.casefold()


# ---------------------------------------------------------------- actions


def _assignee(rule: Rule, subject: Subject) -> User | None:
    if rule.assign_mode == AssignMode.PERSON and rule.assign_to_id:
        return rule.assign_to
    if rule.assign_mode == AssignMode.TEAM:
        picked = round_robin_next(organization=subject.organization, team=rule.team.all())
        if picked is not None:
            return picked
    return default_responsible(location=subject.location)


def _context(subject: Subject, rule: Rule, **extra: str) -> dict[str, str]:
    case = subject.case
    return {
        "customer_name": subject.customer_name or _("customer"),
        "organization": subject.organization.name,
        "case_number": f"#{case.pk}" if case else "",
        "location": subject.location.name,
        "complaint": subject.text,
        "comment": masked(subject.text, subject.organization.pk),  # staff and customers alike (D2)
        "bonus": rule.bonus,
        "prize": case.prize if case else "",
        "review_link": _review_invitation(subject),
        **extra,
    }


def _review_invitation(subject: Subject) -> str:
    """For a promoter's answer, a line inviting them to review the location in public (a counted link);
    empty otherwise, or when the location names no review page."""
    response = subject.response
    if response is None or answer_band(response, has_case=subject.case is not None) != PROMOTER:
        return ""
    links = review_links(location=subject.location, response=response)
    if not links:
        return ""
    return _("Would you say the same in public? A review helps other people find us: %(url)s") % {"url": links[0].url}


def _key(subject: Subject, suffix: str) -> str:
    if subject.response is not None:
        return f"response:{subject.response.pk}:{suffix}"
    return f"case:{subject.case.pk}:{suffix}"


def _open_case(rule: Rule, subject: Subject, notify: bool) -> None:
    responsible = _assignee(rule, subject) if rule.assign_mode != AssignMode.RESPONSIBLE else None
    subject.case = subject.open_case(
        response=subject.response, notify=notify and rule.notify, responsible=responsible, by_rule=rule.name
    )
    subject.notes.append(_("opened case #%(number)s") % {"number": subject.case.pk})


def _assign(rule: Rule, subject: Subject) -> None:
    case = subject.case
    person = _assignee(rule, subject)
    if person is None or case.responsible_id == person.pk:
        return
    before = case_facts(case)
    case.responsible = person
    case.save(update_fields=["responsible"])
    rollup_case_change(organization=case.organization, before=before, after=case_facts(case))
    subject.notes.append(_("assigned to %(person)s") % {"person": person.get_username()})


def _notify(rule: Rule, subject: Subject) -> None:
    """Alert the people the rule points at about an answer that opened no case, by their chosen channels."""
    if rule.assign_mode == AssignMode.TEAM:
        people = list(rule.team.all())
    else:
        person = _assignee(rule, subject)
        people = [person] if person else []
    response = subject.response
    for person in people:
        # Each person reads it in their own language, by their own choice of channels (e-mail, Telegram).
        with translation.override(member_language(user=person, organization=subject.organization)):
            subject_line = _("An answer at %(location)s matched the rule “%(rule)s”") % {
                "location": subject.location.name,
                "rule": rule.name,
            }
            body = _("Score %(score)s.\n\n«%(comment)s»\n\n%(url)s") % {
                "score": response.score,
                # E-mail and Telegram leave the app: insults are masked for every recipient (D2).
                "comment": masked(response.comment, subject.organization.pk) or "—",
                "url": site_url(organization=subject.organization) + reverse("dashboard:answers"),
            }
        channels = alert_channels_for(user=person, organization=subject.organization)
        for channel, recipient in channels:
            suffix = f"rule:{rule.pk}:notify:{person.pk}"
            outbox_enqueue(
                organization=subject.organization,
                key=_key(subject, suffix if channel == "email" else f"{suffix}:{channel}"),
                recipient=recipient,
                subject=subject_line,
                body=body,
                kind="rule_notify",
                channel=channel,
            )
        if channels:
            subject.notes.append(_("notified %(person)s") % {"person": person.get_username()})


def _send_template(rule: Rule, subject: Subject) -> None:
    address = customer_address(email=subject.customer_email, customer=subject.customer)
    if address is None:
        subject.notes.append(_("no customer e-mail, no message"))
        return
    with translation.override(subject.language):
        title, body = render_customer_message(
            organization=subject.organization,
            kind=rule.send_template,
            language=subject.language,
            context=_context(subject, rule),
        )
    message = outbox_enqueue(
        organization=subject.organization,
        key=_key(subject, rule.send_template),
        recipient=address.recipient,
        subject=title,
        body=body,
        kind=rule.send_template,
        case=subject.case,
        channel=address.channel,
        customer=address.customer,
        address_language=subject.language,
    )
    subject.notes.append(_("queued %(kind)s") % {"kind": rule.send_template})
    if subject.case is not None and rule.send_template == "case_thank_you":
        # A rule's thank-you answers the customer as the automatic one does: step 1 is done.
        case_mark_thanked_by_message(case=subject.case, message=message)


def _grant_bonus(rule: Rule, subject: Subject) -> None:
    case = subject.case
    if case is None:
        # Without a case the bonus lives in the message to the customer ({bonus}).
        subject.notes.append(_("bonus offered: %(bonus)s") % {"bonus": rule.bonus})
        return
    if not case.compensation:
        case.compensation, case.compensation_kind = rule.bonus, CompensationKind.BONUS
        case.save(update_fields=["compensation", "compensation_kind"])
    subject.notes.append(_("bonus granted: %(bonus)s") % {"bonus": rule.bonus})


def _forward_praise(rule: Rule, subject: Subject) -> None:
    """Send the praise to each employee it names, by the channels that employee chose for alerts."""
    for person in subject.names():
        channels = alert_channels_for(user=person, organization=subject.organization)
        if not channels:
            continue
        language = member_language(user=person, organization=subject.organization)
        name = person.get_full_name() or person.get_username()
        with translation.override(language):
            title, body = render_customer_message(
                organization=subject.organization,
                kind="praise_to_employee",
                language=language,
                context=_context(subject, rule, employee_name=name),
            )
        for channel, recipient in channels:
            # E-mail keeps the key it always had, so praise queued before this change is not sent again.
            suffix = f"praise:{person.pk}" if channel == "email" else f"praise:{person.pk}:{channel}"
            outbox_enqueue(
                organization=subject.organization,
                key=_key(subject, suffix),
                recipient=recipient,
                subject=title,
                body=body,
                kind="praise_to_employee",
                channel=channel,
            )
        subject.notes.append(_("praise sent to %(person)s") % {"person": person.get_username()})


def _actions(rule: Rule, subject: Subject, notify: bool) -> list[tuple[str, object]]:
    """(name, callable) for each action the rule asks for; messages only when `notify`."""
    actions: list[tuple[str, object]] = []
    if rule.trigger == Trigger.ANSWER and rule.open_case:
        actions.append(("open_case", lambda: _open_case(rule, subject, notify)))
    elif rule.assign_mode != AssignMode.RESPONSIBLE:
        actions.append(("assign", lambda: subject.case and _assign(rule, subject)))
    if notify and rule.notify and rule.trigger == Trigger.ANSWER and not rule.open_case:
        actions.append(("notify", lambda: _notify(rule, subject)))
    if rule.bonus:
        actions.append(("bonus", lambda: _grant_bonus(rule, subject)))
    if notify and rule.send_template:
        actions.append(("send_template", lambda: _send_template(rule, subject)))
    if notify and rule.forward_to_named:
        actions.append(("forward_praise", lambda: _forward_praise(rule, subject)))
    return actions


def _run(rule: Rule, subject: Subject, notify: bool) -> RuleRun:
    errors = []
    subject.notes = []
    careful = savepoints()
    for name, action in _actions(rule, subject, notify):
        try:
            # In the worker's batch run without savepoints, a failing action undoes the batch, which is then run
            # again with them (decision 0040): the failure is recorded there, as here.
            # Its notes and errors go to the rule's log, read by the staff: the actions write to a person or a
            # customer in their own language inside.
            with transaction.atomic(savepoint=careful), in_organization_language(subject.organization):
                action()
        except Exception as exc:  # noqa: BLE001 — a rule must never stop an answer from being saved
            if not careful:
                raise
            logger.warning("rule %s (%s) failed at %s: %s", rule.pk, rule.name, name, exc)
            errors.append(f"{name}: {_describe(exc)}")
    # In the worker's batch, inserted with the batch's other runs at its end (nothing reads it back before).
    return insert_later(
        RuleRun(
            organization=subject.organization,
            rule=rule,
            response=subject.response,
            case=subject.case,
            ok=not errors,
            error="\n".join(errors),
            detail="; ".join(subject.notes),
        )
    )


def _describe(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return f"{type(exc).__name__}: {exc}"


def _enabled_rules(organization: Organization):
    return (
        Rule.objects.filter(organization=organization, enabled=True)
        .select_related("assign_to", "location")
        .prefetch_related("tags")
        .order_by("order", "id")
    )


def _rules(*, organization: Organization, trigger: str) -> list[Rule]:
    return list(_enabled_rules(organization).filter(trigger=trigger))


def _rules_by_trigger(*, organization: Organization) -> dict[str, list[Rule]]:
    rules: dict[str, list[Rule]] = {}
    for rule in _enabled_rules(organization):
        rules.setdefault(rule.trigger, []).append(rule)
    return rules


def _rules_once(*, organization: Organization, trigger: str) -> list[Rule]:
    """The organization's enabled rules of `trigger`, in order.

    In the worker's batch of answers they are read once per batch (decision 0030), every trigger in one read: a
    claim with a complaint needs the "case opened" rules too, and reading them with the answer rules saves the
    claim a statement and the ORM's compiling of it (decision 0060). A rule edited meanwhile applies from the next
    batch. Outside a batch only `trigger`'s rules are read, as before.
    """
    if not in_batch():
        return _rules(organization=organization, trigger=trigger)
    by_trigger = once_per_batch(("rules", organization.pk), lambda: _rules_by_trigger(organization=organization))
    return by_trigger.get(trigger, [])


def _apply(*, subject: Subject, trigger: str, notify: bool) -> list[RuleRun]:
    runs = []
    rules = _rules_once(organization=subject.organization, trigger=trigger)
    # An organization with rules already has its defaults: only an empty list needs the check (one query less
    # on every answer). The shipped rules all act on answers, so a new case never needs it (one query less on
    # every complaint, which mostly finds no "case opened" rule); the rules page and the first answer make them.
    if not rules and trigger == Trigger.ANSWER and rules_ensure_defaults(organization=subject.organization):
        # Not kept for the batch: made inside this answer's savepoint, they may yet be rolled back with it.
        rules = _rules(organization=subject.organization, trigger=trigger)
    for rule in rules:
        if not rule_matches(rule=rule, subject=subject):
            continue
        runs.append(_run(rule, subject, notify))
        if rule.stop_processing:
            break
    return runs


def rules_apply_to_response(
    *, response: Response, open_case: Callable[..., Case], notify: bool = True
) -> list[RuleRun]:
    """Run the organization's answer rules on a new answer; returns what each matching rule did.

    Called inside the intake's answer transaction (`intake.answers.answer_rules_run`). A rule that opens
    a case calls `open_case(response=, notify=, responsible=, by_rule=)`. `notify=False` (historical
    answers of the demo loader) opens cases but queues no message.
    """
    subject = Subject(organization=response.organization, response=response, open_case=open_case)
    return _apply(subject=subject, trigger=Trigger.ANSWER, notify=notify)


def rules_apply_to_case(*, case: Case, notify: bool = True) -> list[RuleRun]:
    """Run the organization's "case opened" rules on a new case, from any source, before anyone is alerted."""
    subject = Subject(organization=case.organization, case=case)
    return _apply(subject=subject, trigger=Trigger.CASE_OPENED, notify=notify)
