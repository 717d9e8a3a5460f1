"""Small factory functions for tests: each makes one object with sensible defaults."""

import itertools

from django.contrib.auth.models import User

from otklik.accounts.models import Location, Membership, Organization, Role, Touchpoint
from otklik.cases.case_rules import survey_create_with_case_rule
from otklik.intake.answers import answer_receive
from otklik.surveys.models import Survey
from otklik.surveys.services import AnswerInput

_seq = itertools.count(1)

PASSWORD = "pass-for-tests-1"


def make_organization(*, name: str = "", slug: str = "", language: str = "en") -> Organization:
    n = next(_seq)
    return Organization.objects.create(name=name or f"Org {n}", slug=slug or f"org-{n}", default_language=language)


def make_user(*, organization: Organization, role: str = Role.EMPLOYEE, username: str = "", locations=()) -> User:
    n = next(_seq)
    username = username or f"{role}-{n}"
    user = User.objects.create_user(username=username, email=f"{username}@example.com", password=PASSWORD)
    membership = Membership.objects.create(user=user, organization=organization, role=role)
    membership.locations.set(locations)
    return user


def make_location(*, organization: Organization, name: str = "", responsible: User | None = None) -> Location:
    return Location.objects.create(
        organization=organization, name=name or f"Store {next(_seq)}", responsible=responsible
    )


def make_touchpoint(*, location: Location, name: str = "Checkout", kind: str = "checkout") -> Touchpoint:
    return Touchpoint.objects.create(organization=location.organization, location=location, name=name, kind=kind)


def make_survey(*, organization: Organization, kind: str = "nps") -> Survey:
    return survey_create_with_case_rule(organization=organization, kind=kind)


def make_response(*, survey: Survey, touchpoint: Touchpoint, score: int, comment: str = "", **answer):
    return answer_receive(
        survey=survey, touchpoint=touchpoint, answer=AnswerInput(score=score, comment=comment, **answer)
    )


def make_customer(*, organization: Organization, name: str = "", segment: str = "", tags=(), **fields):
    """A customer of the customer base, with an RFM segment and manual tags (names of Tag rows, created here)."""
    from otklik.customers.models import Customer, Tag

    n = next(_seq)
    fields.setdefault("external_id", f"C{n}")
    customer = Customer.objects.create(
        organization=organization, name=name or f"Customer {n}", segment=segment, **fields
    )
    customer.tags.set([Tag.objects.get_or_create(organization=organization, name=tag)[0] for tag in tags])
    return customer


def make_purchase(*, customer, amount="100", purchased_at=None, product=None, location=None, currency="RUB"):
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from otklik.customers.models import OrderStatus, Product, Purchase, PurchaseLine

    n = next(_seq)
    if product is None:
        product, _created = Product.objects.get_or_create(
            organization_id=customer.organization_id, external_id="SKU", defaults={"name": "Kettle"}
        )
    purchase = Purchase.objects.create(
        organization_id=customer.organization_id,
        external_id=f"P{n}",
        customer=customer,
        product=product,
        amount=Decimal(amount),
        currency=currency,
        status=OrderStatus.RETURNED if Decimal(amount) < 0 else OrderStatus.COMPLETED,
        purchased_at=purchased_at or timezone.now() - timedelta(days=1),
        location=location,
    )
    # An order of one line, as the migration made of every purchase stored before orders had lines.
    quantity = -1 if Decimal(amount) < 0 else 1
    PurchaseLine.objects.create(
        purchase=purchase, line_no=1, product=product, quantity=quantity, unit_price=abs(Decimal(amount)), amount=amount
    )
    return purchase


def make_product(*, organization: Organization, name: str = "", **fields):
    """A product of the catalogue, with a fresh external id unless given."""
    from otklik.customers.models import Product

    n = next(_seq)
    fields.setdefault("external_id", f"SKU-{n}")
    return Product.objects.create(organization=organization, name=name or f"Product {n}", **fields)


def make_case(*, location: Location, content: str = "The queue was too long.", **fields):
    """A stored case, as a row only: no rule, alert or thank-you runs (tests of that flow call case_open)."""
    from django.utils import timezone

    from otklik.cases.models import Case

    fields.setdefault("created_at", timezone.now())
    return Case.objects.create(organization=location.organization, location=location, content=content, **fields)


def make_question(*, survey: Survey, kind: str = "text", **fields):
    from otklik.surveys.models import SurveyQuestion

    return SurveyQuestion.objects.create(survey=survey, kind=kind, **fields)


