"""`otklik rollups rebuild [--org SLUG]`: recompute answer rollups from the raw answers and fix drift."""

from django.core.management.base import BaseCommand, CommandError

from otklik.accounts.models import Organization
from otklik.rollups.services import RollupsBusy, rollups_reconcile


class Command(BaseCommand):
    help = "Rebuild the answer rollups from the raw answers (idempotent; safe while answers arrive)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["rebuild"])
        parser.add_argument("--org", help="The slug of one organization (default: every organization).")

    def handle(self, *args, action: str, org: str | None, **options):
        organizations = Organization.objects.order_by("pk")
        if org:
            organizations = organizations.filter(slug=org)
            if not organizations.exists():
                raise CommandError(f"No organization with the slug {org!r}.")
        busy = False
        for organization in organizations:
            try:
                result = rollups_reconcile(organization=organization)
            except RollupsBusy:
                self.stderr.write(f"{organization.slug}: another process is rebuilding these rollups; skipped")
                busy = True
                continue
            self.stdout.write(
                f"{organization.slug}: {result.answers} answers in {result.rows} rollup rows "
                f"({result.time_zone}); {len(result.corrected)} rows corrected"
            )
        if busy:
            raise CommandError("Some organizations were busy; run again later.")
