"""What the API accepts and returns; field names are the same in every endpoint (snake_case)."""

from datetime import UTC, date, datetime
from enum import Enum
from typing import Annotated

from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import field_validator

from otklik.cases.models import Step
from otklik.surveys.kinds import KINDS

MAX_LIMIT = 200
# Bounds of the database's integer columns: a larger number is not an id we could have, and SQLite
# would fail on it with a server error instead of a clear 422.
MAX_DB_INT = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_DB_INT)]
Score = Annotated[int, Field(ge=-32768, le=32767)]

SurveyKindName = Enum("SurveyKindName", {code: code for code in KINDS}, type=str)
CaseStep = Enum("CaseStep", {step.value: step.value for step in Step}, type=str)


def _text_for(context, text: str) -> str:
    """Customer text as the token's user may read it: masked for anyone not allowed originals (D2).

    An answer that hands out an unmasked original is recorded in the audit log (once per request).
    """
    from otklik.insights.selectors import masked_text, text_for
    from otklik.insights.services import original_view_record

    request = (context or {}).get("request")
    membership = getattr(request, "auth", None)
    shown = text_for(membership=membership, text=text)
    if membership is not None and shown and shown != masked_text(shown, membership.organization_id):
        original_view_record(request=request, membership=membership, via="api")
    return shown


class Page(Schema):
    limit: int = Field(50, ge=1, le=MAX_LIMIT, description=f"How many items to return (at most {MAX_LIMIT}).")
    offset: int = Field(0, ge=0, le=2**31 - 1, description="How many items to skip.")


class ErrorOut(Schema):
    detail: str


class FieldErrorOut(Schema):
    loc: list[str | int]
    msg: str
    type: str


class ValidationErrorOut(Schema):
    detail: list[FieldErrorOut]


# Answers


class QuestionAnswerIn(Schema):
    question: Id = Field(description="The question's id (see `questions` in /api/surveys).")
    value: str | int | bool | list[str] = Field(
        description="Open text: the words; one choice: the option's text; several: a list of them; "
        "yes/no: true or false; a score: the number."
    )


class QuestionAnswerOut(Schema):
    question_id: int | None = Field(None, description="None when the question has since been removed.")
    question: str = Field(alias="label", description="The question as the customer saw it.")
    kind: str
    value: str | int | list[str] | bool | None

    @staticmethod
    def resolve_value(answer):
        if answer.kind == "yesno":
            return bool(answer.number)
        if answer.kind == "score":
            return answer.number
        if answer.kind in ("single", "multi"):
            return answer.choices if answer.kind == "multi" else (answer.choices[0] if answer.choices else None)
        return answer.text


class AnswerIn(Schema):
    survey: Id | str = Field(description="The survey's id or public key; it must belong to the token's organization.")
    touchpoint: Id | str = Field(description="The touchpoint's id or public key, where the customer gave the answer.")
    score: Score = Field(description="The score on the survey's scale (see min_score and max_score in /api/surveys).")
    comment: str = Field("", description="The customer's own words: why this score.")
    second_answer: str = ""
    language: str = Field("", description="en, ru or uk; the organization's language when empty.")
    customer_name: str = Field("", max_length=200)
    customer_email: str = Field("", max_length=254)
    customer_phone: str = Field("", max_length=40)
    answers: list[QuestionAnswerIn] = Field(
        default_factory=list,
        max_length=100,
        description="Answers to the survey's extra questions. One that is not shown for this score is ignored.",
    )
    external_id: str | None = Field(
        None,
        min_length=1,
        max_length=100,
        description="Your id for this answer. Sending the same external_id again returns the stored answer "
        "with status 200 and changes nothing.",
    )


class AnswerOut(Schema):
    id: int
    survey_id: int
    survey_key: str
    kind: str
    score: int
    score_is_derived: bool
    comment: str
    second_answer: str
    language: str
    customer_name: str
    customer_email: str
    customer_phone: str
    location_id: int
    touchpoint_id: int
    source: str
    external_id: str | None
    case_id: int | None = Field(None, description="The complaint case this answer opened, if any.")
    answers: list[QuestionAnswerOut] = Field(description="Answers to the survey's extra questions, in order.")
    created_at: datetime

    @staticmethod
    def resolve_answers(response) -> list:
        return list(response.answers.all())

    # Insults are masked unless the token's user may see originals (owners, managers, the permission).
    @staticmethod
    def resolve_comment(response, context) -> str:
        return _text_for(context, response.comment)

    @staticmethod
    def resolve_second_answer(response, context) -> str:
        return _text_for(context, response.second_answer)


