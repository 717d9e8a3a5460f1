"""The executive report as an A4 PDF, drawn offline with reportlab.

reportlab's built-in fonts have no Cyrillic, so DejaVu Sans (shipped in static/dashboard/fonts,
see LICENSE.txt there) is embedded; only the glyphs used go into the file.
"""

import io
from functools import cache
from pathlib import Path

from django.utils import formats
from django.utils.translation import gettext as _

from otklik.dashboard.report import ExecutiveReport, TouchpointChange
from otklik.rollups import stats

FONT_DIR = Path(__file__).resolve().parent / "static" / "dashboard" / "fonts"
FONT, FONT_BOLD = "OtklikSans", "OtklikSans-Bold"
ACCENT = "#1a62d6"


@cache
def _register_fonts() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont(FONT, str(FONT_DIR / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(FONT_DIR / "DejaVuSans-Bold.ttf")))


def _number(value: float | None, digits: int = 1, suffix: str = "") -> str:
    if value is None:
        return "—"
    return formats.number_format(round(value, digits), digits) + suffix


def _verdict(difference: stats.Difference | None) -> str:
    if difference is None:
        return _("no earlier answers to compare with")
    sign = "+" if difference.change > 0 else ""
    verdict = _("significant") if difference.significant else _("could be noise")
    return f"{sign}{_number(difference.change)} ({verdict}, p = {_number(difference.p_value, 3)})"


def _interval_text(interval: stats.Interval | None) -> str:
    if interval is None:
        return "—"
    return f"{_number(interval.value)} [{_number(interval.low)} … {_number(interval.high)}], n = {interval.count}"


def report_pdf_bytes(*, report: ExecutiveReport, organization_name: str, membership=None) -> bytes:
    """The report of one month on one A4 page, in the active language.

    Theme names are as the `membership` may read them: insults masked unless allowed originals (D2).
    """
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from otklik.insights.selectors import text_for

    _register_fonts()
    base = ParagraphStyle("base", fontName=FONT, fontSize=8, leading=10)
    title = ParagraphStyle("title", parent=base, fontName=FONT_BOLD, fontSize=15, leading=18)
    heading = ParagraphStyle("heading", parent=base, fontName=FONT_BOLD, fontSize=10, leading=13, spaceBefore=6)
    small = ParagraphStyle("small", parent=base, fontSize=7, leading=9, textColor=colors.grey)

    def table(rows: list[list[str]], widths: list[float]) -> Table:
        cells = [[Paragraph(_escape(_shorten(cell)), base) for cell in row] for row in rows]
        result = Table(cells, colWidths=[w * mm for w in widths], hAlign="LEFT")
        result.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, 0), FONT_BOLD),
                    ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.HexColor(ACCENT)),
                    ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.lightgrey),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                ]
            )
        )
        return result

    month = formats.date_format(report.month, "YEAR_MONTH_FORMAT")
    previous = formats.date_format(report.previous_month, "YEAR_MONTH_FORMAT")
    now, before = report.current, report.previous
    story = [
        Paragraph(_escape(_("%(organization)s: the month in one page") % {"organization": organization_name}), title),
        Paragraph(_escape(_("%(month)s, against %(previous)s") % {"month": month, "previous": previous}), base),
        Spacer(1, 4 * mm),
        Paragraph(_escape(_("Headline figures")), heading),
        table(
            [
                [_("Metric"), month, previous],
                ["NPS " + _("(interval, 95%)"), _interval_text(now.nps), _interval_text(before.nps)],
                [_("NPS change"), _verdict(report.nps_change), ""],
                [_("CSAT, satisfied (4–5), %"), _number(_value(now.csat)), _number(_value(before.csat))],
                [_("CES, mean effort"), _number(_value(now.ces), 2), _number(_value(before.ces), 2)],
                [_("Response rate, %"), _number(_value(now.response_rate)), _number(_value(before.response_rate))],
                [
                    _("Answered within SLA, %"),
                    _number(now.answered_in_sla_share),
                    _number(before.answered_in_sla_share),
                ],
                [_("Complaints"), str(now.cases), str(before.cases)],
            ],
            [60, 65, 55],
        ),
        Paragraph(_escape(_("Top loyalty factors")), heading),
    ]
    if report.themes:
        story.append(
            table(
                [[_("Theme"), _("Answers"), _("Share of detractors, %"), _("NPS points to gain")]]
                + [
                    [
                        text_for(membership=membership, text=w.theme.name),
                        str(w.count),
                        _number(w.detractor_share),
                        _number(w.nps_gain),
                    ]
                    for w in report.themes
                ],
                [80, 25, 40, 35],
            )
        )
    else:
        story.append(Paragraph(_escape(_("No themes found in this month's answers.")), base))
    if report.praise:
        # One line, apart from the problems: the page stays one A4 sheet.
        praised = "; ".join(
            _("%(theme)s (%(count)s promoters)")
            % {"theme": text_for(membership=membership, text=w.theme.name), "count": w.promoters}
            for w in report.praise
        )
        story.append(Paragraph(_escape(_("What customers praise: %(themes)s") % {"themes": praised}), small))
    for label, rows in [
        (_("Worst touchpoints"), report.worst),
        (_("Most improved touchpoints"), report.most_improved),
    ]:
        story.append(Paragraph(_escape(label), heading))
        story.append(_touchpoints(rows, table, base, month, previous))
    story += [
        Spacer(1, 4 * mm),
        Paragraph(
            _escape(
                _(
                    "NPS intervals use the variance of a difference of two shares of one sample; a change is "
                    "significant when a z-test gives p < 0.05. Touchpoints are ranked with at least 5 NPS answers."
                )
            ),
            small,
        ),
    ]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=14 * mm,
        bottomMargin=14 * mm,
        title=f"{organization_name} · {month}",
        author="Otklik",
    )
    document.build(story)
    return buffer.getvalue()


def _touchpoints(rows: list[TouchpointChange], table, style, month: str, previous: str):
    from reportlab.platypus import Paragraph

    if not rows:
        return Paragraph(_escape(_("No touchpoint has enough answers to rank.")), style)
    return table(
        [[_("Touchpoint"), month, previous, _("Change")]]
        + [
            [row.label, _interval_text(row.nps), _interval_text(row.previous), _verdict(row.difference)] for row in rows
        ],
        [55, 45, 45, 35],
    )


def _shorten(text: str, limit: int = 70) -> str:
    """One line per cell where possible: a long name must not push the report onto a second page."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _value(interval: stats.Interval | None) -> float | None:
    return interval.value if interval else None


def _escape(text: str) -> str:
    """reportlab paragraphs read a little XML: names such as "Tom & Jerry <Ltd>" must be escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
