"""The reads ADR 0037 changed, each timed beside the read it replaced, alternating in one process.

    .venv/bin/python bench/overview_parts.py [--database-url URL] [--runs 11]

Runs on the database `bench/rollups.py --keep` left (default `otklik_bench_rollups`, reconciled). Pairs: `/`'s
SLA card (`sla_summary`: all-time answered counts from the case rollups and the rest over the open cases) against
its one count over every case; the theme tag rollups of all time read once in three groupings against the
three grouped reads /insights/ made (`/` made the first two). Both sides of a pair must give the same result.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from case_figures import django_on_bench_database, pair  # noqa: E402 (the bench folder is on the path above)


def main() -> None:
    runs = django_on_bench_database(__doc__, runs=11)
    from django.db.models import F, Q, Sum
    from django.utils import timezone

    from otklik.accounts.models import Membership, Organization
    from otklik.cases.models import Case, Step
    from otklik.insights import selectors as insights
    from otklik.rollups.metrics import NPS, band_count
    from otklik.sla import selectors as sla

    organization = Organization.objects.get(slug="bench-rollups")
    owner = Membership.objects.select_related("organization").filter(organization=organization, role="owner").first()
    now = timezone.now()
    from_rollups = sla._answered_from_rollups

    def sla_from_cases():
        sla._answered_from_rollups = lambda **kwargs: None  # as before: every figure counted over every case
        try:
            return sla.sla_summary(membership=owner, now=now)
        finally:
            sla._answered_from_rollups = from_rollups

    def tags_once():
        groups = insights.counted_for(membership=owner).tag_groups
        by_place = {key: n for key, n in groups.by_place.items() if n > 0}
        by_month = {key: n for key, n in groups.by_month.items() if n > 0}
        return groups.by_theme, by_place, by_month

    def tags_three_reads():
        # The three grouped reads of `_theme_rows`, `themes_top_places` and `themes_trend` before this change.
        tags, nps = insights.counted_for(membership=owner).tags, Q(kind=NPS.kind)
        by_theme = {
            row["theme_id"]: (row["tagged"], row["detractors"], row["promoters"], row["nps_tagged"])
            for row in tags.values("theme_id")
            .annotate(
                tagged=Sum("count"),
                detractors=band_count(NPS.bad(NPS.spec), rollups=True, kind_filter=nps),
                promoters=band_count(NPS.good(NPS.spec), rollups=True, kind_filter=nps),
                nps_tagged=Sum("count", filter=nps),
            )
            .order_by()
        }
        by_theme = {key: tuple(int(v or 0) for v in values) for key, values in by_theme.items()}
        places = tags.values("theme_id", "location_id", "touchpoint_id").annotate(n=Sum("with_text")).filter(n__gt=0)
        by_place = {(r["theme_id"], r["location_id"], r["touchpoint_id"]): r["n"] for r in places.order_by()}
        months = tags.values("theme_id", month=F("month_start")).annotate(n=Sum("with_text")).filter(n__gt=0)
        by_month = {(r["theme_id"], r["month"]): r["n"] for r in months.order_by()}
        return by_theme, by_place, by_month

    cases = Case.objects.filter(organization=organization)
    print(f"cases all-time: {cases.count():,}, open: {cases.exclude(step=Step.RESOLVED).count():,}")
    print(f"{'read (median ms)':<44}{'new':>10}{'old':>10}{'ratio':>9}")
    pair(
        "/ SLA card (sla_summary), all time",
        lambda: sla.sla_summary(membership=owner, now=now),
        sla_from_cases,
        runs,
    )
    pair("theme tag rollups, all time: 1 read / 3", tags_once, tags_three_reads, runs)
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
