from otklik.surveys.models import Response
from otklik.surveys.spam import answer_rate_exceeded
from otklik.surveys.tests.conftest import answer_url


def test_a_filled_honeypot_looks_like_success_but_stores_nothing(client, world):
    page = client.post(answer_url(world.nps, world.checkout), {"score": "1", "comment": "x", "website": "http://x"})
    assert page.status_code == 303
    assert "/thanks/" in page["Location"]
    assert not Response.objects.exists()


def test_the_honeypot_is_hidden_from_people(client, world):
    html = client.get(answer_url(world.nps, world.checkout)).content.decode()
    assert '<div class="hp" aria-hidden="true">' in html
    assert 'name="website" tabindex="-1"' in html


def test_it_limits_answers_per_ip(client, world, settings):
    settings.OTKLIK_RATE_LIMIT_ANSWERS = 2
    url = answer_url(world.nps, world.checkout)
    assert client.post(url, {"score": "9"}).status_code == 303
    assert client.post(url, {"score": "8"}).status_code == 303
    page = client.post(url, {"score": "7", "comment": "third"})
    assert page.status_code == 429
    html = page.content.decode()
    assert "Too many answers have come from your network" in html
    assert "third" in html
    assert Response.objects.count() == 2


def test_the_limit_is_per_ip(client, world, settings):
    settings.OTKLIK_RATE_LIMIT_ANSWERS = 1
    url = answer_url(world.nps, world.checkout)
    assert client.post(url, {"score": "9"}, REMOTE_ADDR="10.0.0.1").status_code == 303
    assert client.post(url, {"score": "9"}, REMOTE_ADDR="10.0.0.1").status_code == 429
    assert client.post(url, {"score": "9"}, REMOTE_ADDR="10.0.0.2").status_code == 303


def test_the_rate_limit_counts_per_window(db, settings):
    settings.OTKLIK_RATE_LIMIT_ANSWERS = 2
    settings.OTKLIK_RATE_LIMIT_WINDOW_SECONDS = 600
    start = 6000.0
    assert [answer_rate_exceeded(client_ip="10.0.0.9", now=start + i) for i in range(3)] == [False, False, True]
    assert answer_rate_exceeded(client_ip="10.0.0.9", now=start + 600) is False


def test_a_zero_limit_turns_the_guard_off(db, settings):
    settings.OTKLIK_RATE_LIMIT_ANSWERS = 0
    assert not any(answer_rate_exceeded(client_ip="10.0.0.9") for _ in range(5))
