"""The Otklik HTTP API: submit answers, read answers and cases, discover survey and touchpoint keys.

Endpoints stay thin: they parse input, call a selector or the intake's `answer_receive`, and return a schema.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Path, Query, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as ApiValidationError
from ninja.openapi.docs import Swagger

from otklik.accounts.models import Membership
from otklik.api import selectors
from otklik.api.auth import ApiTokenAuth
from otklik.api.schemas import (
    AnswerFilters,
    AnswerIn,
    AnswerOut,
    AnswerPage,
    CaseDetailOut,
    CaseFilters,
    CasePage,
    ErrorOut,
    Id,
    Page,
    SurveyPage,
    TouchpointPage,
    ValidationErrorOut,
)
from otklik.intake.answers import answer_receive
from otklik.surveys.models import Response, Source
from otklik.surveys.questions import survey_questions
from otklik.surveys.services import AnswerInput, SurveyClosed


class OtklikAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation) -> str:
        # Short, stable ids ("answer_submit") read better in generated clients than module paths.
        return operation.view_func.__name__


api = OtklikAPI(
    title="Otklik API",
    version="1",
    description="Submit customer answers from your systems and read answers and complaint cases. "
    "Authenticate with `Authorization: Bearer otk_…` (create a token with `otklik api-token`).",
    auth=ApiTokenAuth(),
    # The outer namespace comes from otklik/api/urls.py (app_name "api").
    urls_namespace="api:v1",
    # The validator would send our schema to validator.swagger.io; the docs must work offline.
    docs=Swagger(settings={"validatorUrl": None}),
)

UNAUTHORIZED = {401: ErrorOut}


@api.exception_handler(AuthenticationError)
def unauthorized(request: HttpRequest, exc: AuthenticationError):
    response = api.create_response(request, {"detail": _("A valid API token is required.")}, status=401)
    response["WWW-Authenticate"] = "Bearer"
    return response


def _membership(request: HttpRequest) -> Membership:
    return request.auth


def _reject_unknown_parameters(request: HttpRequest, filters: Page) -> None:
    # A misspelt filter (score_mn=5) would otherwise be ignored and return the wrong answers.
    unknown = sorted(set(request.GET) - set(type(filters).model_fields))
    if unknown:
        raise ApiValidationError(
            [{"loc": ["query", name], "msg": _("Unknown query parameter."), "type": "value_error"} for name in unknown]
        )


def _page(queryset, page: Page) -> dict:
    return {"count": queryset.count(), "items": list(queryset[page.offset : page.offset + page.limit])}


def _invalid(field: str, message: str) -> ApiValidationError:
    return ApiValidationError([{"loc": ["body", "payload", field], "msg": str(message), "type": "value_error"}])


# Answers


@api.post(
    "/answers",
    response={
        200: AnswerOut,
        201: AnswerOut,
        400: ErrorOut,
        401: ErrorOut,
        403: ErrorOut,
        409: ErrorOut,
        422: ValidationErrorOut,
    },
    summary="Submit an answer",
    tags=["answers"],
)
def answer_submit(request: HttpRequest, payload: AnswerIn):
    """Store one customer's answer; a complaint case opens when the survey's rule matches the score.

    Returns 201 with the new answer, or 200 with the stored one when `external_id` was already used.
    Invalid input (a score off the survey's scale, an unknown survey or touchpoint, or one of another
    organization, a closed survey) gives 422 and stores nothing; a body that is not JSON gives 400.
    """
    membership = _membership(request)
    if not membership.can_work_cases:
        raise HttpError(403, _("Your role may read answers but not submit them."))
    if payload.external_id:
        existing = selectors.answer_by_external_id(membership=membership, external_id=payload.external_id)
        if existing is not None:
            stored = selectors.answers_visible(membership=membership).filter(pk=existing.pk).first()
            if stored is None:
                raise HttpError(409, _("Another answer already uses this external_id."))
            return Status(200, stored)
    survey = selectors.survey_by_key(membership=membership, key=payload.survey)
    if survey is None:
        raise _invalid("survey", _("No survey with this id or key in your organization."))
    touchpoint = selectors.touchpoint_by_key(membership=membership, key=payload.touchpoint)
    if touchpoint is None:
        raise _invalid("touchpoint", _("No touchpoint with this id or key that you may use."))
    known = {question.pk for question in survey_questions(survey=survey)}
    if any(item.question not in known for item in payload.answers):
        raise _invalid("answers", _("The survey has no question with this id."))
    answer = AnswerInput(
        score=payload.score,
        comment=payload.comment,
        second_answer=payload.second_answer,
        language=payload.language,
        customer_name=payload.customer_name,
        customer_email=payload.customer_email,
        customer_phone=payload.customer_phone,
        extra={item.question: item.value for item in payload.answers},
    )
    try:
        response = answer_receive(
            survey=survey, touchpoint=touchpoint, answer=answer, source=Source.API, external_id=payload.external_id
        )
    except SurveyClosed:
        raise _invalid("survey", _("This survey is closed for answers.")) from None
    except DjangoValidationError as exc:
        raise ApiValidationError(
            [
                {"loc": ["body", "payload", field], "msg": " ".join(messages), "type": "value_error"}
                for field, messages in exc.message_dict.items()
            ]
        ) from None
    return Status(201, selectors.answers_visible(membership=membership).get(pk=response.pk))


@api.get(
    "/answers",
    response={200: AnswerPage, 401: ErrorOut, 422: ValidationErrorOut},
    summary="List answers",
    tags=["answers"],
)
def answer_list(request: HttpRequest, filters: Query[AnswerFilters]):
    """Answers you may see, newest first, filtered and paginated (`limit`, `offset`); `count` is the total."""
    _reject_unknown_parameters(request, filters)
    answers = selectors.answers_filtered(
        membership=_membership(request),
        kind=filters.kind.value if filters.kind else None,
        location_id=filters.location_id,
        touchpoint_id=filters.touchpoint_id,
        score_min=filters.score_min,
        score_max=filters.score_max,
        created_from=filters.created_from,
        created_to=filters.created_to,
    )
    return _page(answers, filters)


@api.get(
    "/answers/{answer_id}",
    response={200: AnswerOut, 401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut},
    summary="Get one answer",
    tags=["answers"],
)
def answer_detail(request: HttpRequest, answer_id: Path[Id]) -> Response:
    """One answer; 404 when it does not exist or is outside what you may see."""
    return get_object_or_404(selectors.answers_visible(membership=_membership(request)), pk=answer_id)


# Cases


@api.get(
    "/cases",
    response={200: CasePage, 401: ErrorOut, 422: ValidationErrorOut},
    summary="List complaint cases",
    tags=["cases"],
)
def case_list(request: HttpRequest, filters: Query[CaseFilters]):
    """Cases you may see, newest first, filtered and paginated (`limit`, `offset`); `count` is the total."""
    _reject_unknown_parameters(request, filters)
    cases = selectors.cases_filtered(
        membership=_membership(request),
        step=filters.step.value if filters.step else None,
        is_open=filters.open,
        location_id=filters.location_id,
        responsible=filters.responsible,
    )
    return _page(cases, filters)


@api.get(
    "/cases/{case_id}",
    response={200: CaseDetailOut, 401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut},
    summary="Get one complaint case with its history",
    tags=["cases"],
)
def case_detail(request: HttpRequest, case_id: Path[Id]):
    """One case with its events (who did which step, when); 404 when it is outside what you may see."""
    return get_object_or_404(selectors.cases_visible(membership=_membership(request)), pk=case_id)


# Discovery


@api.get(
    "/surveys",
    response={200: SurveyPage, 401: ErrorOut, 422: ValidationErrorOut},
    summary="List surveys",
    tags=["discovery"],
)
def survey_list(request: HttpRequest, page: Query[Page]):
    """Your organization's surveys with their keys and score scales, to use in `POST /api/answers`."""
    _reject_unknown_parameters(request, page)
    return _page(selectors.surveys_of(membership=_membership(request)), page)


@api.get(
    "/touchpoints",
    response={200: TouchpointPage, 401: ErrorOut, 422: ValidationErrorOut},
    summary="List touchpoints",
    tags=["discovery"],
)
def touchpoint_list(request: HttpRequest, page: Query[Page]):
    """The touchpoints you may submit answers for, with their keys and locations."""
    _reject_unknown_parameters(request, page)
    return _page(selectors.touchpoints_visible(membership=_membership(request)), page)


# The customer base (customers, products, purchases, events): otklik/api/customers.py
from otklik.api.customers import router as customers_router  # noqa: E402

api.add_router("/", customers_router)
