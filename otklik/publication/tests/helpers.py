"""Test helpers for the publication app: resolved cases ready for the complaint book."""

from django.utils import timezone

from otklik.cases.models import Case, Step
from otklik.intake.complaints import complaint_open


def resolved_case(
    world,
    *,
    content: str,
    fix: str = "We added a second cashier at rush hour.",
    customer_name: str = "",
    customer_email: str = "",
    customer_phone: str = "",
    location=None,
) -> Case:
    """A case opened through the cases service and closed the way `case_report` leaves it."""
    case = complaint_open(
        location=location or world.store,
        content=content,
        customer_name=customer_name,
        customer_email=customer_email,
        customer_phone=customer_phone,
        notify=False,
    )
    # The five steps belong to the cases app and have their own tests; here only the end state matters.
    now = timezone.now()
    Case.objects.filter(pk=case.pk).update(
        step=Step.RESOLVED, fix_description=fix, fixed_at=now, report_sent_at=now, resolved_at=now
    )
    case.refresh_from_db()
    return case


def open_case(world, *, content: str = "The queue was too long.", location=None) -> Case:
    return complaint_open(location=location or world.store, content=content, notify=False)
