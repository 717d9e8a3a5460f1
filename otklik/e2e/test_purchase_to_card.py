"""Know the customer, ask at the right moment: from an uploaded purchases file to the answer on the customer's card.

A manager uploads the customer file and the purchases file from accounting, sees an invitation
scheduled per product delay, confirms the manual-mode letter from the queue; the e-mail reaches
a real SMTP server, the customer answers through the personal link, and the answer is on the card.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from otklik.customers.services import products_upsert
from otklik.demo.datasets import AIRLINES, datasets_dir
from otklik.outreach.models import ScheduledInvitation
from otklik.testing.factories import PASSWORD
from otklik.testing.smtp_sink import start_sink

pytestmark = pytest.mark.browser

CUSTOMERS = (
    "Код клиента;Клиент;E-mail;Язык;Согласие на e-mail\n"
    "C-1;Anna;anna@example.org;en;да\n"
    "C-2;Boris;boris@example.org;en;да\n"
)


def a_real_praise() -> str:
    """A positive airline tweet: real text, never invented."""
    path = AIRLINES.path(datasets_dir())
    if not path.exists():
        pytest.skip(f"dataset missing: {path}")
    return next(row.text for row in AIRLINES.reader(path) if row.sentiment == "positive")


def purchases_file(today: str) -> str:
    return (
        "Номер;Дата;Код клиента;Код товара;Сумма;Магазин\n"
        f"P-1;{today};C-1;KETTLE;2490,00;Main Street\n"
        f"P-2;{today};C-2;INSTALL;15000,00;Main Street\n"
    )


@pytest.fixture
def sink(settings, live_server):
    controller, handler = start_sink()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.SITE_URL = live_server.url
    # Tasks (the file check and import, the outbox delivery) run at once, as a worker would run them.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    yield handler
    controller.stop()


def upload(page, base: str, kind: str, name: str, text: str) -> None:
    page.goto(f"{base}/imports/")
    page.select_option("#form-import-upload select[name=kind]", kind)
    page.set_input_files(
        "#form-import-upload input[type=file]", files=[{"name": name, "mimeType": "text/csv", "buffer": text.encode()}]
    )
    page.click("#form-import-upload button[type=submit]")
    page.click("#import-check-run")  # the columns were guessed from the Russian header
    page.click("#import-run")
    page.wait_for_selector("#import-done")


def test_a_purchase_file_becomes_an_answer_on_the_customers_card(live_server, page, world, sink):
    base = live_server.url
    products_upsert(
        organization=world.org,
        records=[
            {"external_id": "KETTLE", "name": "Kettle", "evaluation_delay_days": 3, "evaluation_mode": "automatic"},
            {"external_id": "INSTALL", "name": "Installation", "evaluation_delay_days": 7, "evaluation_mode": "manual"},
        ],
    )
    today = timezone.localdate()

    page.goto(f"{base}/login/")
    page.fill("input[name=username]", world.manager.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/")

    upload(page, base, "customers", "clients.csv", CUSTOMERS)
    upload(page, base, "purchases", "sales.csv", purchases_file(today.strftime("%d.%m.%Y")))

    # The kettle (automatic, 3 days) is scheduled; the installation (manual) waits for the manager's date.
    page.goto(f"{base}/outreach/")
    kettle = ScheduledInvitation.objects.get(purchase__external_id="P-1")
    assert timezone.localdate(kettle.send_at) == today + timedelta(days=3)
    assert "Kettle" in page.inner_text(f"#scheduled-{kettle.pk}")
    installation = ScheduledInvitation.objects.get(purchase__external_id="P-2")
    assert installation.send_at is None

    # "When should we ask for the evaluation?" — today; the prepared letter then waits: send it as is.
    page.goto(f"{base}/outreach/queue/")
    page.fill(f"#day-{installation.pk}", today.isoformat())
    page.click(f"#date-form-{installation.pk} button[type=submit]")
    page.click(f"#send-{installation.pk}")
    page.wait_for_load_state()

    # The letter arrived at the SMTP server, once, with a one-click unsubscribe.
    letters = [message for message in sink.messages if "boris@example.org" in message["To"]]
    assert len(letters) == 1
    assert letters[0]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    body = letters[0].get_body(preferencelist=("plain",)).get_content()
    assert "Installation" in body
    link = re.search(r"http://\S+/i/[\w-]+/", body).group(0)

    # Boris answers through his personal link.
    praise = a_real_praise()
    page.goto(link)
    page.check("input[name=score][value='9']", force=True)
    page.fill("#comment", praise)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/thanks/" in url)

    # The manager finds the answer on Boris's card, beside the purchase it is about.
    page.goto(f"{base}/customers/?q=C-2")
    page.click("text=Boris")
    page.wait_for_selector("#customer-timeline")
    assert praise[:40] in page.inner_text("#customer-timeline")
    assert "Installation" in page.inner_text("#customer-purchases")
