"""The worker's two halves in one process, timed apart: dispatching due invitations, then delivering them.

    .venv/bin/python bench/dispatch_parts.py [--messages 2000] [--profile dispatch|deliver|both|none]
        [--sink lean|aiosmtpd] [--database-url postgres://…]

`bench/dispatch.py`'s setup (N customers, purchases and due invitations), then
`invitations_dispatch_due` until nothing is due and `outbox_deliver_many` over
the queued messages in tasks of 200, against the SMTP sink (--sink, as
bench/dispatch.py's) in its own process. Prints the CPU (`time.process_time`) and wall milliseconds per message
of each half; with --profile, cProfile's top functions. The URLconf and the
translations are loaded first, as a running worker has them. Run it alternately
with the code before and after a change: the machine's load moves wall time far
more than CPU time.
"""

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main() -> None:
    from parts import add_profile_arguments, django_on

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--profile", default="none", choices=["dispatch", "deliver", "both", "none"])
    parser.add_argument("--sink", default="lean", choices=["lean", "aiosmtpd"], help="as bench/dispatch.py's --sink")
    add_profile_arguments(parser, default_database="delivery_parts")
    args = parser.parse_args()
    import dispatch as bench

    django_on(
        args.database_url,
        email_backend="django.core.mail.backends.smtp.EmailBackend",
        ensure_database=bench.ensure_database,
    )
    from django.conf import settings
    from django.core.management import call_command
    from django.urls import reverse
    from django.utils import translation
    from django_tasks_db.models import DBTaskResult

    from otklik.messaging.models import OutboxMessage
    from otklik.messaging.services import outbox_deliver_many
    from otklik.outreach.dispatch import invitations_dispatch_due

    call_command("migrate", verbosity=0)
    count = args.messages
    org = bench.prepare_invitations(count)
    bench.forget_earlier_runs(org)
    DBTaskResult.objects.all().delete()
    bench.Sink.kind = args.sink
    sink = bench.Sink()
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
    reverse("surveys:invitation", args=["token"])  # a running worker has its URLconf and translations loaded
    for language in ("en", "ru", "uk"):
        with translation.override(language):
            str(translation.gettext("customer"))

    def dispatch() -> None:
        while invitations_dispatch_due(budget_seconds=1000).get("sent"):
            pass

    def deliver() -> None:
        ids = list(OutboxMessage.objects.filter(organization=org).order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), 200):
            outbox_deliver_many(message_ids=ids[start : start + 200])

    from cpu_account import CpuSampler

    database = args.database_url.rsplit("/", 1)[-1]
    sampler = CpuSampler(database=database, roles={"bench": lambda: [os.getpid()], "sink": lambda: [sink.process.pid]})
    sampler.start()
    print(f"load {os.getloadavg()[0]:.2f}", flush=True)
    for name, part in (("dispatch", dispatch), ("deliver", deliver)):
        # CPU time, not wall: a wait on PostgreSQL or the sink costs the worker nothing.
        profile = cProfile.Profile(time.process_time) if args.profile in ("both", name) else None
        time.sleep(0.3)  # the sampler looks every 0.2 s: the part's start falls between two looks of its own
        cpu, wall = time.process_time(), time.perf_counter()
        if profile:
            profile.enable()
        part()
        if profile:
            profile.disable()
        ended = time.perf_counter()
        cpu, wall = time.process_time() - cpu, ended - wall
        time.sleep(0.3)
        used = sampler.window(ended - wall, ended)
        print(
            f"{name}: CPU {cpu * 1000 / count:.3f} ms/msg, wall {wall * 1000 / count:.3f} ms/msg;"
            f" PostgreSQL's backends {used['pg backends'] * 1000 / count:.3f} CPU ms/msg,"
            f" the sink {used['sink'] * 1000 / count:.3f}",
            flush=True,
        )
        if profile:
            pstats.Stats(profile).sort_stats(args.sort).print_stats(args.top)
    received, seconds = sink.finish()
    print(f"the sink received {len(received)} messages ({len(set(received))} distinct) in {seconds:.1f} s")


if __name__ == "__main__":
    main()
