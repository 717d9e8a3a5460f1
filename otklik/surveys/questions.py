"""The questions after the score: reading a customer's answers to them, and the managers' survey builder.

The survey's own score and "why" stay on `Response` (what every figure reads); the extra
questions and their answers are rows of their own. See docs/decisions/0010-surveys-with-several-questions.md.
"""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from otklik.surveys.kinds import KINDS
from otklik.surveys.models import QuestionAnswer, QuestionKind, Survey, SurveyQuestion
from otklik.surveys.presets import KIND_QUESTIONS, QuestionPreset

MAX_OPTIONS = 20
MAX_OPTION_LENGTH = 200
MAX_TEXT_ANSWER = 5000
YES_WORDS = {"yes", "1", "true", "on"}
NO_WORDS = {"no", "0", "false", "off"}
SCORE_SCALES = ("nps", "csat", "ces", "grade")


def field_name(question: SurveyQuestion) -> str:
    """The answer form's field for a question (also the error key)."""
    return f"q{question.pk}"


def survey_questions(*, survey: Survey) -> list[SurveyQuestion]:
    """The survey's extra questions in order; read once per survey object."""
    cached = getattr(survey, "_questions_cache", None)
    if cached is None:
        cached = list(survey.questions.all())
        survey._questions_cache = cached
    return cached


def _as_list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, Iterable):
        return [str(item) for item in value if str(item).strip()]
    return [str(value)]


