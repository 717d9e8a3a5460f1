"""Cases at known moments for the SLA tests; texts are real complaints (see cases/tests/samples.py)."""

from datetime import UTC, datetime

from otklik.cases.models import Case
from otklik.cases.tests.samples import GATE
from otklik.intake.complaints import complaint_open

MONDAY_NOON = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)


def open_case(
    world, *, created_at: datetime = MONDAY_NOON, severity: str = "medium", content: str = GATE, customer=None
) -> Case:
    """A case at the employee's store, held by her (the store's responsible person)."""
    return complaint_open(
        location=world.store, content=content, severity=severity, created_at=created_at, customer=customer
    )
