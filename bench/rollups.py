"""NPS by location × month over millions of answers: rollups, a raw PostgreSQL scan and DuckDB, in one run.

    .venv/bin/python bench/rollups.py [--answers 10000000] [--runs 30] [--keep] [--pages-only]

Creates a PostgreSQL database (default `otklik_bench_rollups`), migrates it and
makes one organization with 50 locations of two touchpoints each and a third served by
one employee's QR code, and twelve themes. Then it generates `--answers` NPS answers
spread over 36 months inside PostgreSQL with INSERT … SELECT generate_series (the
real English and Russian texts of ../shared/datasets (or $OTKLIK_DATASETS_DIR) are COPYed in once;
35 % of the answers keep theirs as a comment; each score lies in the range of its text's sentiment
label; 60 % come from customers with an RFM segment; 30 % of the detractors with a comment opened a
case, held by the location's employee, most answered and resolved; every comment but one in five carries one
or two theme tags, that one is "other" with a reason; seeded), and builds the rollups with the same
reconciliation the worker runs daily.
`--pages-only` times the pages alone (a kept database is reused). In the same run it times

  (a) the dashboard's selector, NPS by location × month, reading the rollups;
  (b) the same selector on the raw answers: one GROUP BY scan in PostgreSQL;
  (c) DuckDB's GROUP BY over the same answers exported once to Parquet;

checks the three agree, prints median and p95 and the ratios, and measures what
keeping the rollups current costs one answer. Then it times every report page (`/`, /metrics/,
/people/, /report/, /insights/, a theme's page and the CSV/XLSX exports; server time in process, the rollups
current) beside the DuckDB query that computes that page's answer figures over the same Parquet. The database
it created is dropped at the end unless --keep.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/otklik_bench_rollups"
TIME_ZONE = "Europe/Moscow"
LOCATIONS = 50
MONTHS = 36
START = "2023-01-01 00:00:00+03"  # 36 whole months in the organization's time zone
CHUNK = 1_000_000
THEMES = 12
# The spread of the generated answers: a share carries a comment, a share comes from a known customer
# (one of ANSWERS_PER_CUSTOMER answers' worth of customers, each with an RFM segment), and a share of
# the detractors who wrote a comment opened a case, most of them answered and resolved.
COMMENT_SHARE = 0.35
CUSTOMER_SHARE = 0.6
ANSWERS_PER_CUSTOMER = 20
CASE_SHARE = 0.3


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--answers", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=30, help="timed runs of the rollup selector and of DuckDB")
    parser.add_argument("--raw-runs", type=int, default=5, help="timed runs of the raw scan (seconds each)")
    parser.add_argument("--maintenance-answers", type=int, default=300)
    parser.add_argument("--page-runs", type=int, default=5, help="timed requests of each report page")
    parser.add_argument("--seed", type=float, default=0.42)
    parser.add_argument("--database-url", default=os.environ.get("OTKLIK_BENCH_ROLLUPS_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--keep", action="store_true", help="keep the database the benchmark created")
    parser.add_argument("--pages-only", action="store_true", help="time the report pages only (no DuckDB, no upserts)")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="a database kept by an earlier run: when its rollups are reconciled, skip the name words and the first"
        " reconciliation (minutes at 10 M answers); the closing check still reconciles",
    )
    # bench/run.py passes its arguments to every benchmark; ignore the others' options.
    args, _unknown = parser.parse_known_args()
    return args


def admin_url(url: str) -> tuple[str, str]:
    parsed = urllib.parse.urlparse(url)
    return parsed._replace(path="/postgres").geturl(), parsed.path.lstrip("/")


def create_database(url: str) -> bool:
    """Create the database when missing; True when this run created it (and so may drop it)."""
    import psycopg

    admin, name = admin_url(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return False
        conn.execute(f'CREATE DATABASE "{name}"')
        return True


def drop_database(url: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    admin, name = admin_url(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def timed(fn, runs: int) -> tuple[dict, object]:
    result = None
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        seconds.append(time.perf_counter() - started)
    seconds.sort()
    p95 = seconds[min(len(seconds) - 1, max(0, round(len(seconds) * 0.95) - 1))]
    return {"median_ms": statistics.median(seconds) * 1000, "p95_ms": p95 * 1000, "runs": runs}, result


def setup_organization():
    from otklik.accounts.models import Membership, Organization, Role
    from otklik.cases.case_rules import survey_create_with_case_rule
    from otklik.insights.models import Theme
    from otklik.testing import factories

    organization = Organization.objects.filter(slug="bench-rollups").first()
    if organization is None:
        organization = factories.make_organization(name="Bench rollups", slug="bench-rollups")
        organization.time_zone = TIME_ZONE
        organization.save()
        for number in range(1, LOCATIONS + 1):
            location = factories.make_location(organization=organization, name=f"Store {number:02d}")
            factories.make_touchpoint(location=location, name="Checkout", kind="checkout")
            factories.make_touchpoint(location=location, name="Delivery", kind="delivery")
            # An employee's own QR code: its answers count for that employee on /metrics/ and /people/.
            employee = factories.make_user(organization=organization, username=f"employee-{number:02d}")
            consultant = factories.make_touchpoint(location=location, name="Consultant", kind="employee")
            consultant.employee = employee
            consultant.save(update_fields=["employee"])
        survey_create_with_case_rule(organization=organization, kind="nps")
        factories.make_user(organization=organization, role=Role.OWNER, username="bench-owner")
        Theme.objects.bulk_create(Theme(organization=organization, name=f"theme {n:02d}") for n in range(THEMES))
    membership = Membership.objects.get(organization=organization, user__username="bench-owner")
    return organization, membership


def real_texts() -> list[tuple[str, str, str]]:
    """(text, sentiment label, language) of every row of the shared datasets."""
    from otklik.demo.datasets import DATASETS, datasets_dir

    texts = []
    for dataset in DATASETS:
        for row in dataset.reader(dataset.path(datasets_dir())):
            texts.append((row.text, row.sentiment, dataset.language))
    return texts


def _defaults(model, generated: dict, params: dict) -> None:
    """Every other NOT NULL column of `model` gets its model default, so fields added later do not break the load."""
    from django.db import connection

    for field in model._meta.concrete_fields:
        if field.primary_key or field.null or field.column in generated:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            generated[field.column] = "now()"
            continue
        generated[field.column] = f"%({field.column})s"
        params[field.column] = field.get_db_prep_save(field.get_default(), connection)


def _without_indexes(cursor, table: str) -> list[str]:
    """Drop the table's secondary indexes for a bulk load; returns the statements that rebuild them."""
    cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", [table])
    indexes = [(name, sql) for name, sql in cursor.fetchall() if not name.endswith("_pkey") and "UNIQUE" not in sql]
    for name, _sql in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    return [sql for _name, sql in indexes]


