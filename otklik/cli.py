"""The `otklik` console command: a thin wrapper over the management commands.

otklik serve [--port 8000]     web server (gunicorn)
otklik worker                  task worker and outbox sender
otklik demo                    load the demo organization from ../shared/datasets
otklik api-token --org SLUG --user NAME_OR_EMAIL
otklik org create --name NAME --slug SLUG --owner-email EMAIL [--language ru] [--time-zone TZ] [--currency RUB]
otklik import purchases FILE --org SLUG   (also customers, products; --dry-run, --mapping col=field,…)
otklik demo-purchases FILE     a purchases file for the demo organization, to import
otklik themes try FILE.csv --column text [--themes K] [--out labels.csv]   preview theme discovery on a file
otklik <any manage.py command>
"""

import os
import sys

ALIASES = {"serve": "serve", "worker": "worker", "demo": "demo", "api-token": "api_token"}
ALIASES["demo-purchases"] = "demo_purchases"


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "otklik.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in ALIASES:
        args[0] = ALIASES[args[0]]
    execute_from_command_line(["otklik", *args])


if __name__ == "__main__":
    main()
