"""`otklik demo-purchases FILE`: a purchases file for the demo organization, to load on /imports/."""

from datetime import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from otklik.accounts.models import Organization
from otklik.imports.samples import count_orders, write_purchases_csv


class Command(BaseCommand):
    help = (
        "Write a CSV of purchases (as a 1C export: semicolons, Russian headers) at the demo organization's "
        "locations over the last days, for a manager to upload on /imports/ or to load with "
        "`otklik import purchases FILE --org demo`. Customers and products are codes only; the same "
        "--seed on the same day gives the same file."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--org", default="demo", help="The organization whose locations to use (default demo).")
        parser.add_argument("--rows", type=int, default=500)
        parser.add_argument("--customers", type=int, default=120)
        parser.add_argument("--products", type=int, default=12)
        parser.add_argument("--days", type=int, default=60)
        parser.add_argument("--seed", type=int, default=1)

    def handle(
        self, *args, file: Path, org: str, rows: int, customers: int, products: int, days: int, seed: int, **options
    ) -> None:
        organization = Organization.objects.filter(slug=org).first()
        if organization is None:
            raise CommandError(_("No organization with the slug “%(slug)s”. Run “otklik demo” first.") % {"slug": org})
        if min(rows, customers, products, days) < 1:
            raise CommandError(_("--rows, --customers, --products and --days must be at least 1."))
        locations = list(organization.locations.order_by("name").values_list("name", flat=True))
        today = datetime.now().replace(hour=0, minute=0, second=0, microsecond=0)
        write_purchases_csv(
            file,
            rows=rows,
            customers=customers,
            products=products,
            locations=locations,
            seed=seed,
            end=today,
            days=days,
        )
        orders = count_orders(file)
        self.stdout.write(
            _(
                "%(orders)s orders in %(lines)s lines written to %(file)s. Upload it on /imports/ or run: "
                "otklik import purchases %(file)s --org %(org)s"
            )
            % {"orders": orders, "lines": rows, "file": file, "org": org}
        )
