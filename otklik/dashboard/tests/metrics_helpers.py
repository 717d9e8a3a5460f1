"""Small factories for the metrics, people and report tests: customers, purchases, invitations, case timings."""

import datetime
import itertools

from otklik.accounts.models import Touchpoint
from otklik.cases.models import Case
from otklik.customers.models import Customer, Product, Purchase
from otklik.dashboard import metrics
from otklik.surveys.models import Invitation, Response, Survey

_seq = itertools.count(1)


def make_purchase(*, customer: Customer, product: Product, employee=None) -> Purchase:
    return Purchase.objects.create(
        organization=customer.organization,
        external_id=f"buy-{next(_seq)}",
        customer=customer,
        product=product,
        amount=100,
        purchased_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
        employee=employee,
    )


def make_invitation(
    *, survey: Survey, touchpoint: Touchpoint, at: datetime.datetime, answered: bool = False, **extra
) -> Invitation:
    invitation = Invitation.objects.create(
        organization=survey.organization, survey=survey, touchpoint=touchpoint, **extra
    )
    Invitation.objects.filter(pk=invitation.pk).update(created_at=at, answered_at=at if answered else None)
    invitation.refresh_from_db()
    return invitation


def set_case_times(
    response: Response,
    *,
    created_at: datetime.datetime,
    thanked_after_h: float | None = None,
    resolved_after_h: float | None = None,
    responsible=None,
) -> Case:
    """Move the case an answer opened to `created_at`, answered and resolved so many hours later."""
    case = Case.objects.get(response=response)
    hours = datetime.timedelta(hours=1)
    Case.objects.filter(pk=case.pk).update(
        created_at=created_at,
        thanked_at=created_at + thanked_after_h * hours if thanked_after_h is not None else None,
        resolved_at=created_at + resolved_after_h * hours if resolved_after_h is not None else None,
        step="resolved" if resolved_after_h is not None else ("thanked" if thanked_after_h is not None else "new"),
        responsible=responsible or case.responsible,
    )
    case.refresh_from_db()
    return case


def answer_from(*, customer: Customer, purchase: Purchase | None = None, **kwargs) -> Response:
    """An answer (see helpers.answer) given by a known customer, about a purchase; its case names them too."""
    from otklik.dashboard.tests.helpers import answer

    response = answer(**kwargs)
    Response.objects.filter(pk=response.pk).update(customer=customer, purchase=purchase)
    Case.objects.filter(response=response).update(customer=customer)
    response.refresh_from_db()
    return response


def bulk_answers(*, survey: Survey, touchpoint: Touchpoint, scores: list[int], at: datetime.datetime) -> None:
    """Many answers stored at once, without rules or cases: for tests that only need the figures."""
    Response.objects.bulk_create(
        Response(
            organization=survey.organization,
            survey=survey,
            touchpoint=touchpoint,
            location=touchpoint.location,
            kind=survey.kind,
            score=score,
            created_at=at,
        )
        for score in scores
    )


def assert_same(got: metrics._CaseFigures, expected: metrics._CaseFigures, where: tuple) -> None:
    """Two case figures are the same: every count and every median and 90th percentile, or `where` is said."""
    counts = ("count", "answered", "answered_in_time", "considered", "resolved", "resolved_in_time")
    assert [getattr(got, c) for c in counts] == [getattr(expected, c) for c in counts], where
    for share in metrics.QUANTILES:
        assert got.first_answer(share) == expected.first_answer(share), (*where, share)
        assert got.resolution(share) == expected.resolution(share), (*where, share)