class AnswerFilters(Page):
    kind: SurveyKindName | None = None
    location_id: Id | None = None
    touchpoint_id: Id | None = None
    score_min: Score | None = None
    score_max: Score | None = None
    created_from: datetime | None = Field(None, description="Answers given at or after this moment.")
    created_to: datetime | None = Field(None, description="Answers given before this moment.")

    @field_validator("created_from", "created_to", mode="before")
    @classmethod
    def iso_only(cls, value):
        # Pydantic would read a bare number as Unix seconds; the schema promises ISO 8601 only.
        if isinstance(value, str | int | float) and str(value).strip().lstrip("+-").replace(".", "", 1).isdigit():
            raise ValueError(_("Use an ISO 8601 date and time, for example 2015-02-24T11:35:52Z."))
        return value

    @field_validator("created_from", "created_to")
    @classmethod
    def in_utc(cls, value: datetime | None) -> datetime | None:
        # PostgreSQL refuses offsets past ±15:59 ("+23:57" is valid ISO 8601); the same moment in UTC it takes.
        if value is None or value.tzinfo is None:
            return value
        try:
            return value.astimezone(UTC)
        except OverflowError as exc:
            raise ValueError(_("The date is out of range.")) from exc


class AnswerPage(Schema):
    count: int
    items: list[AnswerOut]


# Cases


class CaseOut(Schema):
    id: int
    answer_id: int | None = Field(None, alias="response_id")
    step: str
    is_open: bool
    severity: str
    location_id: int
    touchpoint_id: int | None
    content: str
    customer_name: str
    customer_email: str
    customer_phone: str
    language: str
    responsible: str | None = Field(None, description="The responsible person's username.")
    planned_fix_date: date | None
    created_at: datetime
    thanked_at: datetime | None
    fixed_at: datetime | None
    report_sent_at: datetime | None
    resolved_at: datetime | None

    @staticmethod
    def resolve_responsible(case) -> str | None:
        return case.responsible.username if case.responsible_id else None

    @staticmethod
    def resolve_content(case, context) -> str:
        return _text_for(context, case.content)


class CaseEventOut(Schema):
    step: str
    note: str
    actor: str | None = Field(None, description="Who did the step (username); empty for automatic steps.")
    created_at: datetime

    @staticmethod
    def resolve_actor(event) -> str | None:
        return event.actor.username if event.actor_id else None


class CaseDetailOut(CaseOut):
    thanked_via: str
    apology: str
    apologized_at: datetime | None
    apology_via: str
    compensation: str
    fix_promise: str
    promised_at: datetime | None
    promise_via: str
    cannot_fix: bool
    fix_description: str
    cause: str
    action_taken: str
    report_via: str
    events: list[CaseEventOut]

    @staticmethod
    def resolve_events(case) -> list:
        return list(case.events.select_related("actor"))


class CaseFilters(Page):
    step: CaseStep | None = None
    open: bool | None = Field(None, description="true: not yet resolved; false: resolved.")
    location_id: Id | None = None
    # Django's username characters: the schema says so, and a NUL (which PostgreSQL refuses) never reaches a query.
    responsible: str | None = Field(
        None, description="The responsible person's username.", max_length=150, pattern=r"^[\w.@+-]+$"
    )


class CasePage(Schema):
    count: int
    items: list[CaseOut]


# Discovery


class QuestionOut(Schema):
    id: int
    position: int
    kind: str = Field(description="score, text, single, multi or yesno.")
    text: str = Field(alias="label", description="The question in the organization's language.")
    options: list[str]
    scale: str = Field(description="For a score: the survey kind whose scale it uses.")
    show_min: int | None = Field(None, description="Shown only for a survey score at least this.")
    show_max: int | None = Field(None, description="Shown only for a survey score at most this.")
    required: bool


class SurveyOut(Schema):
    id: int
    public_key: str
    name: str
    kind: str
    is_open: bool
    comment_required: bool
    min_score: int
    max_score: int
    questions: list[QuestionOut] = Field(description="The questions asked after the score and its comment.")

    @staticmethod
    def resolve_questions(survey) -> list:
        return list(survey.questions.all())

    @staticmethod
    def resolve_min_score(survey) -> int:
        return survey.spec.min_score

    @staticmethod
    def resolve_max_score(survey) -> int:
        return survey.spec.max_score


class SurveyPage(Schema):
    count: int
    items: list[SurveyOut]


class TouchpointOut(Schema):
    id: int
    public_key: str
    name: str
    kind: str
    location_id: int
    location_name: str = Field(alias="location.name")


class TouchpointPage(Schema):
    count: int
    items: list[TouchpointOut]
