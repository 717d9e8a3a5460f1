"""Writes for surveys and answers."""

import functools
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, transaction
from django.db.models import Q
from django.db.models.sql import InsertQuery
from django.utils import timezone
from django.utils.translation import gettext as _

from otklik.accounts.models import Location, Membership, Organization, Touchpoint, TouchpointKind
from otklik.customers.services import customer_from_contacts
from otklik.rows import insert_columns, prepared_values
from otklik.surveys.kinds import KINDS
from otklik.surveys.models import Invitation, QuestionAnswer, QuestionKind, Response, Source, Survey
from otklik.surveys.presets import TEMPLATES
from otklik.surveys.questions import answers_parse, answers_words, questions_add_presets, questions_for_new_survey

MAX_COMMENT = 5000


@transaction.atomic
def survey_create(*, organization: Organization, kind: str, name: str = "") -> Survey:
    """Create a survey from a kind (A1–A4) or a built-in template (the product letter).

    `kind` is a survey kind or a template's code; a template brings its own texts and questions. The rule
    that opens cases from its answers belongs to cases: `cases.case_rules.survey_create_with_case_rule`
    creates both, and is what the pages call.
    """
    template = TEMPLATES.get(kind)
    if template is None and kind not in KINDS:
        raise ValidationError(_("Unknown survey kind."))
    survey = Survey.objects.create(
        organization=organization,
        kind=template.kind if template else kind,
        template=template.code if template else "",
        name=name or str(template.label if template else KINDS[kind].label),
    )
    if template is not None:
        questions_add_presets(survey=survey, presets=template.questions)
    else:
        questions_for_new_survey(survey=survey)
    return survey


@dataclass
class AnswerInput:
    """What a customer (or an integration) submits; checked by `answer_check` (the intake's answer flow)."""

    score: int | None
    comment: str = ""
    second_answer: str = ""
    language: str = ""
    customer_name: str = ""
    customer_email: str = ""
    customer_phone: str = ""
    # Answers to the survey's extra questions: `q<id>` (or the id) → text, choice(s), yes/no or a score.
    extra: dict = field(default_factory=dict)
    # The box "you may ask me again": consent for the contacts left (see customers.services.customer_from_contacts).
    consent: bool = False
    # The answer page asks before storing a contact (True: agreed, with CONTACT_CONSENT_VERSION's text);
    # None: not asked here, e.g. an integration that collected consent itself.
    contact_consent: bool | None = None

    @property
    def leaves_contact(self) -> bool:
        return bool(self.customer_name.strip() or self.customer_email.strip() or self.customer_phone.strip())


# The version of the consent text the answer page shows (surveys/answer.html); change it with the text.
CONTACT_CONSENT_VERSION = "reply-2026-12"


def answer_errors(*, survey: Survey, answer: AnswerInput) -> dict[str, str]:
    """Field → message for everything wrong with an answer; empty when it is valid."""
    return _answer_check(survey=survey, answer=answer)[1]


def _answer_check(*, survey: Survey, answer: AnswerInput) -> tuple[list[QuestionAnswer], dict[str, str]]:
    """The extra answers read from the input, and field → message for everything wrong."""
    spec = survey.spec
    errors: dict[str, str] = {}
    if answer.score is None:
        errors["score"] = _("Please choose a score.")
    elif not spec.min_score <= answer.score <= spec.max_score:
        errors["score"] = _("The score must be between %(min)s and %(max)s.") % {
            "min": spec.min_score,
            "max": spec.max_score,
        }
    if survey.comment_required and not answer.comment.strip():
        errors["comment"] = _("Please tell us why.")
    if len(answer.comment) > MAX_COMMENT or len(answer.second_answer) > MAX_COMMENT:
        errors["comment"] = _("Please keep your answer under %(n)s characters.") % {"n": MAX_COMMENT}
    if answer.customer_email:
        from django.core.validators import validate_email

        try:
            validate_email(answer.customer_email)
        except ValidationError:
            errors["customer_email"] = _("Enter a valid e-mail address.")
    if answer.language and answer.language not in dict(settings.LANGUAGES):
        errors["language"] = _("Unknown language.")
    score = answer.score if "score" not in errors else None
    extra, extra_errors = answers_parse(survey=survey, score=score, raw=answer.extra or {})
    errors.update(extra_errors)
    return extra, errors


class SurveyClosed(Exception):
    pass


class InvitationUsed(Exception):
    pass


