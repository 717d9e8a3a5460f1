"""The worker's share of the public answers, in one process: processing the claims, tagging, delivering the alerts.

    .venv/bin/python bench/answer_worker_parts.py [--answers 1000] [--rounds 3] [--profile process|tag|deliver|none]
        [--database-url postgres://…]

The organization, survey and owner of `bench/answers.py`, then, each round: N answers stored as the public page
stores them (`answer_receive(rules_later=True)`, the airline dataset's texts and scores: about three in five
detractors), then what `otklik worker` does with them, each part timed on its own: `answers_process_pending`
until nothing is pending (cases, alerts, rule runs), the tagging tasks it queued, the delivery tasks (the dummy
e-mail backend, as in `bench/answers.py`). Prints CPU (`time.process_time`) and wall milliseconds and SQL
statements per answer of each part; with --profile, cProfile's top functions on CPU time. Run it alternately
with the code before and after a change: the machine's load moves wall time far more than CPU time.
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
    parser.add_argument("--answers", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", default="none", choices=["process", "tag", "deliver", "none"])
    add_profile_arguments(parser, default_database="otklik_bench")
    args = parser.parse_args()
    import answers as bench

    django_on(
        args.database_url,
        email_backend="django.core.mail.backends.dummy.EmailBackend",
        ensure_database=bench.ensure_database,
    )
    from django.core.management import call_command
    from django.db import connection
    from django_tasks_db.models import DBTaskResult

    from otklik.intake.answers import answer_receive, answers_process_pending
    from otklik.surveys.selectors import public_survey
    from otklik.surveys.services import AnswerInput

    call_command("migrate", verbosity=0)
    keys: dict = {}
    exec(bench.SETUP.replace("print(json.dumps(", "keys.update(("), {"keys": keys})
    survey, touchpoint = public_survey(survey_key=keys["survey"], touchpoint_key=keys["touchpoint"])
    pairs = bench.real_comments(args.answers)
    answers_process_pending(limit=10**9)
    DBTaskResult.objects.all().delete()

    def run_tasks(path: str) -> None:
        # The queued tasks' own functions, as the task runner calls them (without its bookkeeping).
        for result in DBTaskResult.objects.filter(task_path=path).order_by("pk"):
            result.task.func(*result.args_kwargs["args"], **result.args_kwargs["kwargs"])
            result.delete()

    statements = [0]

    def counted(execute, sql, params, many, context):
        # A counter, not Django's query log: the log's own CPU per statement would weigh on the figures.
        statements[0] += 1
        return execute(sql, params, many, context)

    parts = {
        "process": lambda: answers_process_pending(limit=10**9),
        "tag": lambda: run_tasks("otklik.insights.tasks.tag_responses"),
        "deliver": lambda: run_tasks("otklik.messaging.tasks.deliver_messages"),
    }
    print(f"load {os.getloadavg()[0]:.2f}", flush=True)
    for round_ in range(args.rounds):
        for score, text in pairs:
            answer_receive(
                survey=survey, touchpoint=touchpoint, answer=AnswerInput(score=score, comment=text), rules_later=True
            )
        count = len(pairs)
        line = []
        for name, part in parts.items():
            profile = cProfile.Profile(time.process_time) if args.profile == name and round_ else None
            statements[0] = 0
            with connection.execute_wrapper(counted):
                cpu, wall = time.process_time(), time.perf_counter()
                if profile:
                    profile.enable()
                part()
                if profile:
                    profile.disable()
                cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            line.append(
                f"{name} {cpu * 1000 / count:.3f} ms CPU ({wall * 1000 / count:.2f} wall, "
                f"{statements[0] / count:.2f} stmts)"
            )
            if profile:
                pstats.Stats(profile).sort_stats(args.sort).print_stats(args.top)
        print(f"round {round_}, {count} answers, load {os.getloadavg()[0]:.1f}: " + "; ".join(line), flush=True)


if __name__ == "__main__":
    main()
