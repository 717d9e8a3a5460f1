"""A complaint arrives: store the case, let the "case opened" rules act, alert its holder, thank the customer.

From an answer (a rule opened it), by hand on /cases/new/, from a file of complaints (imports) or through the API:
every new case goes through `complaint_open`. Reassigning a case alerts its new holder the same way.
"""

from datetime import date

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from otklik.accounts.models import Location
from otklik.accounts.selectors import in_organization_language
from otklik.batch import once_per_batch, remember
from otklik.cases.models import Case, CaseSource, Severity
from otklik.cases.services import (
    case_alert_queue,
    case_alert_recipient,
    case_content_for_response,
    case_create,
    case_thank_you_queue,
    case_update,
)
from otklik.customers.models import Customer
from otklik.rules.engine import rules_apply_to_case
from otklik.sla.selectors import alert_channels_for, case_reply_by
from otklik.surveys.models import Response


@transaction.atomic
def complaint_open(
    *,
    location: Location,
    content: str,
    response: Response | None = None,
    touchpoint=None,
    customer_name: str = "",
    customer_email: str = "",
    customer_phone: str = "",
    customer: Customer | None = None,
    language: str = "",
    severity: str = Severity.MEDIUM,
    created_at=None,
    notify: bool = True,
    responsible: User | None = None,
    source: str = CaseSource.SURVEY,
    external_id: str | None = None,
    by: User | None = None,
    note: str = "",
) -> Case:
    """Open a case, assign it, alert the responsible person and thank the customer.

    The organization's rules for a new case run before anyone is alerted, so a rule that reassigns the
    case alerts the right person. `notify=False` stores the case without queueing any message (the demo
    loader's historical answers, an import that asks so). The other arguments are `cases.services.case_create`'s.
    """
    case = case_create(
        location=location,
        content=content,
        response=response,
        touchpoint=touchpoint,
        customer_name=customer_name,
        customer_email=customer_email,
        customer_phone=customer_phone,
        customer=customer,
        language=language,
        severity=severity,
        created_at=created_at,
        responsible=responsible,
        source=source,
        external_id=external_id,
        by=by,
        note=note,
    )
    return _tell(case=case, notify=notify)


def _tell(*, case: Case, notify: bool) -> Case:
    """What follows a stored case: its "case opened" rules, then (with `notify`) the alert and the thank-you."""
    rules_apply_to_case(case=case, notify=notify)
    if notify:
        complaint_alert(case=case)
        case_thank_you_queue(case=case, reply_by=case_reply_by)
    return case


def complaint_open_for_answer(
    *, response: Response, notify: bool = True, responsible: User | None = None, by_rule: str = ""
) -> Case:
    """Open the answer's case whatever its score (a rule decided); the existing one if it has one.

    Call it inside a transaction: the rules engine runs it in the rule action's savepoint, which undoes all of
    it if any part fails, so it takes no savepoint of its own (two statements less per complaint).
    """
    # The worker's batch has read which of its answers have a case already (decision 0030).
    key = ("case_of_answer", response.pk)
    existing = once_per_batch(key, lambda: Case.objects.filter(response=response).first())
    if existing is not None:
        return existing
    location = response.location
    if not Location.organization.is_cached(location) and location.organization_id == response.organization_id:
        # The answer's organization is loaded already; the case reads it through the location.
        location.organization = response.organization
    with in_organization_language(response.organization):
        note = _("Opened by the rule “%(rule)s”") % {"rule": by_rule} if by_rule else ""
    case = case_create(
        response=response,
        location=response.location,
        touchpoint=response.touchpoint,
        content=case_content_for_response(response=response),
        customer_name=response.customer_name,
        customer_email=response.customer_email,
        customer_phone=response.customer_phone,
        customer=response.customer,
        language=response.language or response.organization.default_language,
        created_at=response.created_at,
        responsible=responsible,
        note=note,
    )
    remember(key, case)
    return _tell(case=case, notify=notify)


def complaint_alert(*, case: Case) -> None:
    """Alert the case's holder by the channels they chose (B4: the first minutes matter)."""
    person = case_alert_recipient(case=case)
    if person is None:
        return
    channels = alert_channels_for(user=person, organization=case.organization)
    case_alert_queue(case=case, person=person, channels=channels)


@transaction.atomic
def complaint_reassign(
    *, case: Case, by: User, responsible: User | None, severity: str, planned_fix_date: date | None
) -> Case:
    """Reassign a case, set its severity and planned fix date (`case_update`); a new holder other than the
    one who did it is alerted."""
    case_update(case=case, by=by, responsible=responsible, severity=severity, planned_fix_date=planned_fix_date)
    if responsible is not None and responsible != by:
        complaint_alert(case=case)
    return case
