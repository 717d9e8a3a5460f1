"""A key rotation keeps the links customers already hold working while the old key is a fallback."""

from otklik.customers.consent import unsubscribe_token_read
from otklik.customers.inbound import link_token, link_token_customer
from otklik.messaging.consent import unsubscribe_token
from otklik.testing import factories

OLD_KEY = "old-" + "Hy7pQ2mZ" * 7
NEW_KEY = "new-" + "Rt5wE9kB" * 7


def test_links_signed_with_the_old_key_stay_valid_as_a_fallback(db, settings):
    customer = factories.make_customer(organization=factories.make_organization(name="Acme Coffee", slug="acme"))
    settings.SECRET_KEY = OLD_KEY
    unsubscribe, start = unsubscribe_token(customer=customer, channel="email"), link_token(customer)

    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = NEW_KEY, [OLD_KEY]
    assert unsubscribe_token_read(unsubscribe) == (customer, "email")
    assert link_token_customer(start) == customer
    # New links are made with the new key.
    assert link_token(customer) != start

    settings.SECRET_KEY_FALLBACKS = []  # the old key dropped: its links end
    assert unsubscribe_token_read(unsubscribe) is None
    assert link_token_customer(start) is None
