"""Insights pieces shown on pages of other apps: the dashboard card, masked answer texts, the D4 panel."""

from django import template

from otklik.accounts.models import Membership
from otklik.insights import selectors
from otklik.insights.profanity import mask_profanity
from otklik.insights.representativeness import case_representativeness, response_representativeness
from otklik.surveys.filters import responses_filter, responses_visible
from otklik.surveys.models import Response

register = template.Library()

TOP_FACTORS = 5


@register.filter
def masked(text: str, organization=None) -> str:
    """`{{ text|masked:organization_id }}`: insults and profanity masked, the rest as written (D2)."""
    return selectors.masked_text(text, organization)


@register.filter
def for_member(text: str, membership) -> str:
    """`{{ text|for_member:request.membership }}`: as written for those allowed originals, else masked (D2)."""
    return selectors.text_for(membership=membership, text=text)


ORIGINAL_PARAMETER = "original"


@register.inclusion_tag("insights/_answer_text.html", takes_context=True)
def answer_text(context, text: str, element_id: str = "") -> dict:
    """`{% answer_text text %}`: the text masked; the original on request for those allowed to see it.

    The original is not in the page until asked for (`?original=1`, a link next to the
    masked text), and each page that shows originals is recorded in the audit log once.
    """
    request = context.get("request")
    membership = getattr(request, "membership", None)
    shown, found = mask_profanity(text or "", organization=getattr(membership, "organization_id", None))
    allowed = found and membership is not None and selectors.may_see_original(membership=membership)
    showing_original = allowed and request.GET.get(ORIGINAL_PARAMETER) == "1"
    if showing_original:
        from otklik.insights.services import original_view_record

        original_view_record(request=request, membership=membership)
    query = request.GET.copy() if request is not None else None
    if query is not None:
        query[ORIGINAL_PARAMETER] = "0" if showing_original else "1"
    return {
        "shown": text if showing_original else shown,
        "masked": found and not showing_original,
        "showing_original": showing_original,
        "toggle_url": f"?{query.urlencode()}" + (f"#{element_id}" if element_id else "") if allowed else "",
        "element_id": element_id,
    }


@register.inclusion_tag("insights/_loyalty_card.html")
def loyalty_factors_card(membership: Membership | None, form=None, sums: selectors.AnswerSums | None = None) -> dict:
    """`{% loyalty_factors_card membership form [sums] %}`: the heaviest loyalty factors for the dashboard's period.

    `sums`: the period's answer rollups added up by the page (`selectors.AnswerSums`), not read again here."""
    if membership is None:
        return {"summaries": None}
    filters = form.cleaned_data if form is not None and form.is_bound and form.is_valid() else {}
    answers = responses_filter(
        qs=responses_visible(membership=membership),
        tz=membership.organization.zone,
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
        location=filters.get("location"),
    )
    counted = selectors.counted_for(
        membership=membership,
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
        location=filters.get("location"),
        months=False,  # the card draws no trend: the tag rollups grouped by place only
        sums=sums if isinstance(sums, selectors.AnswerSums) else None,
    )
    summaries = selectors.theme_summaries(organization=membership.organization, qs=answers, counted=counted)
    complaints, praise = selectors.split_praise(summaries)
    return {
        "summaries": complaints[:TOP_FACTORS],
        "praise": praise[:TOP_FACTORS],
        "has_themes": bool(complaints or praise),
        "membership": membership,
    }


@register.inclusion_tag("insights/_representativeness.html")
def representativeness_panel(subject) -> dict:
    """`{% representativeness_panel case %}` or `{% representativeness_panel response %}`: is it representative (D4)?

    Anything but an answer is a case (`cases.Case`, above insights, so told apart without importing it).
    """
    if subject is None:
        return {"panel": None}
    if isinstance(subject, Response):
        return {"panel": response_representativeness(response=subject)}
    return {"panel": case_representativeness(case=subject)}
