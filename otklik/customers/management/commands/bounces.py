"""`otklik bounces FILE…` (or `-` for standard input): apply bounce reports mailed back by the relay.

Postfix can pipe them straight in, e.g. an alias `bounces: "|otklik bounces -"`
for the address in OTKLIK_FROM_EMAIL.
"""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from otklik.customers.bounces import bounce_ingest


class Command(BaseCommand):
    help = "Apply bounce reports (RFC 3464): permanently failed addresses are marked invalid."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", help="One report per file; '-' reads one from standard input.")

    def handle(self, *args, files: list[str], **options):
        for name in files:
            try:
                raw = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
            except OSError as exc:
                raise CommandError(f"cannot read {name}: {exc}") from exc
            marked = bounce_ingest(raw)
            self.stdout.write(f"{name}: {', '.join(marked) if marked else 'no new invalid address'}")
