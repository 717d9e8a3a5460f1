"""`otklik restore FILE`: replace the database with a backup made by `otklik backup`."""

from django.core.management.base import BaseCommand, CommandError

from otklik.ops.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = "Replace everything in the database with the backup in FILE. Stop the web server and the worker first."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--no-input", "--noinput", action="store_false", dest="interactive")

    def handle(self, *args, file: str, interactive: bool, **options):
        if interactive:
            answer = input(f"Everything in the database will be replaced by {file}. Type 'yes' to go on: ")
            if answer.strip().lower() != "yes":
                raise CommandError("Nothing was restored.")
        try:
            backup_restore(path=file)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Restored from {file}. Run `otklik migrate` if the backup is from an older version.")
