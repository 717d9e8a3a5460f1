"""EXPLAIN (ANALYZE, BUFFERS) of a theme's examples for an employee who sees three stores: one query over the
stores (before) and one bounded walk per store (after, docs/decisions/0073), alternated, on a database that
`bench/rollups.py --keep` made.

    OTKLIK_DATABASE_URL=postgres://…/otklik_bench_rollups .venv/bin/python bench/theme_examples_explain.py
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "otklik.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402

from otklik.accounts.models import Location, Membership, Role  # noqa: E402
from otklik.insights import selectors  # noqa: E402
from otklik.insights.models import Theme  # noqa: E402
from otklik.surveys.filters import responses_visible  # noqa: E402

STORES = int(os.environ.get("STORES", "3"))
LIMIT = 20


def _plan(sql: str, params) -> tuple[str, float]:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        lines = [row[0] for row in cursor.fetchall()]
    return "\n".join(lines), float(lines[-1].split()[-2])


def main() -> None:
    with transaction.atomic():
        # The employee's stores, set inside a transaction that is rolled back: the database is left as it was.
        membership = Membership.objects.filter(role=Role.EMPLOYEE).select_related("organization").first()
        stores = list(Location.objects.filter(organization=membership.organization).order_by("pk")[:STORES])
        for store in stores:
            store.members.add(membership)
        answers = responses_visible(membership=membership)
        ids = [store.pk for store in stores]
        first = Theme.objects.filter(organization=membership.organization).order_by("pk")[0].pk
        for theme in Theme.objects.filter(organization=membership.organization).order_by("pk")[:3]:
            before = list(selectors.theme_examples(theme=theme, qs=answers, limit=LIMIT))
            after = selectors.theme_examples(theme=theme, qs=answers, limit=LIMIT, location_ids=ids)
            assert before == after, theme
            for run in range(2):
                old_sql = selectors.theme_examples_query(theme=theme, qs=answers)[:LIMIT].query.sql_with_params()
                old_plan, old_ms = _plan(*old_sql)
                walks = []
                for pk in ids:
                    sql = selectors.theme_examples_query(theme=theme, qs=answers).filter(location_id=pk)[:LIMIT]
                    walks.append(_plan(*sql.query.sql_with_params()))
                new_ms = sum(ms for _, ms in walks)
                load = os.getloadavg()[0]
                print(
                    f"theme {theme.pk} run {run}: one query {old_ms:.2f} ms, "
                    f"{STORES} walks {new_ms:.2f} ms, load {load:.1f}"
                )
                if run == 0 and theme.pk == first:
                    print("-- before\n" + old_plan + "\n-- after (first store)\n" + walks[0][0])
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()
