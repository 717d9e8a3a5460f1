"""Prepared scripts for a personal call or visit (C3), in the customer's language.

The employee reads them to the customer, so they follow the case's language, not the
interface's. When the customer base knows the customer, the script also names their
last purchase before the complaint.
"""

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from otklik.cases.models import Case
from otklik.customers.models import OrderStatus, Purchase
from otklik.improvements.models import ContactWay
from otklik.insights.profanity import mask_profanity


@dataclass(frozen=True)
class CallScript:
    way: str
    way_label: str
    language: str
    lines: list[str]


def _place(case: Case) -> str:
    if case.touchpoint is not None:
        return _("%(touchpoint)s at %(location)s") % {
            "touchpoint": case.touchpoint.name,
            "location": case.location.name,
        }
    return case.location.name


def last_purchase(*, case: Case, before) -> Purchase | None:
    """The customer's latest order up to the moment they complained, if the customer base knows one.

    Returns and cancellations are not what a customer bought.
    """
    if not case.customer_id:
        return None
    return (
        Purchase.objects.filter(customer_id=case.customer_id, purchased_at__lte=before, status=OrderStatus.COMPLETED)
        .select_related("product")
        .order_by("-purchased_at", "-id")
        .first()
    )


def call_script(*, case: Case, way: str, employee: User) -> CallScript:
    """The words to open a phone call or a visit with: greeting, the complaint, thanks, apology, next step."""
    employee_name = employee.get_full_name() or employee.get_username()
    answered = case.response.created_at if case.response else case.created_at
    way_label = str(ContactWay(way).label)
    purchase = last_purchase(case=case, before=answered)
    with translation.override(case.language):
        values = {
            "name": case.customer_name,
            "employee": employee_name,
            "organization": case.organization.name,
            "date": formats.date_format(timezone.localtime(answered), "DATE_FORMAT"),
            "place": _place(case),
            # Read aloud to the customer: insults masked (D2), the organization's own words too.
            "complaint": mask_profanity(case.content, organization=case.organization_id)[0],
        }
        if way == ContactWay.VISIT:
            greeting = (
                _("Hello, %(name)s! I am %(employee)s from %(organization)s.")
                if case.customer_name
                else _("Hello! I am %(employee)s from %(organization)s.")
            )
            ask = _("I came to hear from you how we can put it right.")
        else:
            greeting = (
                _("Hello, %(name)s! This is %(employee)s from %(organization)s.")
                if case.customer_name
                else _("Hello! This is %(employee)s from %(organization)s.")
            )
            ask = _("Do you have two minutes to talk about how we can put it right?")
        lines = [
            greeting % values,
            _("On %(date)s you left us feedback about %(place)s and wrote: “%(complaint)s”.") % values,
        ]
        if purchase is not None:
            lines.append(
                _("We see that on %(purchase_date)s you bought %(product)s from us.")
                % {
                    "purchase_date": formats.date_format(timezone.localtime(purchase.purchased_at), "DATE_FORMAT"),
                    "product": purchase.product.name,
                }
            )
        lines += [
            _("Thank you for telling us: few customers take the time to say what went wrong, and it helps us a lot."),
            _("I am sorry that this happened to you."),
            ask,
            _("Thank you again. When it is fixed, we will tell you what changed."),
        ]
    return CallScript(way=way, way_label=way_label, language=case.language, lines=lines)


def call_scripts(*, case: Case, employee: User) -> list[CallScript]:
    """A script for each personal way: a phone call and a visit."""
    return [call_script(case=case, way=way, employee=employee) for way in ContactWay.values]
