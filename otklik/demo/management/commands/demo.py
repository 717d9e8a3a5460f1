"""`otklik demo`: load the demo organization from the real datasets (see otklik/demo/README.md)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from otklik.demo.datasets import SCORE_RANGES, datasets_dir
from otklik.demo.services import DEFAULT_LIMIT, ORG_NAME, ORG_SLUG, PASSWORD, DatasetsMissing, demo_load, demo_logins

MAPPING = ", ".join(f"{label} → {low}–{high}" for label, (low, high) in SCORE_RANGES.items())


class Command(BaseCommand):
    help = (
        f"Create (or complete) the demo organization “{ORG_NAME}” ({ORG_SLUG}) with real answers from "
        f"the datasets directory (OTKLIK_DATASETS_DIR, default <repo>/../shared/datasets). Running it again "
        f"changes nothing. The datasets carry sentiment labels, not scores, so each answer's NPS score is "
        f"derived from its label ({MAPPING}; spread by a hash of its id) and marked as derived. Dates are "
        f"shifted by whole days per dataset so its newest answer falls within the last day. No e-mail is queued."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--limit-per-dataset",
            type=int,
            default=DEFAULT_LIMIT,
            help=f"How many answers to take from each dataset (default {DEFAULT_LIMIT}).",
        )
        parser.add_argument("--datasets-dir", dest="directory", type=Path, help="Overrides OTKLIK_DATASETS_DIR.")
        parser.add_argument("--print-logins", action="store_true", help="Only print the demo logins; load nothing.")

    def handle(self, *args, limit_per_dataset: int, directory: Path | None, print_logins: bool, **options):
        if print_logins:
            self.print_logins()
            return
        if limit_per_dataset < 0:
            raise CommandError(_("--limit-per-dataset must be zero or more."))
        directory = directory or datasets_dir()
        try:
            result = demo_load(datasets_dir=directory, limit_per_dataset=limit_per_dataset)
        except DatasetsMissing as error:
            raise CommandError(
                _("The demo datasets are missing: %(error)s Set OTKLIK_DATASETS_DIR to the folder that holds them.")
                % {"error": error}
            ) from error
        for load in result.loads:
            self.stdout.write(
                _("%(title)s: %(created)s new answers (%(cases)s new cases) of %(selected)s selected.")
                % {
                    "title": load.dataset.title,
                    "created": load.answers_created,
                    "cases": load.cases_created,
                    "selected": load.selected,
                }
            )
            self.stdout.write("  " + _("Source: %(source)s") % {"source": load.dataset.source})
            self.stdout.write("  " + _("License: %(license)s") % {"license": load.dataset.license})
            self.stdout.write(
                "  " + _("Dates shifted by %(days)s days so the newest answer is recent.") % {"days": load.shift.days}
            )
        self.stdout.write(
            _("Scores are derived from sentiment labels, not given by customers: %(mapping)s.") % {"mapping": MAPPING}
        )
        if result.customers is not None:
            self.stdout.write(
                _(
                    "Customer base: %(customers)s new customers, %(purchases)s new purchases, "
                    "%(linked)s answers linked to their customers; RFM segments computed."
                )
                % {
                    "customers": result.customers.customers_created,
                    "purchases": result.customers.purchases_created,
                    "linked": result.customers.answers_linked,
                }
            )
        if result.cases_walked:
            self.stdout.write(_("Walked %(n)s demo cases along the loop.") % {"n": result.cases_walked})
        self.stdout.write(self.style.SUCCESS(_("Demo organization “%(name)s” is ready.") % {"name": ORG_NAME}))

    def print_logins(self) -> None:
        logins = demo_logins()
        width = max(len(login.username) for login in logins)
        self.stdout.write(_("Demo logins (organization “%(name)s”):") % {"name": ORG_NAME})
        self.stdout.write(f"  {_('username'):<{width}}  {_('role'):<8}  {_('password'):<11}  {_('sees')}")
        for login in logins:
            self.stdout.write(f"  {login.username:<{width}}  {login.role:<8}  {PASSWORD:<11}  {login.sees}")
