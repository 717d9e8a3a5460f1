"""`otklik backup FILE`: the whole database, consistent, while Otklik keeps running."""

from django.core.management.base import BaseCommand, CommandError

from otklik.ops.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "Back up the database to FILE (SQLite: online backup; PostgreSQL: pg_dump custom format)."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file: str, **options):
        try:
            kind = backup_create(path=file)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Backed up to {file} ({kind}).")
