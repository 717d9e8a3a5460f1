"""The segment rollups (decision 0047) beside what they replace, alternating in one process on one database.

    .venv/bin/python bench/segments.py [--database-url URL] [--runs 5]

Runs on a database `bench/rollups.py --keep` left, reconciled with the segment rollups counted (`otklik rollups
rebuild --segments-only` after migrating). Pairs, each side alternating run by run, both asserted equal: the
answers of /metrics/?by=segment from the segment rollups against the answers joined to their customers (all time,
one month); one answer's rollup upsert with its segment rows against the touchpoint rows alone (in a transaction
rolled back); the case figures by segment from the case rollups by segment (decision 0050) against the one
statement over the period's cases joined to their customers; whole pages with both read from rollups against the
page as it was before each (answers, then cases). Then, one-sided: the other reads of the page by segment
(invitations, follow-ups), and moving the answers and cases of MOVE_SLICE customers from one segment to another
and back (rolled back), what `segments_compute` adds per slice of changed customers.
"""

import statistics
import time

from case_figures import django_on_bench_database, pair


def timed(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    runs = django_on_bench_database(__doc__, runs=5)
    import datetime
    import os

    from django.db import transaction
    from django.utils import timezone

    from otklik.accounts.models import Membership, Organization
    from otklik.customers.models import Customer
    from otklik.dashboard import metrics
    from otklik.rollups.metrics import all_aggregates
    from otklik.rollups.models import RollupState
    from otklik.rollups.segments import MOVE_SLICE, rollup_segments_move
    from otklik.rollups.selectors import rollups_ready
    from otklik.rollups.services import _apply, _response_rows, rollup_add_response
    from otklik.surveys.models import Response

    organization = Organization.objects.get(slug="bench-rollups")
    membership = Membership.objects.filter(organization=organization, role="owner").first()
    assert rollups_ready(organization=organization, segments=True), "run `otklik rollups rebuild --segments-only`"
    tz = organization.zone
    now = timezone.now()
    print(f"{'read (median ms)':<44}{'new':>10}{'old':>10}{'ratio':>9}", flush=True)
    for name, period in (
        ("all time", {}),
        ("Dec 2025", {"date_from": datetime.date(2025, 12, 1), "date_to": datetime.date(2025, 12, 31)}),
    ):
        scope = metrics.Scope(membership=membership, tz=tz, **period)

        def rolled(scope=scope):
            rows = metrics.answer_groups(scope, "segment", all_aggregates)
            return {key: row["answers"] for key, row in rows.items()}

        def raw(scope=scope):
            rows = metrics._grouped(
                metrics.scoped_responses(scope), "segment", metrics.RESPONSE_PATHS, tz, all_aggregates(rollups=False)
            )
            return {key: row["answers"] for key, row in rows.items()}

        pair(f"answers by segment, {name}", rolled, raw, runs)

        def cases(counted: bool, scope=scope):
            RollupState.objects.filter(organization=organization).update(case_segments_counted=counted)
            return metrics._cases_by(scope, "segment", now, with_total=True)

        pair(f"cases by segment, {name}", lambda: cases(True), lambda: cases(False), runs)
        others = {
            "invitations": lambda scope=scope: metrics._grouped(
                metrics.scoped_invitations(scope),
                "segment",
                metrics._INVITATION_PATHS,
                tz,
                metrics._INVITATION_AGGREGATES,
            ),
            "follow-ups": lambda scope=scope: metrics._grouped(
                metrics.scoped_followups(scope), "segment", metrics._FOLLOWUP_PATHS, tz, metrics._followup_aggregates()
            ),
        }
        for label, fn in others.items():
            print(f"{label + ' by segment, ' + name:<44}{timed(fn, runs):>10.1f}", flush=True)

    # Whole pages, the segment rollups read (new) or not (old: the answers joined to their customers, as before),
    # switched by the flag the reads check; server time in process through Django's test client.
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections
    from django.test import Client

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    client = Client()
    client.force_login(membership.user)
    state = RollupState.objects.filter(organization=organization)
    try:
        for page in ("/metrics/?by=segment", "/metrics/?by=segment&export=csv"):

            def get(counted: bool, page=page):
                state.update(segments_counted=counted, case_segments_counted=counted)
                response = client.get(page)
                assert response.status_code == 200
                # The CSV must be the same both ways; the HTML page is compared by its status only.
                return b"".join(response) if "csv" in page else response.status_code

            get(True), get(False)  # warm
            pair(page, lambda get=get: get(True), lambda get=get: get(False), runs)
    finally:
        state.update(segments_counted=True, case_segments_counted=True)

    answer = Response.objects.filter(organization=organization, customer__isnull=False).order_by("-pk").first()
    times = {"with": [], "without": []}
    with transaction.atomic():
        for _ in range(runs * 20):
            for side in times:
                started = time.perf_counter()
                if side == "with":
                    rollup_add_response(response=answer, organization=organization)
                else:
                    _apply(_response_rows(answer, organization, +1))
                times[side].append((time.perf_counter() - started) * 1000)
        transaction.set_rollback(True)
    with_ms, without_ms = statistics.median(times["with"]), statistics.median(times["without"])
    print(f"{'one answer upsert, with / without segment':<44}{with_ms:>10.2f}{without_ms:>10.2f}", flush=True)

    segment = Customer.objects.filter(organization=organization).exclude(segment="").values_list("segment", flat=True)
    old = segment.first()
    ids = list(
        Customer.objects.filter(organization=organization, segment=old).order_by("pk").values_list("pk", flat=True)
    )[:MOVE_SLICE]
    answers = Response.objects.filter(customer_id__in=ids).count()
    case_count = organization.cases.filter(customer_id__in=ids).count()
    move = []
    for _ in range(runs):
        with transaction.atomic():
            started = time.perf_counter()
            rows = rollup_segments_move(organization=organization, customer_ids=ids, old=old, new="bench-moved")
            move.append((time.perf_counter() - started) * 1000)
            transaction.set_rollback(True)
    moved = f"move {len(ids)} customers' {answers} answers, {case_count} cases ({rows} rows)"
    print(f"{moved}: {statistics.median(move):.1f} ms", flush=True)
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
