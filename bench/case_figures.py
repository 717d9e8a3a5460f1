"""The reads ADR 0031 changed, each timed beside the read it replaced, alternating in one process on one database.

    .venv/bin/python bench/case_figures.py [--database-url URL] [--runs 7]

Runs on the database `bench/rollups.py --keep` left (default `otklik_bench_rollups`, reconciled): on a busy
shared machine whole-page timings drift by seconds between runs, so each pair here alternates its two sides
run by run and prints both medians and their ratio. Pairs: /people/'s case counts per person from the case
rollups against the grouped query over the cases;
the praise names of one month from the stored words against lemmatizing each comment; the most urgent twenty
open cases of the person holding most, sorted by PostgreSQL against loading all of them; and (ADR 0042) /metrics/'s
case figures (counts, medians, 90th percentiles) by each breakdown from the case rollups' packed clocks against the
one statement over the period's cases. `--metrics-only` runs that last group alone.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/otklik_bench_rollups"


def pair(name: str, new, old, runs: int) -> None:
    """Time `new` and `old` alternately; both must give the same result."""
    times = {"new": [], "old": []}
    results = {}
    for _ in range(runs):
        for side, fn in (("new", new), ("old", old)):
            started = time.perf_counter()
            results[side] = fn()
            times[side].append((time.perf_counter() - started) * 1000)
    assert results["new"] == results["old"], f"{name}: the two reads disagree"
    new_ms, old_ms = statistics.median(times["new"]), statistics.median(times["old"])
    print(f"{name:<44}{new_ms:>10.1f}{old_ms:>10.1f}{old_ms / new_ms:>8.1f}x", flush=True)


def django_on_bench_database(description: str, runs: int) -> int:
    """Parse --database-url and --runs, point Django at that database and set it up; returns the runs."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("OTKLIK_BENCH_ROLLUPS_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--runs", type=int, default=runs)
    args, _unknown = parser.parse_known_args()
    os.environ["OTKLIK_DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "otklik.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    return args.runs


def main() -> None:
    runs = django_on_bench_database(__doc__, runs=7)
    import datetime

    from django.db.models import Count
    from django.utils import timezone

    from otklik.accounts.models import Membership, Organization
    from otklik.cases.models import Case, Step
    from otklik.dashboard import metrics, people
    from otklik.insights import text as textlib
    from otklik.sla import selectors as sla

    organization = Organization.objects.get(slug="bench-rollups")
    owner = Membership.objects.filter(organization=organization, role="owner").first()
    tz, now = organization.zone, timezone.now()
    all_time = metrics.Scope(membership=owner, tz=tz)
    month = metrics.Scope(
        membership=owner, tz=tz, date_from=datetime.date(2025, 12, 1), date_to=datetime.date(2025, 12, 31)
    )

    print(f"{'read (median ms)':<44}{'new':>10}{'old':>10}{'ratio':>9}")
    print(f"cases all-time: {Case.objects.filter(organization=organization).count():,}")
    for label, scope in (("all time", all_time), ("one month", month)):
        for by in (None, "month", "employee", "product"):
            pair(
                f"/metrics/ case figures by {by or 'none'}, {label}",
                lambda scope=scope, by=by: metrics._cases_by(scope, by, now, with_total=True),
                _from_the_cases(metrics, lambda scope=scope, by=by: metrics._cases_by(scope, by, now, with_total=True)),
                runs,
            )
    if "--metrics-only" in sys.argv:
        return
    for label, scope in (("all time", all_time), ("one month", month)):
        pair(
            f"/people/ case counts per person, {label}",
            lambda scope=scope: people._case_figures(scope, "responsible_id"),
            _from_the_cases(people, lambda scope=scope: people._case_figures(scope, "responsible_id")),
            runs,
        )
    workers = list(people.workers(scope=month))
    real_name_words = textlib.name_words

    pair(
        "/people/ praise names, one month",
        lambda: people.praise_names(scope=month, people=workers),
        lambda: _praise_relemmatized(people, month, workers, real_name_words),
        runs,
    )
    holder = (
        Case.objects.filter(organization=organization)
        .exclude(step=Step.RESOLVED)
        .values("responsible_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    member = Membership.objects.get(organization=organization, user_id=holder["responsible_id"])

    def held_in_python():
        # As before ADR 0031: every open case loaded, sorted by its deadline in Python.
        policies = sla.sla_policy_set(organization=organization)
        cases = Case.objects.filter(organization=organization, responsible_id=member.user_id).exclude(
            step=Step.RESOLVED
        )
        held = []
        for case in cases.select_related("location", "customer", "organization"):
            state = sla.case_sla_state(case=case, now=now, policy=policies.for_case(case))
            due = state.first_answer_due if case.thanked_at is None else state.resolution_due
            held.append((due, case.pk))
        return sorted(held)[:20]

    pair(
        f"held cases, the top 20 of {holder['n']:,} open",
        lambda: [(item.due, item.case.pk) for item in sla.cases_held_by_urgency(membership=member, now=now)],
        held_in_python,
        runs,
    )
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


def _from_the_cases(module, fn):
    """`fn` with `module` (dashboard.metrics or dashboard.people) told the case rollups are not ready: the case
    figures read from the period's cases, as before the rollups held them."""

    def run():
        ready = module.case_rollups_ready
        module.case_rollups_ready = lambda **k: False
        try:
            return fn()
        finally:
            module.case_rollups_ready = ready

    return run


def _praise_relemmatized(people, scope, workers, name_words):
    """`people.praise_names` as it was: each comment's words found again by lemmatizing it."""
    from collections import defaultdict

    praised = (
        people.scoped_responses(scope)
        .filter(people.praise_condition())
        .exclude(comment="")
        .order_by("-created_at", "-id")
        .values_list("comment", "location_id")
    )
    comments = list(praised[: people.PRAISE_SCAN_LIMIT + 1])
    per_person, per_location, cache = defaultdict(int), defaultdict(int), {}
    for comment, location_id in comments[: people.PRAISE_SCAN_LIMIT]:
        language, tokens = name_words(comment)
        named = [pk for pk, forms in people._name_forms(workers, language, cache).items() if forms & tokens]
        for pk in named:
            per_person[pk] += 1
        if named:
            per_location[location_id] += 1
    return per_person, per_location, len(comments) > people.PRAISE_SCAN_LIMIT


if __name__ == "__main__":
    main()