# One answer with a comment in this many carries no theme ("other"), the rest one or two.
OTHER_EVERY = 5


def generate_answers(*, organization, answers: int, seed: float) -> float:
    """Insert `answers` NPS answers (a share with real comments, customers, cases and theme tags) in PostgreSQL.

    Everything is generated by INSERT … SELECT generate_series inside PostgreSQL; returns the seconds it took.
    """
    from django.db import connection

    from otklik.accounts.models import Touchpoint
    from otklik.cases.models import Case, Severity, Step
    from otklik.customers.models import Customer
    from otklik.customers.segments import SEGMENT_LABELS
    from otklik.demo.datasets import SCORE_RANGES
    from otklik.insights.models import AnswerAnalysis, AnswerTheme, Theme
    from otklik.surveys.models import Response, Source

    survey = organization.surveys.get(kind="nps")
    end = f"{2023 + MONTHS // 12}-01-01 00:00:00+03"
    texts = real_texts()
    touchpoints = list(Touchpoint.objects.filter(organization=organization).order_by("pk"))
    owner = organization.memberships.get(user__username="bench-owner").user_id
    themes = list(Theme.objects.filter(organization=organization).order_by("pk").values_list("pk", flat=True))
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [seed])
        cursor.execute("SELECT coalesce(max(id), 0) FROM customers_customer")
        customers_before = cursor.fetchone()[0]
        customers = max(1, answers // ANSWERS_PER_CUSTOMER)
        generated = {
            "organization_id": "%(org)s",
            "name": "'customer ' || n",
            # Segments as the RFM job would set them, a few customers not segmented yet.
            "segment": (
                "coalesce((%(segments)s::text[])"
                "[1 + floor(random() * (array_length(%(segments)s::text[], 1) + 1))::int], '')"
            ),
        }
        params = {"org": organization.pk, "segments": list(SEGMENT_LABELS)}
        _defaults(Customer, generated, params)
        cursor.execute(
            f"INSERT INTO customers_customer ({', '.join(generated)}) SELECT {', '.join(generated.values())}"
            f" FROM generate_series(1, {customers}) n",
            params,
        )
        cursor.execute("SELECT min(id), max(id) FROM customers_customer WHERE id > %s", [customers_before])
        first_customer, last_customer = cursor.fetchone()

        cursor.execute("CREATE TEMP TABLE bench_text (i int PRIMARY KEY, text text, language text, low int, high int)")
        with cursor.cursor.copy("COPY bench_text FROM STDIN") as copy:
            for i, (text, sentiment, language) in enumerate(texts):
                low, high = SCORE_RANGES[sentiment]
                copy.write_row((i, text, language, low, high))
        cursor.execute(
            "CREATE TEMP TABLE bench_place (i int PRIMARY KEY, location_id bigint, touchpoint_id bigint, praise float,"
            " employee_id bigint, holder_id bigint)"
        )
        # A location's cases are held by its employee (the one with a QR code there), not all by the owner.
        holders = {tp.location_id: tp.employee_id for tp in touchpoints if tp.employee_id}
        with cursor.cursor.copy("COPY bench_place FROM STDIN") as copy:
            for i, touchpoint in enumerate(touchpoints):
                # Some places earn more praise than others, so the locations' NPS differ.
                praise = (touchpoint.location_id % 10) / 40
                holder = holders.get(touchpoint.location_id, owner)
                copy.write_row((i, touchpoint.location_id, touchpoint.pk, praise, touchpoint.employee_id, holder))

        generated = {
            "organization_id": "%(org)s",
            "survey_id": "%(survey)s",
            "touchpoint_id": "p.touchpoint_id",
            "location_id": "p.location_id",
            "kind": "'nps'",
            "score": "CASE WHEN s.r4 < p.praise THEN 10 ELSE t.low + floor(s.r3 * (t.high - t.low + 1))::int END",
            # The score follows the text's sentiment whether or not the customer left the text.
            "comment": f"CASE WHEN s.r6 < {COMMENT_SHARE} THEN t.text ELSE '' END",
            "language": "t.language",
            "customer_id": (
                f"CASE WHEN s.r7 < {CUSTOMER_SHARE} THEN %(first_customer)s"
                " + floor(s.r7 / %(customer_share)s * %(customers)s)::bigint END"
            ),
            "source": "%(source)s",
            "score_is_derived": "true",
            "created_at": "%(start)s::timestamptz + s.r5 * (%(end)s::timestamptz - %(start)s::timestamptz)",
        }
        params = {
            "org": organization.pk,
            "survey": survey.pk,
            "source": Source.IMPORT,
            "start": START,
            "end": end,
            "first_customer": first_customer,
            "customers": last_customer - first_customer + 1,
            "customer_share": CUSTOMER_SHARE,
        }
        _defaults(Response, generated, params)
        cursor.execute("SELECT coalesce(max(id), 0) FROM surveys_response")
        answers_before = cursor.fetchone()[0]
        # Indexes are built once after the load instead of updated 10 million times; the data
        # is consistent by construction, so foreign key triggers are skipped for the load.
        rebuild = [
            *_without_indexes(cursor, "surveys_response"),
            *_without_indexes(cursor, "cases_case"),
            *_without_indexes(cursor, "insights_answertheme"),
        ]
        cursor.execute("SET session_replication_role = replica")
        done = 0
        while done < answers:
            size = min(CHUNK, answers - done)
            cursor.execute(
                f"INSERT INTO surveys_response ({', '.join(generated)}) SELECT {', '.join(generated.values())} FROM ("
                "  SELECT random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5,"
                "   random() AS r6, random() AS r7"
                f"  FROM generate_series(1, {size})"
                f") s JOIN bench_text t ON t.i = floor(s.r1 * {len(texts)})"
                f" JOIN bench_place p ON p.i = floor(s.r2 * {len(touchpoints)})",
                params,
            )
            done += size
            print(f"  generated {done:,} answers ({time.perf_counter() - started:.0f} s)", flush=True)

        # Cases: a share of the detractors who wrote something; most answered within hours, resolved within days.
        generated = {
            "organization_id": "r.organization_id",
            "response_id": "r.id",
            "location_id": "r.location_id",
            "touchpoint_id": "r.touchpoint_id",
            "customer_id": "r.customer_id",
            "language": "r.language",
            "content": "r.comment",
            "responsible_id": "p.holder_id",
            "severity": "(%(severities)s::text[])[1 + floor(random() * 4)::int]",
            "step": f"CASE WHEN r.resolved THEN '{Step.RESOLVED}' ELSE '{Step.THANKED}' END",
            "thanked_at": "CASE WHEN r.thanked THEN r.created_at + r.first_h * interval '1 hour' END",
            "resolved_at": "CASE WHEN r.resolved THEN r.created_at + (r.first_h + r.fix_h) * interval '1 hour' END",
            "created_at": "r.created_at",
        }
        params = {"severities": [s.value for s in Severity]}
        _defaults(Case, generated, params)
        cursor.execute(
            f"INSERT INTO cases_case ({', '.join(generated)}) SELECT {', '.join(generated.values())} FROM ("
            "  SELECT r.*, random() AS pick, random() < 0.9 AS thanked, random() < 0.8 AS resolved,"
            "   random() * random() * 72 AS first_h, random() * 240 AS fix_h FROM surveys_response r"
            "  WHERE r.id > %(after)s AND r.score <= 6 AND r.comment <> ''"
            ") r JOIN bench_place p ON p.touchpoint_id = r.touchpoint_id"
            f" WHERE r.pick < {CASE_SHARE}",
            {**params, "after": answers_before},
        )
        # Theme tags: one theme per answer with a comment, a second on some (as the tagger leaves them).
        generated = {"response_id": "r.id", "theme_id": "t.theme_id", "weight": "1.0"}
        params = {"themes": themes}
        _defaults(AnswerTheme, generated, params)
        cursor.execute(
            f"INSERT INTO insights_answertheme ({', '.join(generated)}) SELECT {', '.join(generated.values())}"
            " FROM surveys_response r CROSS JOIN LATERAL (SELECT DISTINCT (%(themes)s::bigint[])"
            "[1 + ((r.id * k) %% array_length(%(themes)s::bigint[], 1))::int] AS theme_id"
            "  FROM unnest(ARRAY[7919, CASE WHEN r.id %% 3 = 0 THEN 104729 ELSE 7919 END]) k) t"
            f" WHERE r.id > %(after)s AND r.comment <> '' AND r.id %% {OTHER_EVERY} <> 0",
            {**params, "after": answers_before},
        )
        # The rest, "other" (no theme holds them): the analysis the tagger writes, with its reason in turn (another
        # language, no words, no theme close enough: decision 0069), counted in the tag rollups' reserved rows.
        generated = {
            "response_id": "r.id",
            "language": "r.language",
            "tagged_at": "r.created_at",
            "other_reason": f"-1 - ((r.id / {OTHER_EVERY}) %% 3)",
        }
        params = {}
        _defaults(AnswerAnalysis, generated, params)
        cursor.execute(
            f"INSERT INTO insights_answeranalysis ({', '.join(generated)}) SELECT {', '.join(generated.values())}"
            f" FROM surveys_response r WHERE r.id > %(after)s AND r.comment <> '' AND r.id %% {OTHER_EVERY} = 0",
            {**params, "after": answers_before},
        )
        cursor.execute("SET session_replication_role = origin")
        for sql in rebuild:
            cursor.execute(sql)
        for table in ("surveys_response", "cases_case", "insights_answertheme", "customers_customer"):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    return time.perf_counter() - started


def store_name_words(*, organization) -> float:
    """Give the praise answers with a comment the analysis row the tagger writes (language and the comment's name
    words, docs/decisions/0031), once: /people/ reads the names there. Each distinct text is read by
    `insights.text.name_words` in Python, then the rows are joined on the text inside PostgreSQL. Only the
    praise band (NPS 9–10) gets them: /people/ reads no other. Returns the seconds it took."""
    from django.db import connection

    from otklik.insights import text as textlib

    started = time.perf_counter()
    missing = (
        " FROM surveys_response r WHERE r.organization_id = %s AND r.kind = 'nps' AND r.score >= 9"
        " AND r.comment <> '' AND NOT EXISTS (SELECT 1 FROM insights_answeranalysis a WHERE a.response_id = r.id)"
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT r.comment" + missing, [organization.pk])
        texts = [row[0] for row in cursor.fetchall()]
        if not texts:
            return 0.0
        cursor.execute("CREATE TEMP TABLE bench_words (text text PRIMARY KEY, words text, language varchar(5))")
        with cursor.cursor.copy("COPY bench_words (text, words, language) FROM STDIN") as copy:
            for text in texts:
                language, words = textlib.name_words(text)
                copy.write_row((text, " ".join(sorted(words)), language))
        cursor.execute(
            "INSERT INTO insights_answeranalysis (response_id, language, has_profanity, tagged_at, comment_words,"
            " comment_language) SELECT r.id, w.language, false, now(), w.words, w.language"
            " FROM (SELECT r.id, r.comment" + missing + ") r JOIN bench_words w ON w.text = r.comment",
            [organization.pk],
        )
        cursor.execute("DROP TABLE bench_words")
        cursor.execute("VACUUM (ANALYZE) insights_answeranalysis")
    return time.perf_counter() - started


def export_parquet(*, organization, path: Path) -> float:
    import duckdb
    from django.db import connection

    started = time.perf_counter()
    csv_path = path.with_suffix(".csv")
    with connection.cursor() as cursor, csv_path.open("wb") as out:
        with cursor.cursor.copy(
            "COPY (SELECT r.id, r.organization_id, r.location_id, r.touchpoint_id, r.kind, r.score, r.created_at,"
            " t.employee_id, coalesce(c.segment, ''), r.comment <> '' OR r.second_answer <> ''"
            " FROM surveys_response r JOIN accounts_touchpoint t ON t.id = r.touchpoint_id"
            " LEFT JOIN customers_customer c ON c.id = r.customer_id WHERE r.organization_id = %s)"
            " TO STDOUT (FORMAT csv)",
            [organization.pk],
        ) as copy:
            for block in copy:
                out.write(block)
    duck = duckdb.connect()
    duck.execute(
        f"COPY (SELECT * FROM read_csv('{csv_path}', header=false, columns={{'id': 'BIGINT', "
        "'organization_id': 'BIGINT', 'location_id': 'BIGINT', 'touchpoint_id': 'BIGINT', 'kind': 'VARCHAR', "
        "'score': 'SMALLINT', 'created_at': 'TIMESTAMPTZ', 'employee_id': 'BIGINT', 'segment': 'VARCHAR', "
        f"'has_text': 'BOOLEAN'}})) TO '{path}' (FORMAT parquet)"
    )
    duck.close()
    csv_path.unlink()
    return time.perf_counter() - started


def duckdb_query(duck, path: Path, organization_id: int):
    return duck.execute(
        "SELECT location_id, date_trunc('month', timezone(?, created_at))::date AS month, count(*),"
        " count(*) FILTER (WHERE score >= 9), count(*) FILTER (WHERE score <= 6)"
        f" FROM read_parquet('{path}') WHERE organization_id = ? AND kind = 'nps'"
        " GROUP BY ALL ORDER BY location_id, month",
        [TIME_ZONE, organization_id],
    ).fetchall()


REPORT_MONTH = "2025-12"  # the last month of the generated answers
# Each page with the DuckDB query that computes its answer figures (NPS parts and the score sum per group).
_FIGURES = (
    "count(*), count(*) FILTER (WHERE score >= 9), count(*) FILTER (WHERE score <= 6), sum(score), sum(score * score)"
)
_BY_TOUCHPOINT = f"SELECT touchpoint_id, {_FIGURES} FROM answers GROUP BY ALL"
_MONTH = "timezone(?, created_at) >= DATE '2025-12-01'"
_PEOPLE = f"SELECT coalesce(employee_id, 0), location_id, kind, {_FIGURES} FROM answers WHERE {_MONTH} GROUP BY ALL"
PEOPLE_MONTH = "date_from=2025-12-01&date_to=2025-12-31"
PAGES = [
    ("/", _BY_TOUCHPOINT),
    ("/metrics/", _BY_TOUCHPOINT),
    ("/metrics/?by=month", f"SELECT date_trunc('month', timezone(?, created_at)), {_FIGURES} FROM answers GROUP BY 1"),
    ("/metrics/?by=employee", f"SELECT employee_id, {_FIGURES} FROM answers GROUP BY ALL"),
    ("/metrics/?by=segment", f"SELECT segment, {_FIGURES} FROM answers GROUP BY ALL"),
    ("/metrics/?by=segment&export=csv", f"SELECT segment, {_FIGURES} FROM answers GROUP BY ALL"),
    ("/metrics/?by=product", f"SELECT {_FIGURES} FROM answers"),
    ("/metrics/?export=csv", _BY_TOUCHPOINT),
    ("/metrics/?export=xlsx", _BY_TOUCHPOINT),
    (f"/people/?{PEOPLE_MONTH}", _PEOPLE),
    (f"/people/?{PEOPLE_MONTH}&export=csv", _PEOPLE),
    (f"/people/?{PEOPLE_MONTH}&export=xlsx", _PEOPLE),
    (
        f"/report/?period={REPORT_MONTH}",
        f"SELECT touchpoint_id, date_trunc('month', timezone(?, created_at)) AS m, {_FIGURES} FROM answers"
        " WHERE timezone(?, created_at) >= DATE '2025-11-01' GROUP BY ALL",
    ),
    ("/insights/", f"SELECT touchpoint_id, has_text, {_FIGURES} FROM answers GROUP BY ALL"),
    # A theme's page (the first theme), over all time and over a month: the weight, trend and places of one
    # theme; DuckDB's figures are the answers' per touchpoint, with text or not (the Parquet holds no tags).
    ("/insights/themes/{theme}/", f"SELECT touchpoint_id, has_text, {_FIGURES} FROM answers GROUP BY ALL"),
    (
        f"/insights/themes/{{theme}}/?{PEOPLE_MONTH}",
        f"SELECT touchpoint_id, has_text, {_FIGURES} FROM answers WHERE {_MONTH} GROUP BY ALL",
    ),
]


def time_pages(*, membership, runs: int, duck=None, parquet: Path | None = None) -> list[tuple]:
    """(page, status, statements, server time, DuckDB time of the page's figures) for every report page.

    Server time is the request handled in process by Django's test client: no network, the rollups current.
    The /people/ page and /insights/ read some figures from the answers by design (praise naming people,
    themes); their time says what that costs.
    """
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections, connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    # One persistent connection, as a live server keeps (CONN_MAX_AGE), so every request's statements are seen.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    request_started.disconnect(reset_queries)  # else the statements of a request are cleared as it starts
    client = Client()
    client.force_login(membership.user)
    if duck is not None:
        duck.execute(f"CREATE OR REPLACE VIEW answers AS SELECT * FROM read_parquet('{parquet}')")
    from otklik.insights.models import Theme

    theme = Theme.objects.filter(organization=membership.organization).order_by("pk").first()
    results = []
    for page, duck_sql in PAGES:
        page = page.format(theme=theme.pk if theme else 0)
        response = client.get(page)  # warm, as a live server would be
        with CaptureQueriesContext(connection) as queries:
            client.get(page)
        statements = len(queries.captured_queries)
        page_times, _response = timed(lambda page=page: client.get(page), runs)
        duck_times = None
        if duck is not None:
            params = [TIME_ZONE] * duck_sql.count("?")
            duck_times, _rows = timed(lambda sql=duck_sql, params=params: duck.execute(sql, params).fetchall(), runs)
        results.append((page, response.status_code, statements, page_times, duck_times))
        print(f"  {page}: {page_times['median_ms']:.0f} ms", flush=True)
    return results


def maintenance_cost(*, organization, answers: int) -> dict:
    """Milliseconds one answer spends keeping rollups current: the upsert alone, and the whole submit with and
    without it (alternating, so both see the same database)."""
    from django.db import transaction

    from otklik.accounts.models import Touchpoint
    from otklik.intake import answers as intake_answers
    from otklik.rollups import services as rollup_services
    from otklik.surveys.models import Response
    from otklik.surveys.services import AnswerInput

    survey = organization.surveys.get(kind="nps")
    touchpoints = list(Touchpoint.objects.filter(organization=organization).order_by("pk"))
    texts = [text for text, _label, _lang in real_texts()[:answers]]
    sample = Response.objects.filter(organization=organization).order_by("pk").first()

    # The statement alone, inside one open transaction (rolled back): what it adds to an answer's transaction.
    upsert = []
    with transaction.atomic():
        for _ in range(answers):
            started = time.perf_counter()
            rollup_services.rollup_add_response(response=sample, organization=organization)
            upsert.append(time.perf_counter() - started)
        transaction.set_rollback(True)

    # The intake's answer flow calls it by the name it imported: that name is the one switched off.
    real_add = intake_answers.rollup_add_response
    with_rollup, without_rollup = [], []
    try:
        for i in range(answers * 2):
            keep = i % 2 == 0
            intake_answers.rollup_add_response = real_add if keep else (lambda **kwargs: None)
            started = time.perf_counter()
            response = intake_answers.answer_receive(
                survey=survey,
                touchpoint=touchpoints[i % len(touchpoints)],
                answer=AnswerInput(score=i % 11, comment=texts[(i // 2) % len(texts)]),
                notify=False,
            )
            (with_rollup if keep else without_rollup).append(time.perf_counter() - started)
            if not keep:  # counted afterwards, untimed, so the rollups stay exact
                real_add(response=response, organization=organization)
    finally:
        intake_answers.rollup_add_response = real_add
    return {
        "upsert_ms": statistics.median(upsert) * 1000,
        "submit_with_ms": statistics.median(with_rollup) * 1000,
        "submit_without_ms": statistics.median(without_rollup) * 1000,
    }


def table_mb(table: str) -> float:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_total_relation_size(%s)", [table])
        return cursor.fetchone()[0] / 2**20


def main() -> None:
    args = parse_args()
    created = create_database(args.database_url)
    os.environ["OTKLIK_DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "otklik.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    try:
        import duckdb
    except ImportError:  # the `bench` extra is not installed: time PostgreSQL only
        duckdb = None
    from django.core.management import call_command
    from django.db import connection

    from otklik.dashboard import selectors
    from otklik.rollups.models import ResponseRollup
    from otklik.rollups.selectors import rollups_ready
    from otklik.rollups.services import rollups_reconcile

    try:
        call_command("migrate", verbosity=0)
        organization, membership = setup_organization()
        tz = organization.zone
        existing = selectors.responses_visible(membership=membership).count()
        generation_s = 0.0
        if existing < args.answers:
            print(f"Generating {args.answers - existing:,} answers…", flush=True)
            generation_s = generate_answers(organization=organization, answers=args.answers - existing, seed=args.seed)
        reuse = args.reuse and not generation_s and rollups_ready(organization=organization)
        reconcile, reconcile_s = None, 0.0
        if reuse:
            print("Reusing the kept database: its rollups are reconciled", flush=True)
        else:
            words_s = store_name_words(organization=organization)
            if words_s:
                print(f"Stored the name words of the praise comments ({words_s:.0f} s)", flush=True)
            started = time.perf_counter()
            reconcile = rollups_reconcile(organization=organization)
            reconcile_s = time.perf_counter() - started
        with connection.cursor() as cursor:
            # As autovacuum soon would after a first build: statistics, and the visibility map without which no
            # covering index is read index-only (the theme read of `/` read 7 954 heap pages at 1 M answers
            # instead; decision 0050). Outside a transaction: Django's connection is in autocommit here.
            cursor.execute(
                "VACUUM (ANALYZE) rollups_responserollup, rollups_caserollup, rollups_tagrollup,"
                " rollups_segmentrollup, rollups_casesegmentrollup"
            )

        def from_rollups():
            source = selectors.metrics_source(membership=membership, tz=tz)
            return selectors.metric_by_location_month(qs=source, kind="nps", tz=tz)

        def raw_scan():
            source = selectors.responses_visible(membership=membership)
            return selectors.metric_by_location_month(qs=source, kind="nps", tz=tz)

        assert selectors.metrics_source(membership=membership, tz=tz).model is ResponseRollup
        if args.pages_only:
            for page, status, statements, t, _duck in time_pages(membership=membership, runs=args.page_runs):
                print(f"{page:<60}{status:>5}{statements:>5}{t['median_ms']:>11.1f}{t['p95_ms']:>9.1f}")
            return
        from_rollups()  # warm the connection and the caches for both, as a live dashboard would be
        rollup_times, rollup_rows = timed(from_rollups, args.runs)
        raw_times, raw_rows = timed(raw_scan, args.raw_runs)

        ours = [(r.location_id, r.month, r.metric.count, r.metric.promoters, r.metric.detractors) for r in rollup_rows]
        raw = [(r.location_id, r.month, r.metric.count, r.metric.promoters, r.metric.detractors) for r in raw_rows]
        assert ours == raw, "the rollups disagree with the raw scan"
        duck_times = pages = None
        if duckdb is not None:
            with tempfile.TemporaryDirectory() as folder:
                parquet = Path(folder) / "answers.parquet"
                export_s = export_parquet(organization=organization, path=parquet)
                duck = duckdb.connect()
                duckdb_query(duck, parquet, organization.pk)
                duck_times, duck_rows = timed(lambda: duckdb_query(duck, parquet, organization.pk), args.runs)
                parquet_mb = parquet.stat().st_size / 2**20
                pages = time_pages(membership=membership, runs=args.page_runs, duck=duck, parquet=parquet)
                duck.close()
            assert ours == [tuple(row) for row in duck_rows], "DuckDB disagrees with PostgreSQL"

        if pages is None:
            pages = time_pages(membership=membership, runs=args.page_runs)
        cost = maintenance_cost(organization=organization, answers=args.maintenance_answers)
        check = rollups_reconcile(organization=organization)
        total = selectors.responses_visible(membership=membership).count()

        print(f"\nNPS by location × month, {total:,} answers, {LOCATIONS} locations × 2 touchpoints, {MONTHS} months")
        built = f"{reconcile_s:.1f} s for {reconcile.rows:,} rows" if reconcile else "reused (--reuse)"
        print(f"generation {generation_s:.0f} s; rollup build (reconciliation) {built}")
        parquet_line = f", Parquet {parquet_mb:,.0f} MB (export {export_s:.0f} s)" if duck_times else ""
        print(
            f"sizes: answers {table_mb('surveys_response'):,.0f} MB, "
            f"rollups {table_mb('rollups_responserollup'):,.1f} MB{parquet_line}; {len(ours)} location-months"
        )
        print(f"{'query':<52}{'runs':>6}{'median ms':>12}{'p95 ms':>10}")
        lines = [
            ("(a) dashboard selector on rollups, PostgreSQL", rollup_times),
            ("(b) same selector, raw GROUP BY scan, PostgreSQL", raw_times),
            ("(c) DuckDB GROUP BY over Parquet", duck_times),
        ]
        for name, t in lines:
            if t is None:
                print(f"{name:<52} skipped: pip install -e '.[bench]' for DuckDB")
                continue
            print(f"{name:<52}{t['runs']:>6}{t['median_ms']:>12.1f}{t['p95_ms']:>10.1f}")
        ratios = f"raw scan / rollups: {raw_times['median_ms'] / rollup_times['median_ms']:.0f}x"
        if duck_times:
            ratios += (
                f";  DuckDB / rollups: {duck_times['median_ms'] / rollup_times['median_ms']:.1f}x;  "
                f"raw scan / DuckDB: {raw_times['median_ms'] / duck_times['median_ms']:.1f}x"
            )
        print(ratios)
        print(
            f"\n{'report page (server time, rollups current)':<44}{'status':>7}{'SQL':>5}{'median ms':>11}"
            f"{'p95 ms':>9}{'DuckDB ms':>11}"
        )
        for page, status, statements, t, duck_t in pages:
            duck_ms = f"{duck_t['median_ms']:>11.1f}" if duck_t else f"{'–':>11}"
            print(f"{page:<44}{status:>7}{statements:>5}{t['median_ms']:>11.1f}{t['p95_ms']:>9.1f}{duck_ms}")
        print(
            f"keeping rollups current, per answer (median of {args.maintenance_answers}): upsert "
            f"{cost['upsert_ms']:.2f} ms; whole submit {cost['submit_with_ms']:.2f} ms with it, "
            f"{cost['submit_without_ms']:.2f} ms without"
        )
        print(
            f"reconciliation after the timed answers corrected {len(check.corrected)} rows (0: the upserts were exact)"
        )
        # The machine's load changes every figure above; print it beside them.
        print(f"load average (1 min) at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    finally:
        if created and not args.keep:
            drop_database(args.database_url)


if __name__ == "__main__":
    main()
