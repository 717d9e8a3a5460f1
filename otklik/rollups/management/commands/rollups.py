"""`otklik rollups rebuild [--org SLUG] [--cases-only | --segments-only]`: recompute rollups from the raw answers
and cases, fix drift."""

from django.core.management.base import BaseCommand, CommandError

from otklik.accounts.models import Organization
from otklik.rollups.services import (
    RollupsBusy,
    rollups_reconcile,
    rollups_reconcile_cases,
    rollups_reconcile_segments,
)


class Command(BaseCommand):
    help = "Rebuild the answer rollups from the raw answers (idempotent; safe while answers arrive)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["rebuild"])
        parser.add_argument("--org", help="The slug of one organization (default: every organization).")
        parser.add_argument(
            "--cases-only",
            action="store_true",
            help="Only the case rollups (counts and clocks), e.g. once after migrating to rollups 0006.",
        )
        parser.add_argument(
            "--segments-only",
            action="store_true",
            help="Only the rollups by customer segment, e.g. once after migrating to rollups 0007.",
        )

    def handle(
        self, *args, action: str, org: str | None, cases_only: bool = False, segments_only: bool = False, **options
    ):
        if cases_only and segments_only:
            raise CommandError("Give --cases-only or --segments-only, not both.")
        organizations = Organization.objects.order_by("pk")
        if org:
            organizations = organizations.filter(slug=org)
            if not organizations.exists():
                raise CommandError(f"No organization with the slug {org!r}.")
        busy = False
        for organization in organizations:
            try:
                self.stdout.write(self._rebuild(organization, cases_only, segments_only))
            except RollupsBusy:
                self.stderr.write(f"{organization.slug}: another process is rebuilding these rollups; skipped")
                busy = True
            except (
                ValueError
            ) as error:  # --cases-only or --segments-only, never counted in its time zone: the full walk does it
                self.stderr.write(f"{error}; skipped")
        if busy:
            raise CommandError("Some organizations were busy; run again later.")

    def _rebuild(self, organization: Organization, cases_only: bool, segments_only: bool = False) -> str:
        if segments_only:
            corrected = rollups_reconcile_segments(organization=organization)
            return f"{organization.slug}: segment rollups (answers and cases), {len(corrected)} rows corrected"
        if cases_only:
            corrected = rollups_reconcile_cases(organization=organization)
            return f"{organization.slug}: case rollups (by place and by segment), {len(corrected)} rows corrected"
        result = rollups_reconcile(organization=organization)
        return (
            f"{organization.slug}: {result.answers} answers in {result.rows} rollup rows "
            f"({result.time_zone}); {len(result.corrected)} rows corrected"
        )
