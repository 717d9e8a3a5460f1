"""Backup and restore of the whole database, for `otklik backup FILE` and `otklik restore FILE`.

SQLite: the online backup API copies a consistent snapshot while the web server and the worker keep
writing (WAL), and restores the same way. PostgreSQL: pg_dump's custom format (compressed, restorable
table by table) and pg_restore in one transaction, so a restore that fails leaves the database as it was.
"""

import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

from django.db import connection

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"


class BackupError(Exception):
    """Something an operator must fix; the message says what."""


def engine() -> str:
    vendor = connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        raise BackupError(f"Backups cover SQLite and PostgreSQL; this database is {vendor}.")
    return vendor


def backup_create(*, path: Path) -> str:
    """Write a backup of the configured database to `path`; returns the format written."""
    path = Path(path)
    if path.is_dir():
        raise BackupError(f"{path} is a folder; give a file name, e.g. {path / 'otklik.backup'}.")
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written beside the target and renamed at the end: an interrupted backup never leaves half a file there.
    fd, partial = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        if engine() == "sqlite":
            _sqlite_backup(Path(partial))
        else:
            _pg(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={partial}"])
        os.replace(partial, path)
    finally:
        Path(partial).unlink(missing_ok=True)
    return "SQLite database" if connection.vendor == "sqlite" else "pg_dump custom format"


def backup_restore(*, path: Path) -> None:
    """Replace the configured database's contents with the backup at `path`."""
    path = Path(path)
    try:
        with path.open("rb") as backup:
            head = backup.read(len(SQLITE_MAGIC))
    except OSError as error:
        raise BackupError(f"{path} cannot be read: {error.strerror}.") from None
    if engine() == "sqlite":
        if not head.startswith(SQLITE_MAGIC):
            raise BackupError(f"{path} is not an SQLite backup" + _pg_hint(head, "SQLite"))
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            connection.ensure_connection()
            source.backup(connection.connection)
        finally:
            source.close()
    else:
        if not head.startswith(PG_DUMP_MAGIC):
            raise BackupError(f"{path} is not a PostgreSQL backup (pg_dump --format=custom)" + _pg_hint(head, "PG"))
        connection.close()  # our own session would hold locks that pg_restore's DROPs wait for
        _pg(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                str(path),
            ],
            database_flag=True,
        )


def _pg_hint(head: bytes, target: str) -> str:
    if target == "SQLite" and head.startswith(PG_DUMP_MAGIC):
        return ": it was made from PostgreSQL; restore it with OTKLIK_DATABASE_URL pointing at PostgreSQL."
    if target == "PG" and head.startswith(SQLITE_MAGIC):
        return ": it is an SQLite database; restore it with the SQLite OTKLIK_DATABASE_URL it came from."
    return "."


def _sqlite_backup(target: Path) -> None:
    connection.ensure_connection()
    destination = sqlite3.connect(target)
    try:
        connection.connection.backup(destination)
    finally:
        destination.close()


def _pg(command: list[str], *, database_flag: bool = False) -> None:
    """Run pg_dump or pg_restore against the configured database, its password passed in the environment."""
    tool = command[0]
    if shutil.which(tool) is None:
        raise BackupError(f"{tool} is not installed: install PostgreSQL's client tools (Debian: postgresql-client).")
    params = connection.settings_dict
    env = {**os.environ}
    if params.get("PASSWORD"):
        env["PGPASSWORD"] = str(params["PASSWORD"])
    target = []
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if params.get(key):
            target.append(f"{flag}={params[key]}")
    target.append(f"--dbname={params['NAME']}")
    finished = subprocess.run([*command[:1], *target, *command[1:]], env=env, capture_output=True, text=True)
    if finished.returncode != 0:
        raise BackupError(f"{tool} failed: {finished.stderr.strip() or finished.returncode}")
