"""`otklik org create`: an organization and its owner from nothing, with a link where the owner sets a password."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from otklik.accounts.services import organization_create
from otklik.accounts.tokens import password_setup_link


class Command(BaseCommand):
    help = "Manage organizations: `org create --name NAME --slug SLUG --owner-email EMAIL`."

    def add_arguments(self, parser):
        subcommands = parser.add_subparsers(dest="subcommand", required=True)
        create = subcommands.add_parser("create", help="Create an organization and its owner.")
        create.add_argument("--name", required=True, help="The organization's name.")
        create.add_argument("--slug", required=True, help="A short unique name for links (letters, digits, -).")
        create.add_argument(
            "--owner-email", required=True, help="The owner's e-mail (an existing account or a new one)."
        )
        create.add_argument("--language", default="en", help="Default language: ru, uk or en (default en).")
        create.add_argument("--time-zone", default="UTC", help="IANA time zone, e.g. Europe/Moscow (default UTC).")
        create.add_argument("--currency", default="RUB", help="ISO 4217 reporting currency (default RUB).")

    def handle(self, *args, subcommand: str, **options):
        try:
            organization = organization_create(
                name=options["name"],
                slug=options["slug"],
                owner_email=options["owner_email"],
                language=options["language"],
                time_zone=options["time_zone"],
                currency=options["currency"],
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        owner = organization.memberships.get().user
        self.stdout.write(f"Created {organization.name} ({organization.slug}); owner: {owner.get_username()}")
        if owner.has_usable_password():
            self.stdout.write("The owner already has a password and can log in with it.")
        else:
            link = password_setup_link(user=owner, site_url=organization.site_url)
            self.stdout.write(f"The owner sets a password here (one use, valid 7 days):\n{link}")
