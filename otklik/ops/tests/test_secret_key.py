"""Outside debug, `otklik serve` and `otklik worker` refuse to run on a key anybody can read."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError, SystemCheckError

from otklik.ops.secret import startup_refusal

REAL_KEY = "real-" + "Zq8xW2vL0pN4" * 5


@pytest.fixture
def no_key(settings):
    settings.DEBUG = False
    settings.SECRET_KEY = settings.INSECURE_DEV_KEY
    settings.OTKLIK_SECRET_KEY_SOURCE = ""


@pytest.mark.parametrize("command", ["serve", "worker"])
def test_serve_and_worker_refuse_to_start_without_a_key(no_key, command):
    with pytest.raises(CommandError) as refused:
        call_command(command)
    message = str(refused.value)
    assert message.startswith("Refusing to start: No secret key is configured.")
    assert "OTKLIK_SECRET_KEY" in message and "OTKLIK_SECRET_KEY_FILE" in message


def test_a_weak_key_is_refused_too(settings):
    settings.DEBUG = False
    settings.SECRET_KEY, settings.OTKLIK_SECRET_KEY_SOURCE = "changeme", "OTKLIK_SECRET_KEY"
    assert "The secret key from OTKLIK_SECRET_KEY is too weak" in startup_refusal()


def test_a_real_key_lets_them_start(settings):
    settings.DEBUG = False
    settings.SECRET_KEY, settings.OTKLIK_SECRET_KEY_SOURCE = REAL_KEY, "OTKLIK_SECRET_KEY_FILE"
    assert startup_refusal() is None


def test_debug_mode_runs_on_the_development_key(no_key, settings):
    settings.DEBUG = True
    assert startup_refusal() is None


def test_check_deploy_reports_the_missing_key_as_an_error(no_key, capsys):
    with pytest.raises(SystemCheckError, match=r"otklik\.E001.*No secret key is configured"):
        call_command("check", deploy=True)