def _answer_customer(*, survey: Survey, answer: AnswerInput, invitation: Invitation | None) -> dict:
    """Who answered (D3): the invitation's customer and purchase, else the customer the contacts left belong to.

    Contacts nobody has yet make a new customer, so the complaint has a card and a history from now on.
    """
    if invitation is not None and invitation.customer_id:
        return {"customer_id": invitation.customer_id, "purchase_id": invitation.purchase_id}
    customer = customer_from_contacts(
        organization=survey.organization,
        name=answer.customer_name,
        email=answer.customer_email,
        phone=answer.customer_phone,
        language=answer.language,
        consent=answer.consent,
    )
    return {"customer_id": customer.pk if customer else None, "purchase_id": None}


def _contact_consent(answer: AnswerInput) -> dict:
    """The consent to store with a contact the customer left on the answer page: its moment and text version."""
    if answer.contact_consent and answer.leaves_contact:
        return {"contact_consent_at": timezone.now(), "contact_consent_version": CONTACT_CONSENT_VERSION}
    return {}


def answer_check(*, survey: Survey, touchpoint: Touchpoint, answer: AnswerInput) -> list[QuestionAnswer]:
    """Refuse an answer that cannot be stored; return its extra answers, read from the input.

    Raises ValidationError (field → message), or SurveyClosed for a survey that takes no answers.
    """
    if touchpoint.organization_id != survey.organization_id:
        raise ValidationError({"touchpoint": _("The touchpoint belongs to another organization.")})
    if not survey.is_open:
        raise SurveyClosed
    extra, errors = _answer_check(survey=survey, answer=answer)
    if errors:
        raise ValidationError(errors)
    return extra


def response_by_external_id(*, survey: Survey, external_id: str) -> Response | None:
    """The answer an integration already pushed with this id, if any."""
    return Response.objects.filter(organization_id=survey.organization_id, external_id=external_id).first()


def response_build(
    *,
    survey: Survey,
    touchpoint: Touchpoint,
    answer: AnswerInput,
    extra: list[QuestionAnswer],
    invitation: Invitation | None = None,
    source: str = Source.WEB,
    external_id: str | None = None,
    created_at: datetime | None = None,
    score_is_derived: bool = False,
    rules_pending: bool = False,
) -> Response:
    """The answer `response_store` saves, not yet saved; a contact left with it finds or makes its customer."""
    organization = survey.organization
    location = touchpoint.location if Touchpoint.location.is_cached(touchpoint) else None
    values = {
        "organization_id": organization.pk,
        "survey_id": survey.pk,
        "touchpoint_id": touchpoint.pk,
        "location_id": touchpoint.location_id,
        "kind": survey.kind,
        "score": answer.score,
        "comment": answer.comment.strip(),
        # The open answers' words join the second answer, so themes, digests and masking read them.
        "second_answer": "\n\n".join(part for part in (answer.second_answer.strip(), answers_words(extra)) if part),
        "language": answer.language or organization.default_language,
        "customer_name": answer.customer_name.strip()[:200],
        "customer_email": answer.customer_email.strip(),
        "customer_phone": answer.customer_phone.strip()[:40],
        **_contact_consent(answer),
        "invitation_id": invitation.pk if invitation is not None else None,
        **_answer_customer(survey=survey, answer=answer, invitation=invitation),
        "source": source,
        "external_id": external_id or None,
        "score_is_derived": score_is_derived,
        "created_at": created_at or timezone.now(),
        "rules_pending": rules_pending,
    }
    # Made from its columns in order, as the ORM makes a row it reads: by keyword, with an object per relation,
    # the model's __init__ cost three quarters of this function, and the public answer builds one per request
    # (decision 0051). The objects already loaded stay on it, so the rules read them without a query.
    response = Response(*[values[name] if name in values else default() for name, default in _response_columns()])
    cached = {"organization": organization, "survey": survey, "touchpoint": touchpoint}
    if location is not None:
        cached["location"] = location
    if invitation is not None:
        cached["invitation"] = invitation
    for name, obj in cached.items():
        Response._meta.get_field(name).set_cached_value(response, obj)
    return response


@functools.cache
def _response_columns() -> tuple:
    # Each concrete column of an answer in the model's order, with what gives its default when not set above.
    return tuple((f.attname, f.get_default) for f in Response._meta.concrete_fields)


