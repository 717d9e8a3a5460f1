"""Helpers for the phone-sized browser tests: a 390×844 context in a language, and axe-core from npm."""

from pathlib import Path

import pytest

from otklik.testing.factories import PASSWORD

PHONE = {"width": 390, "height": 844}
# Installed by `make test` (npm ci at the version pinned in otklik/e2e/axe/package-lock.json); never fetched here.
AXE = Path(__file__).resolve().parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"


def phone_page(browser, *, base_url: str, language: str):
    context = browser.new_context(viewport=PHONE, locale=language, is_mobile=True, has_touch=True)
    context.add_cookies([{"name": "django_language", "value": language, "url": base_url}])
    page = context.new_page()
    page.set_default_timeout(20_000)
    return page


def log_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base_url}/")


def overflow(page) -> int:
    """How far the page is wider than the screen (0: nothing sticks out)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def unlabelled_cells(page) -> list[str]:
    """Cells of a headed table that would show on a phone's card without saying what they are (buttons aside),
    and cells spanning several columns (an empty table's "Nothing yet.") that wrongly took one column's name."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll("table thead ~ tbody td"))
            .filter(cell => cell.colSpan === 1
                ? !cell.hasAttribute("data-label") && cell.textContent.trim() && !cell.querySelector("button, form")
                : cell.hasAttribute("data-label"))
            .map(cell => cell.textContent.trim().replace(/\\s+/g, " ").slice(0, 40))"""
    )


def axe_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page, one line each."""
    if not AXE.exists():
        pytest.fail(f"axe-core not found at {AXE}: run `make test`, which installs it with npm ci.")
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{violation['id']} ({violation['impact']}): {node['target']} {node.get('failureSummary', '')[:160]}"
        for violation in results["violations"]
        if violation["impact"] in ("serious", "critical")
        for node in violation["nodes"]
    ]
