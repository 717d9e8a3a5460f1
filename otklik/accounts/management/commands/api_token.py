from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError

from otklik.accounts.models import Organization
from otklik.accounts.services import api_token_create


class Command(BaseCommand):
    help = "Create an API bearer token for a member of an organization and print it once."

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="Organization slug.")
        parser.add_argument("--user", required=True, help="Username or e-mail.")
        parser.add_argument("--name", default="cli", help="A label for the token.")

    def handle(self, *args, org: str, user: str, name: str, **options):
        organization = Organization.objects.filter(slug=org).first()
        if organization is None:
            raise CommandError(f"No organization with slug {org!r}.")
        member = User.objects.filter(username=user).first()
        if member is None:
            by_email = list(User.objects.filter(email__iexact=user, memberships__organization=organization)[:2])
            if len(by_email) > 1:
                raise CommandError(f"Several members use {user!r}; give the username.")
            member = by_email[0] if by_email else None
        if member is None:
            raise CommandError(f"No user {user!r}.")
        try:
            raw = api_token_create(organization=organization, user=member, name=name)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(raw)
