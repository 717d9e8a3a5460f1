"""Staff work from a phone (390×844), in Russian and Ukrainian; customers see the right next step;
axe-core finds no serious or critical violation on the main pages."""

from urllib.parse import urlsplit

import pytest
from django.test import Client

from otklik.cases.models import Case, Step
from otklik.e2e.phone import axe_violations, log_in, overflow, phone_page, unlabelled_cells
from otklik.publication.models import BookEntry
from otklik.surveys.models import Response
from otklik.tests.pagewalk import staff_paths, staff_world

pytestmark = pytest.mark.browser


def html_pages(user, paths: list[str]) -> list[str]:
    """Those of the paths that are pages this user may GET (not POST-only actions, not files)."""
    client = Client()
    client.force_login(user)
    found = []
    for path in paths:
        answer = client.get(path)
        if answer.status_code == 200 and answer["Content-Type"].startswith("text/html"):
            found.append(path)
    return found


def pages_wider_than_the_screen(page, base: str, paths: list[str], unlabelled: dict | None = None) -> dict[str, int]:
    """The paths whose page sticks out of the screen; `unlabelled`, when given, collects each page's bare cells."""
    wide = {}
    for path in paths:
        page.goto(base + path)
        if overflow(page) > 0:
            wide[path] = page.evaluate("document.documentElement.scrollWidth")
        if unlabelled is not None and (cells := unlabelled_cells(page)):
            unlabelled[path] = cells
    return wide


@pytest.mark.parametrize("role,language", [("employee", "ru"), ("manager", "uk")])
def test_every_staff_page_fits_a_phone(live_server, browser, world, role, language):
    values = staff_world(world)
    page = phone_page(browser, base_url=live_server.url, language=language)
    log_in(page, live_server.url, getattr(world, role).username)

    # The menu folds behind one button, and opens without JavaScript being needed.
    assert page.locator("#main-menu").is_hidden()
    page.click("#menu-button")
    assert page.locator("#main-menu").is_visible()
    assert page.locator("#menu-insights summary").is_visible()

    paths = html_pages(getattr(world, role), staff_paths(values))
    assert len(paths) > 20
    unlabelled = {}
    assert pages_wider_than_the_screen(page, live_server.url, paths, unlabelled) == {}
    # A table's rows are cards on a phone, its header hidden: every figure says what it is.
    assert unlabelled == {}
    # The report's headline figures are wide enough to read ("NPS", "-10.0" not broken letter by letter).
    page.goto(live_server.url + "/report/")
    widths = [box["width"] for box in (f.bounding_box() for f in page.locator(".headline-grid .figure").all())]
    assert widths and min(widths) >= 150, widths
    page.context.close()


def test_the_other_two_combinations_fit_the_main_pages(live_server, browser, world):
    values = staff_world(world)
    main = ["/", "/cases/", f"/cases/{values['case_id']}/", "/answers/", "/customers/", "/insights/", "/metrics/"]
    for role, language in [("employee", "uk"), ("manager", "ru")]:
        page = phone_page(browser, base_url=live_server.url, language=language)
        log_in(page, live_server.url, getattr(world, role).username)
        assert pages_wider_than_the_screen(page, live_server.url, main) == {}, (role, language)
        page.context.close()