def make_rule(*, organization: Organization, name: str = "", **fields):
    """A manager-edited rule (rules app), with no conditions or actions unless given."""
    from otklik.rules.models import Rule

    return Rule.objects.create(organization=organization, name=name or f"Rule {next(_seq)}", **fields)


def make_theme(*, organization: Organization, name: str = "", **fields):
    from otklik.insights.models import Theme

    return Theme.objects.create(organization=organization, name=name or f"Theme {next(_seq)}", **fields)


def make_department(*, organization: Organization, name: str = ""):
    from otklik.insights.models import Department

    return Department.objects.create(organization=organization, name=name or f"Department {next(_seq)}")


def make_improvement(*, organization: Organization, title: str = "", **fields):
    from otklik.improvements.models import Improvement

    return Improvement.objects.create(organization=organization, title=title or f"Fix {next(_seq)}", **fields)


def make_story(*, organization: Organization, title: str = "", **fields):
    from otklik.publication.models import Story

    fields.setdefault("you_said", "The queue was too long.")
    fields.setdefault("we_did", "We opened a second till.")
    return Story.objects.create(organization=organization, title=title or f"Story {next(_seq)}", **fields)


def make_book_entry(*, case, **fields):
    """A complaint-book entry proposed from a case, not yet published."""
    from otklik.publication.models import BookEntry

    fields.setdefault("complaint_text", case.content)
    fields.setdefault("response_text", "We are sorry.")
    fields.setdefault("assigned_label", "Customer")
    fields.setdefault("received_on", case.created_at.date())
    return BookEntry.objects.create(organization=case.organization, case=case, **fields)


def make_outbox_message(*, organization: Organization, kind: str = "case_alert", **fields):
    from django.utils import timezone

    from otklik.messaging.models import OutboxMessage

    n = next(_seq)
    fields.setdefault("recipient", f"someone-{n}@example.org")
    fields.setdefault("next_attempt_at", timezone.now())
    return OutboxMessage.objects.create(
        organization=organization, key=f"test:{n}", kind=kind, subject=f"Message {n}", body="Hello.", **fields
    )


def make_import_job(*, organization: Organization, kind: str = "purchases", **fields):
    """An uploaded file's job, without a file behind it (stored_name is empty: removed)."""
    from otklik.imports.models import ImportJob

    return ImportJob.objects.create(
        organization=organization, kind=kind, original_name="file.csv", stored_name="", file_format="csv", **fields
    )


def make_hunt_rule(*, organization: Organization, name: str = "", event_name: str = "trial_started", **fields):
    from otklik.outreach.models import HuntRule

    return HuntRule.objects.create(
        organization=organization, name=name or f"Hunt {next(_seq)}", event_name=event_name, **fields
    )


def make_scheduled_invitation(*, customer, **fields):
    from otklik.outreach.models import ScheduledInvitation

    return ScheduledInvitation.objects.create(organization_id=customer.organization_id, customer=customer, **fields)


def make_outreach_task(*, customer, title: str = "Call the customer", **fields):
    from otklik.outreach.models import OutreachTask

    return OutreachTask.objects.create(
        organization_id=customer.organization_id, customer=customer, title=title, **fields
    )


def make_member_invitation(*, organization: Organization, email: str = "", **fields):
    """An invitation to join the team, as stored (its token's hash only)."""
    from datetime import timedelta

    from django.utils import timezone

    from otklik.accounts.models import MemberInvitation

    n = next(_seq)
    now = timezone.now()
    return MemberInvitation.objects.create(
        organization=organization,
        email=email or f"invitee-{n}@example.org",
        token_hash=f"hash-{n}",
        sent_at=now,
        expires_at=now + timedelta(days=7),
        **fields,
    )


def make_api_token(*, organization: Organization, user: User, **fields):
    """A stored API token row (its key is not known: for pages that list and revoke tokens)."""
    from otklik.accounts.models import ApiToken

    n = next(_seq)
    return ApiToken.objects.create(organization=organization, user=user, prefix=f"p{n}", key_hash=f"hash-{n}", **fields)


def make_sla_policy(*, organization: Organization, severity: str = "high", segment: str = "", **fields):
    from otklik.sla.models import SlaPolicy

    fields.setdefault("first_answer_hours", 4)
    fields.setdefault("resolution_hours", 48)
    return SlaPolicy.objects.create(organization=organization, severity=severity, segment=segment, **fields)
