"""The right next step for every customer after an answer (thank-you page and thank-you message).

A detractor learns what happens now; a promoter is invited to say the same in public, on the location's
Yandex Maps, 2GIS or Google page (each click is counted); a passive who left no comment is asked what would
make it a 10. The thank-you page knows the answer by a signed token in its link, so nobody can read or
change another customer's answer by guessing a number.
"""

from dataclasses import dataclass

from django.core import signing
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from otklik.accounts.models import Location
from otklik.accounts.selectors import site_url
from otklik.surveys.models import Response

THANKS_SALT = "otklik.surveys.thanks"
DETRACTOR, PASSIVE, PROMOTER = "detractor", "passive", "promoter"
# The review sites a location may name, in the order they are offered.
REVIEW_SITES = {
    "yandex": ("review_url_yandex", _("Yandex Maps")),
    "2gis": ("review_url_2gis", _("2GIS")),
    "google": ("review_url_google", _("Google")),
}
FOLLOWUP_MAX_CHARS = 2000


@dataclass(frozen=True)
class ReviewLink:
    site: str
    label: str
    url: str  # ours: it counts the click, then sends the customer on to the site


def thanks_token(response: Response) -> str:
    """The signed token of the answer's thank-you link, which `response_by_thanks_token` reads.

    Not compressed: an answer's id never gets shorter, and trying zlib set up a quarter of a megabyte of state
    on every public answer (decision 0051). Django's signer gives the same token either way.
    """
    return signing.dumps(response.pk, salt=THANKS_SALT)


def response_by_thanks_token(token: str) -> Response | None:
    """The answer a thank-you link names; None for a forged or damaged token."""
    try:
        response_id = signing.loads(token, salt=THANKS_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return Response.objects.select_related("location", "organization", "survey").filter(pk=response_id).first()


def answer_band(response: Response, *, has_case: bool | None = None) -> str:
    """Detractor (the answer opened a complaint or is in its scale's complaint range), promoter, or passive.

    A caller that knows whether the answer has a case passes `has_case` and saves a query.
    """
    spec = response.survey.spec
    if has_case is None:
        has_case = Response.objects.filter(pk=response.pk, case__isnull=False).exists()
    if response.score in spec.detractors or has_case:
        return DETRACTOR
    # Who is a promoter is the kind's to say (surveys.kinds): NPS 9–10, CSAT 5, CES 1–2, grade 5.
    promoter = spec.promoters is not None and response.score in spec.promoters
    return PROMOTER if promoter else PASSIVE


def review_links(*, location: Location, response: Response) -> list[ReviewLink]:
    """The location's public review pages, each through our link that counts the click."""
    token, base = thanks_token(response), site_url(organization=location.organization)
    links = []
    for site, (field, label) in REVIEW_SITES.items():
        if getattr(location, field):
            path = reverse("surveys:review", args=[token, site])
            links.append(ReviewLink(site=site, label=str(label), url=base + path))
    return links


def review_target(*, location: Location, site: str) -> str:
    """Where a review link leads: the location's page on that site, empty when it has none."""
    field = REVIEW_SITES.get(site, ("", ""))[0]
    return getattr(location, field, "") if field else ""


def response_review_click(*, response: Response, site: str) -> bool:
    """Count a promoter's click to a review site once per answer (the first click); True when counted now."""
    return bool(
        Response.objects.filter(pk=response.pk, review_clicked_at__isnull=True).update(
            review_clicked_at=timezone.now(), review_site=site
        )
    )


def response_add_followup(*, response: Response, text: str) -> bool:
    """Keep a passive's answer to "what would make it a 10?" as the comment of the same answer.

    Only an answer without a comment takes it (the question is asked only then), once; the loyalty factors
    then read it like any comment once tagged (`intake.answers.followup_receive` schedules it). Returns True
    when stored.
    """
    text = text.strip()[:FOLLOWUP_MAX_CHARS]
    if not text:
        return False
    stored = Response.objects.filter(pk=response.pk, comment="").update(comment=text)
    if stored:
        response.comment = text
    return bool(stored)