def test_a_complaint_walks_all_five_steps_on_a_phone(live_server, browser, world):
    values = staff_world(world)
    base = live_server.url
    page = phone_page(browser, base_url=base, language="ru")
    log_in(page, base, world.employee.username)

    # Home: my open complaints, most urgent first, with the SLA clock.
    assert page.locator("#my-open-cases").is_visible()
    assert "осталось" in page.inner_text("#my-open-cases") or "просрочено" in page.inner_text("#my-open-cases")
    page.click(f"#my-case-{values['case_id']} a")
    page.wait_for_selector("#case-progress")
    steps = page.locator("#case-progress li")
    assert steps.count() == 5
    for index in range(5):
        box = steps.nth(index).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390 and box["height"] > 0

    def act(form: str, fields: dict[str, str], selects: dict[str, str] | None = None):
        for name, value in (selects or {}).items():
            page.select_option(f"{form} select[name={name}]", value)
        for name, value in fields.items():
            page.fill(f"{form} [name={name}]", value)
        # The step's own button (the report form also has a secondary "Preview" button before it).
        button = page.locator(f"{form} button[type=submit]:not([name=preview])").first
        button.scroll_into_view_if_needed()
        box = button.bounding_box()
        # Reachable with a thumb: the whole width of the screen, and tall enough to hit.
        assert box["width"] >= 300 and box["height"] >= 44 and box["x"] + box["width"] <= 390
        button.click()
        page.wait_for_load_state()
        assert overflow(page) <= 0

    # A complaint that left an e-mail was thanked automatically (issue 17); otherwise the employee thanks by phone.
    if Case.objects.get(pk=values["case_id"]).thanked_at is None:
        act("#form-thank", {}, {"via": "phone"})
    act("#form-apologize", {"apology": "Приносим извинения за сбой."})
    act("#form-promise", {"fix_promise": "Починим личный кабинет.", "planned_fix_date": "2030-12-15"})
    act("#form-fix", {"fix_description": "Личный кабинет снова работает."})
    act("#form-report", {"cause": "Сбой сервера.", "action_taken": "Добавили второй сервер."}, {"via": "phone"})
    assert Case.objects.get(pk=values["case_id"]).step == Step.RESOLVED
    assert page.locator("#case-progress li.done").count() == 5
    page.context.close()


def test_the_thank_you_page_gives_each_customer_the_right_next_step(live_server, browser, world, settings):
    base = live_server.url
    settings.SITE_URL = base
    world.store.review_url_yandex = f"{base}/login/?from=yandex"  # a page that exists, to follow the redirect
    world.store.save()
    answer_url = f"{base}/s/{world.nps.public_key}/{world.checkout.public_key}/"
    page = phone_page(browser, base_url=base, language="uk")

    def answer(score: int, comment: str = "", email: str = "") -> None:
        page.goto(answer_url + "?lang=uk")
        # A customer who opened the page in the wrong language can hit the other languages with a thumb.
        for link in page.locator(".langs a").all():
            assert link.bounding_box()["height"] >= 44
        page.check(f"input[name=score][value='{score}']", force=True)
        if comment:
            page.fill("#comment", comment)
        if email:
            page.click("summary")
            page.fill("#email", email)
            page.check("#contact_consent")
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/thanks/" in url)
        assert overflow(page) <= 0

    # sentirueval2016-ru/tweets.csv, tweet 615756481242120000 (the first line).
    answer(2, comment="@mts_news Что с Личным кабинетом?", email="c@example.org")
    assert page.locator("[data-band=detractor] #reply-by").is_visible()
    assert "зв'яжеться з вами до" in page.inner_text("#reply-by")

    answer(8)
    assert page.locator("[data-band=passive] #followup").is_visible()
    page.fill("#followup", "Швидша доставка")
    page.click("#next-step button[type=submit]")
    assert page.locator("#followup-thanks").is_visible()
    assert Response.objects.get(score=8).comment == "Швидша доставка"

    answer(10)
    review = page.locator("#review-yandex")
    assert review.is_visible()
    assert urlsplit(review.get_attribute("href")).path.startswith("/r/")
    review.click()
    page.wait_for_url(lambda url: "from=yandex" in url)
    assert Response.objects.get(score=10).review_site == "yandex"

    # The click is an outcome on the dashboard.
    log_in(page, base, world.manager.username)
    assert page.inner_text("#review-outcomes .big") == "1"
    page.context.close()


def test_axe_finds_no_serious_violation_on_the_main_pages(live_server, browser, world):
    values = staff_world(world)
    base = live_server.url
    BookEntry.objects.all().delete()  # the book page is checked empty and with nothing to hide
    page = phone_page(browser, base_url=base, language="ru")
    found = {}
    public = [
        f"/s/{values['survey_key']}/{values['touchpoint_key']}/",
        f"/s/{values['survey_key']}/{values['touchpoint_key']}/thanks/",
        f"/book/{values['org_slug']}/",
    ]
    for path in public:
        page.goto(base + path)
        found[path] = axe_violations(page)
    log_in(page, base, world.manager.username)
    for path in ["/", "/cases/", f"/cases/{values['case_id']}/"]:
        page.goto(base + path)
        found[path] = axe_violations(page)
    assert {path: problems for path, problems in found.items() if problems} == {}
    page.context.close()
