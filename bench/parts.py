"""What the in-process profiling benches (`answer_worker_parts.py`, `dispatch_parts.py`) share: their common
options and a Django set up on the bench's PostgreSQL database with the database task queue."""

import argparse
import os
from collections.abc import Callable


def add_profile_arguments(parser: argparse.ArgumentParser, *, default_database: str) -> None:
    """The options every parts bench takes: how cProfile's table is sorted and cut, and the database."""
    parser.add_argument("--sort", default="tottime", help="pstats sort key: tottime, cumulative…")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("OTKLIK_BENCH_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{default_database}"),
    )


def django_on(database_url: str, *, email_backend: str, ensure_database: Callable[[str], object]) -> None:
    """Set Django up in this process on `database_url` (made first by `ensure_database`), tasks queued in the
    database as the worker reads them, e-mail through `email_backend`."""
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "otklik.settings",
            "OTKLIK_DATABASE_URL": database_url,
            "OTKLIK_TASK_BACKEND": "django_tasks_db.DatabaseBackend",
            "OTKLIK_EMAIL_BACKEND": email_backend,
        }
    )
    os.environ.setdefault("OTKLIK_SECRET_KEY", "bench-" * 10)
    ensure_database(database_url)
    import django

    django.setup()
