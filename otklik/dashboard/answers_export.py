"""The answers list as a CSV or XLSX file: one row per answer, one column per question asked.

The survey's own score and comment come first; then each extra question (by its words, so
the same question in two surveys shares a column) in the order they first appear.
"""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from otklik.dashboard.exports import Cell
from otklik.insights.profanity import mask_profanity
from otklik.surveys.models import Response

# A file is built in memory: past this many answers, narrow the filter (the page says so).
EXPORT_MAX_ROWS = 50_000


def answers_export_rows(
    responses: QuerySet[Response], *, tz, show_original: bool
) -> tuple[list[str], list[list[Cell]]]:
    """Headers and rows for the answers in `responses` (already filtered and ordered), newest first."""

    def words(text: str) -> str:
        return text if show_original else mask_profanity(text)[0]

    base_headers = [
        _("Answer"),
        _("When"),
        _("Survey"),
        _("Survey kind"),
        _("Location"),
        _("Touchpoint"),
        _("Score"),
        _("Comment"),
        _("Customer"),
        _("E-mail"),
        _("Phone"),
        _("Case"),
    ]
    columns: dict[str, int] = {}
    rows: list[tuple[list[Cell], dict[int, Cell]]] = []
    qs = responses.select_related("survey", "location", "touchpoint").prefetch_related("answers")
    for response in qs[:EXPORT_MAX_ROWS]:
        base: list[Cell] = [
            response.pk,
            response.created_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
            response.survey.name,
            response.get_kind_display(),
            response.location.name,
            response.touchpoint.name,
            response.score,
            words(response.comment),
            response.customer_name,
            response.customer_email,
            response.customer_phone,
            getattr(response, "case_pk", None),
        ]
        extra: dict[int, Cell] = {}
        for answer in response.answers.all():
            index = columns.setdefault(answer.label, len(columns))
            if answer.kind in ("score", "yesno"):
                extra[index] = answer.number if answer.kind == "score" else answer.value
            else:
                extra[index] = words(answer.value)
        rows.append((base, extra))
    headers = [*base_headers, *columns]
    return headers, [[*base, *(extra.get(i) for i in range(len(columns)))] for base, extra in rows]
