from otklik.messaging.tests.fake_telegram import telegram  # noqa: F401  (a fixture)
from otklik.messaging.tests.fake_twilio import twilio  # noqa: F401  (a fixture)
