import pytest

pytestmark = pytest.mark.browser


def test_it_shows_the_login_page_in_a_real_browser(live_server, page):
    page.goto(f"{live_server.url}/login/")
    assert page.locator("input[name=username]").is_visible()
