"""deploy/: the production configuration passes `check --deploy`, and the nginx site fits the settings."""

import os
import re
import secrets
import shlex
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
DEPLOY = ROOT / "deploy"


def env_file(path: Path) -> dict[str, str]:
    """NAME=value lines as systemd's EnvironmentFile reads them (comments, blank lines, quoted values)."""
    values = {}
    for line in path.read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, _, value = line.partition("=")
        values[name.strip()] = " ".join(shlex.split(value)) if value.strip() else ""
    return values


def check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess:
    # This test run's own settings stay out (the browser tests' DJANGO_ALLOW_ASYNC_UNSAFE would be an error).
    ours = ("OTKLIK_", "DJANGO_ALLOW_ASYNC_UNSAFE")
    clean = {name: value for name, value in os.environ.items() if not name.startswith(ours)}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_example_configuration_with_a_real_key_passes_check_deploy(tmp_path):
    key = tmp_path / "secret_key"
    key.write_text(secrets.token_urlsafe(50) + "\n")
    env = {
        **env_file(DEPLOY / "otklik.env.example"),
        "OTKLIK_SECRET_KEY_FILE": str(key),
        "OTKLIK_VAR_DIR": str(tmp_path),
    }
    finished = check_deploy(env)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert "System check identified no issues" in finished.stdout


def test_without_its_key_file_check_deploy_fails_with_an_error(tmp_path):
    env = {**env_file(DEPLOY / "otklik.env.example"), "OTKLIK_VAR_DIR": str(tmp_path)}
    del env["OTKLIK_SECRET_KEY_FILE"]
    finished = check_deploy(env)
    assert finished.returncode != 0
    assert "otklik.E001" in finished.stderr and "No secret key is configured" in finished.stderr


def test_the_example_configuration_names_only_documented_variables():
    documented = (ROOT / "docs" / "configuration.md").read_text()
    missing = [name for name in env_file(DEPLOY / "otklik.env.example") if f"`{name}`" not in documented]
    assert not missing, f"in deploy/otklik.env.example but not in docs/configuration.md: {missing}"


def test_nginx_accepts_an_import_as_large_as_the_application_does():
    site = (DEPLOY / "nginx" / "otklik.conf").read_text()
    megabytes = int(re.search(r"client_max_body_size (\d+)m;", site).group(1))
    # The file itself plus one MiB for the multipart form around it.
    assert megabytes * 1024 * 1024 == settings.OTKLIK_IMPORT_MAX_BYTES + 1024 * 1024


def test_the_units_read_the_example_configuration_and_run_the_two_commands():
    web = (DEPLOY / "systemd" / "otklik-web.service").read_text()
    worker = (DEPLOY / "systemd" / "otklik-worker.service").read_text()
    assert "EnvironmentFile=/etc/otklik/otklik.env" in web and "EnvironmentFile=/etc/otklik/otklik.env" in worker
    assert re.search(r"^ExecStart=\S+/otklik serve --host 127\.0\.0\.1 --port 8000$", web, re.M)
    assert re.search(r"^ExecStart=\S+/otklik worker$", worker, re.M)
    assert "server 127.0.0.1:8000;" in (DEPLOY / "nginx" / "otklik.conf").read_text()
