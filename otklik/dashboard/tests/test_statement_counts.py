"""The report pages run a fixed number of statements, whatever the number of answers (read from the rollups)."""

import pytest
from django.db import connection

from otklik.rollups.services import rollups_reconcile
from otklik.rollups.tests.test_reports_from_rollups import answers  # noqa: F401 (a fixture)

# Each page's statements with the rollups current and themes tagged (their figures read from the tag rollups):
# session, user, membership, then the page's own reads. /people/'s case counts are three statements per group
# (policies, case rollups ready, their sums: ADR 0031). /metrics/ reads its groups' and its total's case figures
# once (its total from the groups'; ADR 0034): on SQLite from the cases; on PostgreSQL from the case rollups
# (ADR 0042): whether they are counted under the policies in force, their sums and clocks, and the unanswered
# cases not yet due (a bounded read) — by seller two more (the touchpoints' employees, the cases tied to a
# purchase), by product one more (those cases). The total row's answer, invitation and follow-up figures are the
# groups' added (no read of their own, ADR 0042). None grows with the number of cases. `/`'s SLA card reads its
# all-time answered counts from the case rollups (ready, sums) and the rest over the open cases; the theme tag
# rollups are read once per request for `/` and /insights/ (ADR 0037); `/`'s three metrics (headline, per
# touchpoint, per month each) come from one read of the answer rollups, not nine (`metrics_from_rollups`).
PG = connection.vendor == "postgresql"
PAGES = [
    # `/`'s open cases: their holders grouped with the SLA card's open figures in the same statement, then the
    # people among them (none here, so no read; ADR 0053); the SLA policies read once for the SLA card and the
    # member's own cases; the recovery card asks whether there is a follow-up before grouping them; the loyalty
    # card's NPS parts and answers with text per place come from the page's one read of the answer rollups
    # (decision 0057).
    ("/", 20),
    ("/?date_from=2026-01-17&date_to=2026-03-04", 20),
    ("/metrics/", 14 + 2 * PG),
    ("/metrics/?by=week&date_from=2026-01-17&date_to=2026-03-04", 13 + 2 * PG),
    ("/metrics/?by=month&export=csv", 9 + 2 * PG),
    ("/metrics/?by=location&export=xlsx", 10 + 2 * PG),
    ("/metrics/?by=employee", 15 + 4 * PG),
    ("/metrics/?by=product", 15 + 3 * PG),
    # By segment: the segment rollups (whether counted, their sums; decision 0047); the invitations and follow-ups
    # joined to their customers' segments, one statement each; the cases on SQLite one statement over the cases,
    # on PostgreSQL the case rollups by segment (decision 0050): whether counted, their sums and clocks, the
    # unanswered cases not yet due (a bounded read).
    ("/metrics/?by=segment", 13 + 2 * PG),
    ("/metrics/?by=segment&date_from=2026-01-17&date_to=2026-03-04&export=csv", 9 + 2 * PG),
    ("/people/", 21),
    ("/people/?export=csv", 18),
    ("/report/?period=2026-03", 26 + 4 * PG),  # two months' case figures
    ("/insights/", 15),
]


@pytest.mark.parametrize("page, statements", PAGES)
@pytest.mark.usefixtures("answers")
def test_a_report_page_runs_a_fixed_number_of_statements(world, login, django_assert_num_queries, page, statements):
    rollups_reconcile(organization=world.org)
    client = login(world.manager)
    client.get("/")  # the session's first request may touch the session and cache tables once more

    with django_assert_num_queries(statements):
        response = client.get(page)

    assert response.status_code == 200


# An employee limited to their locations: the reads narrowed to those locations (the rollups and open cases by
# location, the praise comments through their index); /insights/ without the manager's forms. None grows with the
# answers or cases (docs/decisions/0039).
EMPLOYEE_PAGES = [
    ("/", 20),
    ("/insights/", 13),
    ("/people/", 21),
    ("/people/?export=xlsx", 21),
]


@pytest.mark.parametrize("page, statements", EMPLOYEE_PAGES)
@pytest.mark.usefixtures("answers")
def test_an_employees_report_page_runs_a_fixed_number_of_statements(
    world, login, django_assert_num_queries, page, statements
):
    rollups_reconcile(organization=world.org)
    client = login(world.employee)
    client.get("/")

    with django_assert_num_queries(statements):
        response = client.get(page)

    assert response.status_code == 200
