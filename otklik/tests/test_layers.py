"""Flows run downhill: every app imports only apps below it in one declared order.

Every import of the production code is read with `ast`, function-local ones included (tests, migrations,
the test helpers and the browser tests are left out). An app may import only apps listed before it in
`APP_ORDER`; so no two apps import each other, and nothing imports the intake or the worker from below.
"""

import ast
import pathlib

PACKAGE = pathlib.Path(__file__).resolve().parents[1]

# Lowest first. An app imports only apps listed before it. Modules outside the apps (settings, urls,
# cli, http, batch) sit outside the order: the shared helpers in otklik/http.py and otklik/batch.py import no app.
APP_ORDER = [
    "audit",  # who did what: record() and its log
    "accounts",  # organizations, people, locations, touchpoints
    "messaging",  # the outbox and the channels; no domain app
    "customers",  # customers, orders, products, consent
    "surveys",  # surveys, questions, stored answers
    "rollups",  # answers counted per day
    "insights",  # themes, tags, loyalty factors
    "cases",  # complaints and their loop
    "sla",  # deadlines of cases
    "rules",  # routing and alert rules
    "improvements",  # systemic fixes, scripts, chronic complaints
    "outreach",  # invitations to answer
    "publication",  # public answers to reviews
    "intake",  # the flows that coordinate the apps above: an answer, a complaint, purchases arrive
    "imports",  # files in: purchases, customers, complaints
    "privacy",  # a customer's data exported or erased across every app
    "ops",  # health, metrics, secret key, backups
    "dashboard",  # overview, metrics, people, report
    "team",  # settings, team, audit pages
    "api",
    "demo",
    "worker",  # the schedule: periodic jobs and the task loop
]

# Upward imports being taken out. Empty since issue "Flows run downhill": keep it so. A new upward import
# fails; move the code down, or the flow up into the intake (CONTRIBUTING.md, "Where a change goes").
KNOWN_UPWARD: set[str] = set()

LEFT_OUT = {"migrations", "tests", "e2e", "testing"}


def _production_files():
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).parts
        if len(parts) < 2 or LEFT_OUT & set(parts) or parts[-1].startswith("test_") or parts[-1] == "conftest.py":
            continue
        yield parts[0], path


def _imported_apps(path: pathlib.Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            bits = name.split(".")
            if bits[0] == "otklik" and len(bits) > 1:
                found.add(bits[1])
    return found


def _app_edges() -> dict[tuple[str, str], list[str]]:
    apps = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    edges: dict[tuple[str, str], list[str]] = {}
    for app, path in _production_files():
        if app not in apps:
            continue
        for other in _imported_apps(path) & apps - {app}:
            edges.setdefault((app, other), []).append(str(path.relative_to(PACKAGE)))
    return edges


def test_every_app_has_a_place_in_the_order():
    apps = (
        {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
        - LEFT_OUT
        - {"locale", "static", "templates"}
    )
    assert apps - set(APP_ORDER) == set(), "add the new app to APP_ORDER, where it belongs"


def test_imports_run_downhill():
    rank = {app: i for i, app in enumerate(APP_ORDER)}
    upward = {
        f"{a} -> {b}": files for (a, b), files in _app_edges().items() if a in rank and b in rank and rank[b] > rank[a]
    }
    new = {edge: files for edge, files in upward.items() if edge not in KNOWN_UPWARD}
    assert new == {}, "an app imports one above it; move the code down or the flow up into intake"
    gone = sorted(set(KNOWN_UPWARD) - set(upward))
    assert gone == [], "these upward imports are gone: delete them from KNOWN_UPWARD"


def test_no_two_apps_import_each_other():
    edges = _app_edges()
    mutual = sorted({tuple(sorted(edge)) for edge in edges if (edge[1], edge[0]) in edges})
    known = {tuple(sorted(e.split(" -> "))) for e in KNOWN_UPWARD}
    assert [pair for pair in mutual if pair not in known] == []
