import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from otklik.ops.secret import startup_refusal


class Command(BaseCommand):
    help = "Serve Otklik with gunicorn on 127.0.0.1:PORT (PORT env or --port, default 8000)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("OTKLIK_WEB_WORKERS", "2")))

    def handle(self, *args, host: str, port: int, workers: int, **options):
        refusal = startup_refusal()
        if refusal:
            raise CommandError(refusal)
        from gunicorn.app.wsgiapp import run

        argv = [
            "gunicorn",
            "otklik.wsgi:application",
            f"--bind={host}:{port}",
            f"--workers={workers}",
            "--threads=4",
            "--access-logfile=-",
        ]
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "otklik.settings")
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        import sys

        sys.argv = argv
        run()