def _as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "\n".join(str(item) for item in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _parse_one(question: SurveyQuestion, raw) -> tuple[QuestionAnswer | None, str]:
    """One answer from its raw value (a form field or JSON): (the unsaved answer or None when empty, error)."""
    answer = QuestionAnswer(
        question=question, position=question.position, kind=question.kind, label=question.label[:300]
    )
    if question.kind == QuestionKind.TEXT:
        text = _as_text(raw).strip()
        if len(text) > MAX_TEXT_ANSWER:
            return None, _("Please keep your answer under %(n)s characters.") % {"n": MAX_TEXT_ANSWER}
        answer.text = text
        return (answer if text else None), ""
    if question.kind == QuestionKind.YESNO:
        word = _as_text(raw).strip().lower()
        if not word:
            return None, ""
        if word not in YES_WORDS | NO_WORDS:
            return None, _("Please answer yes or no.")
        answer.number = 1 if word in YES_WORDS else 0
        return answer, ""
    if question.kind == QuestionKind.SCORE:
        word = _as_text(raw).strip()
        if not word:
            return None, ""
        spec = KINDS[question.scale or "nps"]
        try:
            number = int(word)
        except ValueError:
            number = None
        if number is None or not spec.min_score <= number <= spec.max_score:
            return None, _("Please choose a whole number from %(min)s to %(max)s.") % {
                "min": spec.min_score,
                "max": spec.max_score,
            }
        answer.number = number
        return answer, ""
    chosen = _as_list(raw)
    if not chosen:
        return None, ""
    unknown = [item for item in chosen if item not in question.options]
    if unknown:
        return None, _("Please pick from the choices shown.")
    if question.kind == QuestionKind.SINGLE and len(chosen) > 1:
        return None, _("Please pick one choice.")
    # In the question's order, each once, whatever order the browser sent them in.
    answer.choices = [option for option in question.options if option in chosen]
    return answer, ""


def answers_parse(*, survey: Survey, score: int | None, raw: dict) -> tuple[list[QuestionAnswer], dict[str, str]]:
    """The answers to the survey's extra questions, and field → message for what is wrong.

    `raw` maps a question's field name (`q<id>`) or id to its value. A question not shown
    for this score (its show-if does not hold) is ignored, whatever came for it: without
    JavaScript the page shows every question, and only the score decides which count.
    """
    answers: list[QuestionAnswer] = []
    errors: dict[str, str] = {}
    for question in survey_questions(survey=survey):
        if not question.shown_for(score):
            continue
        name = field_name(question)
        value = raw.get(name, raw.get(str(question.pk), raw.get(question.pk)))
        answer, error = _parse_one(question, value)
        if error:
            errors[name] = error
        elif answer is None and question.required and score is not None:
            errors[name] = _("Please answer this question.")
        elif answer is not None:
            answers.append(answer)
    return answers, errors


def answers_words(answers: Iterable[QuestionAnswer]) -> str:
    """The customer's own words in the open answers, for what reads an answer's text (themes, digests)."""
    return "\n\n".join(answer.text for answer in answers if answer.kind == QuestionKind.TEXT and answer.text)


# ------------------------------------------------------------------ the builder


def _clean_options(options: Iterable[str]) -> list[str]:
    cleaned: list[str] = []
    for option in options:
        option = option.strip()[:MAX_OPTION_LENGTH]
        if option and option not in cleaned:
            cleaned.append(option)
    return cleaned


def question_add(
    *,
    survey: Survey,
    kind: str,
    text: str = "",
    text_key: str = "",
    options: Iterable[str] = (),
    scale: str = "",
    show_min: int | None = None,
    show_max: int | None = None,
    required: bool = False,
) -> SurveyQuestion:
    """Add a question at the end of the survey; its show-if range must lie on the survey's scale."""
    spec = survey.spec
    text = text.strip()
    cleaned_options = _clean_options(options)
    errors: dict[str, str] = {}
    if kind not in QuestionKind.values:
        errors["kind"] = _("Choose a kind of question.")
    if not text and not text_key:
        errors["text"] = _("Enter the question.")
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTI):
        if len(cleaned_options) < 2:
            errors["options"] = _("Give at least two choices, one a line.")
        elif len(cleaned_options) > MAX_OPTIONS:
            errors["options"] = _("Give at most %(n)s choices.") % {"n": MAX_OPTIONS}
    else:
        cleaned_options = []
    if kind == QuestionKind.SCORE and scale not in SCORE_SCALES:
        errors["scale"] = _("Choose the scale of the score.")
    for name, bound in (("show_min", show_min), ("show_max", show_max)):
        if bound is not None and not spec.min_score <= bound <= spec.max_score:
            errors[name] = _("The score must be between %(min)s and %(max)s.") % {
                "min": spec.min_score,
                "max": spec.max_score,
            }
    if show_min is not None and show_max is not None and show_min > show_max and "show_min" not in errors:
        errors["show_min"] = _("The lowest score must not be above the highest.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        last = SurveyQuestion.objects.filter(survey=survey).aggregate(last=Max("position"))["last"]
        return SurveyQuestion.objects.create(
            survey=survey,
            position=(last or 0) + 1,
            kind=kind,
            text=text[:300],
            text_key=text_key,
            options=cleaned_options,
            scale=scale if kind == QuestionKind.SCORE else "",
            show_min=show_min,
            show_max=show_max,
            required=required,
        )


def questions_add_presets(*, survey: Survey, presets: Iterable[QuestionPreset]) -> None:
    for preset in presets:
        question_add(
            survey=survey,
            kind=preset.kind,
            text_key=preset.text_key,
            show_min=preset.show_min,
            show_max=preset.show_max,
        )


def questions_for_new_survey(*, survey: Survey) -> None:
    """The questions a new survey of its kind starts with (a "no" to readiness asks what would stop them)."""
    questions_add_presets(survey=survey, presets=KIND_QUESTIONS.get(survey.kind, []))


@transaction.atomic
def question_move(*, question: SurveyQuestion, up: bool) -> None:
    """Swap a question with its neighbour; the order is renumbered 1..n so gaps never confuse it."""
    questions = list(SurveyQuestion.objects.select_for_update().filter(survey_id=question.survey_id))
    index = next(i for i, item in enumerate(questions) if item.pk == question.pk)
    other = index - 1 if up else index + 1
    if 0 <= other < len(questions):
        questions[index], questions[other] = questions[other], questions[index]
    for position, item in enumerate(questions, start=1):
        if item.position != position:
            item.position = position
            item.save(update_fields=["position"])


def question_remove(*, question: SurveyQuestion) -> None:
    """Remove a question; the answers already given keep its words (their label) and stay."""
    question.delete()
