"""Settings read from the environment: a typo stops the start with a message naming the variable."""

import importlib.util
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured

SETTINGS_FILE = Path(django_settings.BASE_DIR) / "otklik" / "settings.py"
KEY = "k3y-" + "a1b2c3d4e5" * 6


def load_settings(monkeypatch, **env):
    """A fresh copy of otklik/settings.py read under `env` (the running Django settings stay as they are)."""
    for name in [name for name in __import__("os").environ if name.startswith("OTKLIK_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("otklik_settings_copy", SETTINGS_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("word", "value"),
    [
        ("1", True),
        ("TRUE", True),
        ("yes", True),
        (" on ", True),
        ("0", False),
        ("false", False),
        ("No", False),
        ("off", False),
    ],
)
def test_yes_no_words_are_read(monkeypatch, word, value):
    assert load_settings(monkeypatch, OTKLIK_DEBUG=word).DEBUG is value


@pytest.mark.parametrize("typo", ["ture", "enabled", "2", "y"])
def test_anything_else_stops_the_start_naming_the_variable(monkeypatch, typo):
    with pytest.raises(ImproperlyConfigured, match=rf"OTKLIK_SECURE_COOKIES='{typo}' is neither true nor false"):
        load_settings(monkeypatch, OTKLIK_SECURE_COOKIES=typo)


def test_a_number_that_is_not_one_names_the_variable(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="OTKLIK_HSTS_SECONDS='a year' is not a whole number"):
        load_settings(monkeypatch, OTKLIK_HSTS_SECONDS="a year")


def test_a_timeout_that_is_not_a_number_names_the_variable(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="OTKLIK_CACHE_TIMEOUT_SECONDS='half a second' is not a number"):
        load_settings(monkeypatch, OTKLIK_CACHE_TIMEOUT_SECONDS="half a second")


def test_without_a_key_the_development_key_is_marked_as_such(monkeypatch):
    loaded = load_settings(monkeypatch)
    assert (loaded.SECRET_KEY, loaded.OTKLIK_SECRET_KEY_SOURCE) == (loaded.INSECURE_DEV_KEY, "")


def test_the_key_comes_from_a_file(monkeypatch, tmp_path):
    (tmp_path / "secret_key").write_text(KEY + "\n")
    loaded = load_settings(monkeypatch, OTKLIK_SECRET_KEY_FILE=str(tmp_path / "secret_key"))
    assert (loaded.SECRET_KEY, loaded.OTKLIK_SECRET_KEY_SOURCE) == (KEY, "OTKLIK_SECRET_KEY_FILE")


def test_a_missing_key_file_is_named(monkeypatch, tmp_path):
    with pytest.raises(ImproperlyConfigured, match="OTKLIK_SECRET_KEY_FILE=.*nowhere.* cannot be read"):
        load_settings(monkeypatch, OTKLIK_SECRET_KEY_FILE=str(tmp_path / "nowhere"))


def test_old_keys_stay_valid_as_fallbacks(monkeypatch):
    loaded = load_settings(monkeypatch, OTKLIK_SECRET_KEY=KEY, OTKLIK_SECRET_KEY_FALLBACKS=" old-one , older ,")
    assert (loaded.SECRET_KEY, loaded.SECRET_KEY_FALLBACKS) == (KEY, ["old-one", "older"])


def test_an_https_site_gets_secure_cookies_trusted_origins_and_its_host(monkeypatch):
    loaded = load_settings(
        monkeypatch,
        OTKLIK_SITE_URL="https://feedback.example.com/",
        OTKLIK_CSRF_TRUSTED_ORIGINS="https://admin.example.com",
    )
    assert loaded.SESSION_COOKIE_SECURE and loaded.CSRF_COOKIE_SECURE
    assert loaded.CSRF_TRUSTED_ORIGINS == ["https://feedback.example.com", "https://admin.example.com"]
    assert "feedback.example.com" in loaded.ALLOWED_HOSTS
    assert not hasattr(loaded, "SECURE_PROXY_SSL_HEADER")  # no proxy is trusted until one is named


def test_a_trusted_proxy_makes_its_scheme_header_count(monkeypatch):
    loaded = load_settings(monkeypatch, OTKLIK_TRUSTED_PROXIES="127.0.0.1, 10.0.0.0/8")
    assert loaded.OTKLIK_TRUSTED_PROXIES == ["127.0.0.1", "10.0.0.0/8"]
    assert loaded.SECURE_PROXY_SSL_HEADER == ("HTTP_X_FORWARDED_PROTO", "https")


def test_a_redis_cache_answers_within_a_short_timeout(monkeypatch):
    loaded = load_settings(monkeypatch, OTKLIK_CACHE_URL="redis://127.0.0.1:6379/3")
    options = loaded.CACHES["default"]["OPTIONS"]
    assert options["socket_connect_timeout"] == options["socket_timeout"] == 0.5


def test_the_task_library_logs_failures_not_every_run(monkeypatch):
    # `make run` printed two INFO lines per task (~2 300 in its first minute) over the demo's logins.
    loggers = load_settings(monkeypatch).LOGGING["loggers"]
    assert loggers["django_tasks"]["level"] == "WARNING"
    assert (
        load_settings(monkeypatch, OTKLIK_TASK_LOG_LEVEL="INFO").LOGGING["loggers"]["django_tasks"]["level"] == "INFO"
    )


def test_a_failed_task_is_still_logged(caplog):
    import logging

    from django_tasks.base import TaskResultStatus
    from django_tasks.signals import log_task_finished

    class Result:
        id = "t1"
        status = TaskResultStatus.FAILED

        class task:
            module_path = "otklik.example.task"

    with caplog.at_level(logging.NOTSET):
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            log_task_finished(sender=None, task_result=Result())
    assert [record.levelname for record in caplog.records if record.name == "django_tasks"] == ["ERROR"]
