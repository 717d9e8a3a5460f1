"""PostgreSQL's CPU per stored public answer with the answers table's old indexes and with the leaner set.

Stores `--answers` public answers per round through the real intake (`answer_receive(rules_later=True)`,
what the public page calls) and reads the CPU time (user + system) of the one PostgreSQL backend serving
this process from /proc/<pid>/stat (the server must run on this machine). Rounds alternate between the
two index sets, switched in SQL on the same table, so drift and load hit both alike; a CHECKPOINT starts
each round so both pay the same full-page writes. Decision 0038.

    python bench/answer_indexes.py --database-url postgres://postgres@127.0.0.1:5432/h2_bench
"""

import argparse
import os
import random
import statistics
import sys
import time

OLD = [  # what migration 0008 replaced: an index of its own on the organization, the customer and the purchase
    "CREATE INDEX bench_old_org ON surveys_response (organization_id)",
    "CREATE INDEX bench_old_customer ON surveys_response (customer_id)",
    "CREATE INDEX bench_old_purchase ON surveys_response (purchase_id)",
]
NEW = [
    "CREATE INDEX response_customer ON surveys_response (customer_id) WHERE customer_id IS NOT NULL",
    "CREATE INDEX response_purchase ON surveys_response (purchase_id) WHERE purchase_id IS NOT NULL",
]
DROP = (
    "DROP INDEX IF EXISTS bench_old_org, bench_old_customer, bench_old_purchase, response_customer, response_purchase"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--answers", type=int, default=1500, help="answers per round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per index set")
    parser.add_argument("--preload", type=int, default=100_000, help="answers copied in SQL before the rounds")
    parser.add_argument("--raw", type=int, default=20_000, help="single-row INSERTs per round in a server-side loop")
    parser.add_argument("--database-url", required=True)
    args = parser.parse_args()

    os.environ["OTKLIK_DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "otklik.settings")
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from otklik.intake.answers import answer_receive
    from otklik.surveys.models import Response
    from otklik.surveys.services import AnswerInput
    from otklik.testing import factories

    call_command("migrate", verbosity=0)
    org = factories.make_organization(name="Index bench", slug=f"index-bench-{os.getpid()}")
    location = factories.make_location(organization=org, name="Store")
    touchpoint = factories.make_touchpoint(location=location)
    survey = factories.make_survey(organization=org)
    first = answer_receive(survey=survey, touchpoint=touchpoint, answer=AnswerInput(score=9), rules_later=True)
    with connection.cursor() as cursor:
        # A table that is not tiny, so each index is a real tree; copies of one answer, none tied to a customer.
        cursor.execute(
            "INSERT INTO surveys_response (organization_id, survey_id, touchpoint_id, location_id, kind, score,"
            " comment, second_answer, language, customer_name, customer_email, customer_phone,"
            " contact_consent_version, review_site, source, score_is_derived, created_at, rules_pending)"
            " SELECT organization_id, survey_id, touchpoint_id, location_id, kind, g %% 11, comment, second_answer,"
            " language, customer_name, customer_email, customer_phone, contact_consent_version, review_site,"
            " source, score_is_derived, created_at - g * interval '1 minute', false"
            " FROM surveys_response, generate_series(1, %s) g WHERE id = %s",
            [args.preload, first.pk],
        )
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]

    def cpu() -> float:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def use(statements: list[str]) -> None:
        with connection.cursor() as cursor:
            cursor.execute(DROP)
            for statement in statements:
                cursor.execute(statement)
            cursor.execute("ANALYZE surveys_response")
            cursor.execute("CHECKPOINT")

    # The INSERT alone, with no client round trip or other statement: what the indexes cost per row.
    raw_loop = (
        f"DO $$ BEGIN FOR g IN 1..{args.raw} LOOP INSERT INTO surveys_response (organization_id, survey_id,"
        " touchpoint_id, location_id, kind, score, comment, second_answer, language, customer_name,"
        " customer_email, customer_phone, contact_consent_version, review_site, source, score_is_derived,"
        " created_at, rules_pending) SELECT organization_id, survey_id, touchpoint_id, location_id, kind, g % 11,"
        " comment, second_answer, language, customer_name, customer_email, customer_phone,"
        " contact_consent_version, review_site, source, score_is_derived, now(), false FROM surveys_response"
        f" WHERE id = {first.pk}; END LOOP; END $$"
    )
    rng = random.Random(15)
    results: dict[str, list[tuple[float, float]]] = {"old": [], "new": []}
    raw: dict[str, list[float]] = {"old": [], "new": []}
    for _round in range(args.rounds):
        for name, statements in (("old", OLD), ("new", NEW)):
            use(statements)
            before_cpu = cpu()
            with connection.cursor() as cursor:
                cursor.execute(raw_loop)
            raw[name].append((cpu() - before_cpu) * 1e6 / args.raw)
            print(f"{name}: one INSERT in a server-side loop {raw[name][-1]:.1f} µs of PostgreSQL CPU", flush=True)
            use(statements)
            before_cpu, before_wall = cpu(), time.perf_counter()
            for _ in range(args.answers):
                answer_receive(
                    survey=survey,
                    touchpoint=touchpoint,
                    answer=AnswerInput(score=rng.randint(0, 10)),
                    rules_later=True,
                )
            pg_ms = (cpu() - before_cpu) * 1000 / args.answers
            wall_ms = (time.perf_counter() - before_wall) * 1000 / args.answers
            results[name].append((pg_ms, wall_ms))
            print(f"{name}: PostgreSQL CPU {pg_ms:.3f} ms/answer, wall {wall_ms:.2f} ms/answer", flush=True)
    use(NEW)
    old = statistics.median(r[0] for r in results["old"])
    new = statistics.median(r[0] for r in results["new"])
    print(f"median PostgreSQL CPU per answer: old indexes {old:.3f} ms, new {new:.3f} ms ({new / old:.2f}×)")
    old_raw, new_raw = statistics.median(raw["old"]), statistics.median(raw["new"])
    print(f"median one INSERT alone: old indexes {old_raw:.1f} µs, new {new_raw:.1f} µs ({new_raw / old_raw:.2f}×)")
    print(f"answers stored: {Response.objects.filter(organization=org).count()}; load: {os.getloadavg()}")


if __name__ == "__main__":
    main()
