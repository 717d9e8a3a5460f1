"""Running real `manage.py` processes in tests, on the database queue or on RQ over Redis."""

import os
import subprocess
import sys
import time
import urllib.parse
import uuid
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
# A Redis database the tests may empty; in CI Redis runs on 127.0.0.1:6379.
TEST_REDIS_URL = os.environ.get("OTKLIK_TEST_REDIS_URL", "redis://127.0.0.1:6379/4")
# A PostgreSQL server where the tests may create and drop a scratch database.
TEST_POSTGRES_URL = os.environ.get("OTKLIK_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def redis_env() -> dict[str, str]:
    """Settings for RQ over the test Redis, emptied first; skips the test when Redis is unreachable."""
    import redis

    connection = redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=1)
    try:
        connection.flushdb()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"Redis is unreachable at {TEST_REDIS_URL}")
    return {"OTKLIK_TASK_BACKEND": "django_tasks_rq.RQBackend", "OTKLIK_REDIS_URL": TEST_REDIS_URL}


def backend_env(name: str) -> dict[str, str]:
    return redis_env() if name == "rq" else {"OTKLIK_TASK_BACKEND": "django_tasks_db.DatabaseBackend"}


class ScratchPostgres:
    """A database created for one test module on the test PostgreSQL server, dropped afterwards."""

    def __init__(self):
        import psycopg

        self.admin = TEST_POSTGRES_URL
        self.name = f"otklik_scratch_{uuid.uuid4().hex[:10]}"
        try:
            with psycopg.connect(self.admin, autocommit=True, connect_timeout=2) as conn:
                conn.execute(f'CREATE DATABASE "{self.name}"')
        except psycopg.OperationalError as exc:
            pytest.skip(f"PostgreSQL is unreachable at {self.admin}: {exc}")
        self.url = urllib.parse.urlparse(self.admin)._replace(path=f"/{self.name}").geturl()

    def drop(self) -> None:
        import psycopg

        with psycopg.connect(self.admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def manage(*args: str, env: dict[str, str], **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # so the whole process group can be killed
        **kwargs,
    )


def run(*args: str, env: dict[str, str]) -> None:
    process = manage(*args, env=env)
    _out, err = process.communicate(timeout=180)
    assert process.returncode == 0, err.decode()


def wait_for(condition, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def stop(process: subprocess.Popen, sig: int) -> None:
    import signal as signals

    if process.poll() is None:
        os.killpg(process.pid, sig)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signals.SIGKILL)
        process.wait(timeout=10)
