"""Built-in survey templates with more than one question, and the built-in question texts.

A built-in question stores a key, not its words, so it speaks the customer's language
(ru/uk/en through the translation catalogue) whatever language the manager works in.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

BUILTIN_TEXTS = {
    "product.question": _(
        "By now you can judge how satisfied you are with your purchase. What grade would you give it?"
    ),
    "product.fix": _("What shortcomings should we fix?"),
    "product.add": _("What should we add?"),
    "product.liked": _("What did you especially like?"),
    "readiness.stop": _("What would stop you from telling us?"),
}


def builtin_text(key: str) -> str:
    """A built-in text in the active language; an unknown key (a text since removed) reads as itself."""
    text = BUILTIN_TEXTS.get(key)
    return str(text) if text is not None else key


@dataclass(frozen=True)
class QuestionPreset:
    kind: str
    text_key: str
    show_min: int | None = None
    show_max: int | None = None


@dataclass(frozen=True)
class SurveyTemplate:
    code: str
    label: str
    kind: str  # the survey kind whose scale the first question uses
    question_key: str = ""  # replaces the kind's question; empty keeps it
    follow_up_key: str = ""  # replaces the kind's "why"; empty keeps it
    questions: list[QuestionPreset] = field(default_factory=list)


# The letter of seed 002: a grade, then what to fix, what to add and what they liked.
PRODUCT_LETTER = SurveyTemplate(
    code="product_letter",
    label=_("Product letter: a grade and three questions"),
    kind="grade",
    question_key="product.question",
    follow_up_key="product.fix",
    questions=[QuestionPreset("text", "product.add"), QuestionPreset("text", "product.liked")],
)

TEMPLATES: dict[str, SurveyTemplate] = {PRODUCT_LETTER.code: PRODUCT_LETTER}

# Questions every new survey of a kind starts with: a "no" to readiness asks what would stop them.
KIND_QUESTIONS: dict[str, list[QuestionPreset]] = {
    "readiness": [QuestionPreset("text", "readiness.stop", show_max=0)],
}
# Kinds whose case rule by default ignores a bare score: a "no" with nothing else is no complaint.
KIND_CASE_NEEDS_TEXT = {"readiness"}
