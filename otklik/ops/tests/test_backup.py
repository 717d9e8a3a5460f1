"""`otklik backup` / `otklik restore`: a round trip brings back exactly what was there."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from otklik.accounts.models import Organization
from otklik.ops.backup import PG_DUMP_MAGIC, SQLITE_MAGIC
from otklik.surveys.models import Response
from otklik.testing import factories

# Real customer words from /work/shared/datasets/airline-tweets-en (tweet id 570295459631263746).
PRAISE = "@VirginAmerica it was amazing, and arrived an hour early. You're too good to me."


def test_a_round_trip_brings_back_what_was_there(transactional_db, tmp_path, capsys):
    org = factories.make_organization(name="Acme Coffee", slug="acme")
    touchpoint = factories.make_touchpoint(location=factories.make_location(organization=org, name="Main Street"))
    factories.make_response(
        survey=factories.make_survey(organization=org), touchpoint=touchpoint, score=10, comment=PRAISE
    )
    backup = tmp_path / "nightly" / "otklik.backup"

    call_command("backup", str(backup))
    assert f"Backed up to {backup}" in capsys.readouterr().out
    magic = SQLITE_MAGIC if connection.vendor == "sqlite" else PG_DUMP_MAGIC
    assert backup.read_bytes().startswith(magic)

    # After the backup: an answer lost, an organization added.
    Response.objects.all().delete()
    factories.make_organization(name="Rival Tea", slug="rival")

    call_command("restore", str(backup), interactive=False)
    assert list(Organization.objects.values_list("slug", flat=True)) == ["acme"]
    assert list(Response.objects.values_list("comment", flat=True)) == [PRAISE]
    assert not list(tmp_path.glob("nightly/.otklik.backup.*"))  # no partial file left behind


def test_a_file_that_is_no_backup_changes_nothing(transactional_db, tmp_path):
    factories.make_organization(name="Acme Coffee", slug="acme")
    junk = tmp_path / "notes.txt"
    junk.write_text("not a database")
    with pytest.raises(CommandError, match="notes.txt is not an? (SQLite|PostgreSQL) backup"):
        call_command("restore", str(junk), interactive=False)
    assert Organization.objects.filter(slug="acme").exists()


def test_a_missing_file_is_named(db, tmp_path):
    with pytest.raises(CommandError, match="gone.backup cannot be read"):
        call_command("restore", str(tmp_path / "gone.backup"), interactive=False)


def test_restore_asks_first_and_a_no_changes_nothing(transactional_db, tmp_path, monkeypatch):
    call_command("backup", str(tmp_path / "otklik.backup"))
    factories.make_organization(name="Acme Coffee", slug="acme")
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="Nothing was restored"):
        call_command("restore", str(tmp_path / "otklik.backup"))
    assert Organization.objects.filter(slug="acme").exists()