def response_store(
    *,
    survey: Survey,
    touchpoint: Touchpoint,
    answer: AnswerInput,
    extra: list[QuestionAnswer],
    invitation: Invitation | None = None,
    source: str = Source.WEB,
    external_id: str | None = None,
    created_at: datetime | None = None,
    score_is_derived: bool = False,
    rules_pending: bool = False,
) -> Response:
    """Store one checked answer and its extra answers (see `answer_check`); nothing else happens here.

    Call it inside the caller's transaction (the intake's answer flow), so the answer and what follows
    from it commit together. A used invitation raises InvitationUsed. `rules_pending` marks an answer
    whose rules the worker runs after the commit.
    """
    if invitation is not None:
        claimed = Invitation.objects.filter(pk=invitation.pk, answered_at__isnull=True).update(
            answered_at=timezone.now()
        )
        if not claimed:
            raise InvitationUsed
    response = response_build(
        survey=survey,
        touchpoint=touchpoint,
        answer=answer,
        extra=extra,
        invitation=invitation,
        source=source,
        external_id=external_id,
        created_at=created_at,
        score_is_derived=score_is_derived,
        rules_pending=rules_pending,
    )
    response.save(force_insert=True)
    if extra:
        for item in extra:
            item.response = response
        QuestionAnswer.objects.bulk_create(extra)
    # The rules (a condition on a question's answer) read these without a query.
    response._extra_answers = extra
    return response


def response_insert_statement(response: Response) -> tuple[str, list]:
    """The INSERT … RETURNING id that stores this unsaved answer, as SQL and parameters, for a caller that
    joins it with another statement (the intake: the answer and its rollup count in one statement)."""
    alias = response._state.db or "default"
    # The SQL is the same for every answer: built by the ORM once per process, only the values each time (on
    # every public answer the ORM's compiling cost a tenth of the request's CPU, decision 0030). The values are
    # prepared as the compiler prepares them: `pre_save` (a creation time), then the field's own conversion,
    # except a value that conversion would hand back unchanged (decision 0051: 21 conversions were a twentieth of
    # the public answer's CPU).
    conn = connections[alias]
    return _response_insert_sql(alias, conn.vendor), prepared_values(response, insert_columns(Response, alias), conn)


@functools.cache
def _response_insert_sql(alias: str, vendor: str) -> str:
    fields = [f for f in Response._meta.local_concrete_fields if not f.primary_key]
    query = InsertQuery(Response)
    query.insert_values(fields, [Response()])
    compiler = query.get_compiler(using=alias)
    compiler.returning_fields = [Response._meta.pk]
    [(sql, _params)] = compiler.as_sql()
    return sql


def survey_set_open(*, survey: Survey, is_open: bool) -> Survey:
    """Open or close a survey for answers; a closed survey's links answer "closed" and store nothing."""
    if survey.is_open != is_open:
        survey.is_open = is_open
        survey.save(update_fields=["is_open"])
    return survey


def location_create(*, organization: Organization, name: str, address: str = "", responsible=None) -> Location:
    """Add a location; its responsible person must be a member of the same organization."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Enter a name.")})
    if Location.objects.filter(organization=organization, name__iexact=name).exists():
        raise ValidationError({"name": _("This organization already has a location with this name.")})
    if (
        responsible is not None
        and not Membership.objects.filter(organization=organization, user=responsible, is_active=True).exists()
    ):
        raise ValidationError({"responsible": _("The responsible person must be a member of the organization.")})
    return Location.objects.create(
        organization=organization, name=name, address=address.strip(), responsible=responsible
    )


def touchpoint_create(
    *, organization: Organization, location: Location, name: str, kind: str, employee=None
) -> Touchpoint:
    """Add a touchpoint (checkout, call centre, …) to one of the organization's locations.

    With an `employee` it is that person's own QR code: answers through it are credited to them,
    so the employee must be an active member of the same organization.
    """
    name = name.strip()
    errors = {}
    if location.organization_id != organization.pk:
        errors["location"] = _("The location belongs to another organization.")
    if (
        employee is not None
        and not Membership.objects.filter(organization=organization, user=employee, is_active=True).exists()
    ):
        errors["employee"] = _("The employee must be a member of the organization.")
    if not name:
        errors["name"] = _("Enter a name.")
    if kind not in TouchpointKind.values:
        errors["kind"] = _("Choose a kind of touchpoint.")
    if errors:
        raise ValidationError(errors)
    return Touchpoint.objects.create(
        organization=organization, location=location, name=name, kind=kind, employee=employee
    )


def responses_personal_data_purge(*, organization: Organization, before) -> int:
    """Blank the free text and contacts of answers given before `before` (the retention setting).

    Scores, touchpoints and dates stay, so the metrics and rollups are unchanged.
    """
    blank = {"comment": "", "second_answer": "", "customer_name": "", "customer_email": "", "customer_phone": ""}
    holding = Q(comment__gt="") | Q(second_answer__gt="") | Q(customer_name__gt="")
    holding |= Q(customer_email__gt="") | Q(customer_phone__gt="")
    old = Response.objects.filter(organization=organization, created_at__lt=before)
    # Open answers to the extra questions are free text too (the product letter's "what to fix").
    QuestionAnswer.objects.filter(response__in=old, kind=QuestionKind.TEXT).exclude(text="").update(text="")
    return old.filter(holding).update(**blank)
