from otklik.messaging.tests.fake_telegram import telegram  # noqa: F401  (a fixture)
