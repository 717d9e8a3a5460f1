"""A small factory for customers in the messaging tests."""

from otklik.accounts.models import Organization
from otklik.customers.models import Customer


def make_customer(*, organization: Organization, **fields) -> Customer:
    """A customer who may be reached by every channel, unless `fields` say otherwise."""
    values = {
        "name": "Anna Petrova",
        "email": "anna@example.org",
        "phone": "79161234567",
        "telegram_chat_id": "123456789",
        "language": "en",
        "consent_email": True,
        "consent_sms": True,
        "consent_telegram": True,
        **fields,
    }
    return Customer.objects.create(organization=organization, **values)
