"""Login: throttled per account and per client address, never locked for good, written to the audit log."""

# The counters live in the database cache here, rolled back with each test.
from otklik.accounts import throttle
from otklik.audit.models import AuditEvent
from otklik.testing.factories import PASSWORD


def log_in(client, username: str, password: str, address: str = "203.0.113.7"):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def test_a_right_password_logs_in_and_is_audited(client, world):
    response = log_in(client, "max", PASSWORD)
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="login")
    assert (event.organization, event.actor, event.client_address) == (world.org, world.manager, "203.0.113.7")


def test_a_wrong_password_is_audited_in_the_members_organization(client, world):
    assert log_in(client, "max", "wrong").status_code == 200
    event = AuditEvent.objects.get(action="login_failed")
    assert (event.organization, event.actor_label) == (world.org, "max")


def test_five_failures_make_the_account_wait_with_a_clear_message(client, world):
    for _attempt in range(5):
        assert log_in(client, "max", "wrong").status_code == 200
    refused = log_in(client, "max", PASSWORD)
    assert refused.status_code == 429
    assert "Too many failed logins. Try again in 5 min." in refused.content.decode()
    assert "_auth_user_id" not in client.session
    # Another account from the same address is not held back by max's failures.
    assert log_in(client, "olga", PASSWORD).status_code == 302


def test_the_wait_ends_after_the_cooldown(client, world, monkeypatch):
    for _attempt in range(5):
        log_in(client, "max", "wrong")
    assert log_in(client, "max", PASSWORD).status_code == 429
    later = throttle.time.time() + 301
    monkeypatch.setattr(throttle.time, "time", lambda: later)
    assert log_in(client, "max", PASSWORD).status_code == 302


def test_the_message_is_in_the_users_language(client, world):
    for _attempt in range(5):
        log_in(client, "max", "wrong")
    client.cookies["django_language"] = "ru"
    refused = log_in(client, "max", PASSWORD)
    assert "Слишком много неудачных попыток входа. Попробуйте через 5 мин." in refused.content.decode()


def test_one_address_is_throttled_across_accounts(client, world, settings):
    settings.OTKLIK_LOGIN_FAILURES_PER_ADDRESS = 3
    for username in ["a", "b", "c"]:
        log_in(client, username, "wrong", address="198.51.100.9")
    assert log_in(client, "max", PASSWORD, address="198.51.100.9").status_code == 429
    assert log_in(client, "max", PASSWORD, address="198.51.100.10").status_code == 302


def test_a_dead_cache_lets_people_log_in(client, world, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    assert log_in(client, "max", "wrong").status_code == 200
    assert log_in(client, "max", PASSWORD).status_code == 302


def test_a_member_deactivated_everywhere_cannot_log_in(client, world):
    world.manager.memberships.update(is_active=False)
    response = log_in(client, "max", PASSWORD)
    assert response.status_code == 200
    assert "not active in any organization" in response.content.decode()
