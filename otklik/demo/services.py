"""The demo organization: real answers from two public datasets, loaded idempotently.

`demo_load` may run on every `make run`: each object is looked up before it is
created, each answer carries an `external_id`, so a second run changes nothing.
"""

import functools
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from otklik.accounts.models import Location, Membership, Organization, Role, Touchpoint, TouchpointKind
from otklik.cases.case_rules import survey_create_with_case_rule
from otklik.cases.models import Case, ContactWay, Step
from otklik.cases.services import case_apologize, case_fix, case_promise, case_report, case_thank
from otklik.demo.customers import DemoCustomersResult, demo_customers_load
from otklik.demo.datasets import DATASETS, Dataset, DatasetRow, date_shift, derived_score, select_rows
from otklik.intake.answers import answer_receive
from otklik.rollups.services import rollups_reconcile
from otklik.surveys.models import Response, Source, Survey
from otklik.surveys.services import AnswerInput

ORG_SLUG = "demo"
ORG_NAME = "Otklik Demo"
PASSWORD = "otklik-demo"
EMAIL_DOMAIN = "demo.otklik.local"
TOUCHPOINT_NAME = "Twitter"
DEFAULT_LIMIT = 400


class DatasetsMissing(Exception):
    """The datasets directory, or a file in it, is not there."""


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    sees: str


def demo_logins() -> list[DemoLogin]:
    """Everyone the demo creates, with what each of them sees after logging in."""
    logins = [
        DemoLogin("owner", Role.OWNER, "everything, including settings and users"),
        DemoLogin("manager", Role.MANAGER, "all locations; manages surveys, templates and cases"),
    ]
    for dataset in DATASETS:
        for code, name in dataset.companies.items():
            logins.append(DemoLogin(code, Role.EMPLOYEE, f"only {name}, and works its cases"))
    logins.append(DemoLogin("viewer", Role.VIEWER, "all locations, read-only"))
    return logins


@dataclass
class DatasetLoad:
    dataset: Dataset
    survey: Survey
    selected: int = 0
    answers_created: int = 0
    cases_created: int = 0
    shift: timedelta = timedelta(0)


@dataclass
class DemoLoadResult:
    organization: Organization
    loads: list[DatasetLoad] = field(default_factory=list)
    cases_walked: int = 0
    customers: DemoCustomersResult | None = None


@functools.cache
def _password_hash() -> str:
    # Hashed once: hashing the password for each of the two dozen users would take seconds.
    return make_password(PASSWORD)


def _demo_user(*, organization: Organization, username: str, role: str, password_hash: str) -> User:
    """The user (created if missing, password given as a hash) with a membership in the demo organization."""
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create(username=username, email=f"{username}@{EMAIL_DOMAIN}", password=password_hash)
    Membership.objects.get_or_create(user=user, organization=organization, defaults={"role": role})
    return user


def _demo_location(*, organization: Organization, name: str, employee: User) -> Touchpoint:
    location, _created = Location.objects.get_or_create(
        organization=organization, name=name, defaults={"responsible": employee}
    )
    if location.responsible_id is None:
        location.responsible = employee
        location.save(update_fields=["responsible"])
    membership = Membership.objects.get(user=employee, organization=organization)
    if membership.role == Role.EMPLOYEE and not membership.locations.filter(pk=location.pk).exists():
        membership.locations.add(location)
    touchpoint = Touchpoint.objects.filter(location=location, name=TOUCHPOINT_NAME).first()
    if touchpoint is None:
        touchpoint = Touchpoint.objects.create(
            organization=organization, location=location, name=TOUCHPOINT_NAME, kind=TouchpointKind.WEBSITE
        )
    return touchpoint


def _demo_survey(*, organization: Organization, name: str) -> Survey:
    survey = Survey.objects.filter(organization=organization, name=name, kind="nps").first()
    return survey or survey_create_with_case_rule(organization=organization, kind="nps", name=name)


def _load_rows(dataset: Dataset, datasets_dir: Path) -> list[DatasetRow]:
    path = dataset.path(datasets_dir)
    if not path.is_file():
        raise DatasetsMissing(f"{path} is missing.")
    stat = path.stat()
    return list(_read_rows(dataset, path, stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=len(DATASETS))
def _read_rows(dataset: Dataset, path: Path, mtime_ns: int, size: int) -> tuple[DatasetRow, ...]:
    # Keyed by the file's time and size, so a changed file is read again; a process
    # that loads twice (the tests, a long-lived shell) parses the 20 000 rows once.
    return tuple(dataset.reader(path))


def _companies(dataset: Dataset, rows: list[DatasetRow]) -> list[str]:
    present = {row.company for row in rows}
    return [code for code in dataset.companies if code in present] + sorted(present - set(dataset.companies))


def _load_dataset(
    *, organization: Organization, dataset: Dataset, datasets_dir: Path, limit: int, now: datetime, password_hash: str
) -> DatasetLoad:
    rows = _load_rows(dataset, datasets_dir)
    selected = select_rows(dataset=dataset, rows=rows, limit=limit)
    # One shift for the whole file, not the selection, so every run and limit agree on the dates.
    survey = _demo_survey(organization=organization, name=dataset.survey_name)
    load = DatasetLoad(dataset=dataset, survey=survey, selected=len(selected), shift=date_shift(rows=rows, now=now))
    touchpoints = {
        company: _demo_location(
            organization=organization,
            name=dataset.location_name(company),
            employee=_demo_user(
                organization=organization, username=company, role=Role.EMPLOYEE, password_hash=password_hash
            ),
        )
        for company in _companies(dataset, rows)
    }
    existing = set(
        Response.objects.filter(organization=organization, external_id__startswith=f"{dataset.slug}:").values_list(
            "external_id", flat=True
        )
    )
    for row in sorted(selected, key=lambda row: row.created_at):
        if row.external_id in existing:
            continue
        response = answer_receive(
            survey=survey,
            touchpoint=touchpoints[row.company],
            answer=AnswerInput(
                score=derived_score(sentiment=row.sentiment, key=row.external_id),
                comment=row.text,
                language=dataset.language,
            ),
            source=Source.DEMO,
            external_id=row.external_id,
            created_at=row.created_at + load.shift,
            score_is_derived=True,
            # Hundreds of historical complaints must not become hundreds of alert e-mails.
            notify=False,
        )
        load.answers_created += 1
        load.cases_created += Case.objects.filter(response=response).exists()
    return load


# (survey, position among its newest cases, the step to walk it to). Notes are the staff's, not customers'.
WALKS: list[tuple[str, int, str]] = [
    ("en", 0, Step.THANKED),
    ("en", 1, Step.APOLOGIZED),
    ("en", 2, Step.RESOLVED),
    ("ru", 0, Step.THANKED),
    ("ru", 1, Step.PROMISED),
]
NOTES = {
    "en": {
        "apology": "Apologized in a direct message and explained what went wrong.",
        "compensation": "",
        "promise": "Go through this case with the team and fix its cause.",
        "fix": "Went through the case with the team; its cause is fixed.",
        "cause": "The team found the cause while going through the case.",
    },
    "ru": {
        "apology": "Извинились в личном сообщении и объяснили причину.",
        "compensation": "",
        "promise": "Разобрать случай с командой и устранить причину.",
        "fix": "",
        "cause": "Причину нашли, разбирая случай с командой.",
    },
}


def _walk_case(*, case: Case, target: str, language: str, today) -> None:
    notes, by = NOTES[language], case.responsible
    case_thank(case=case, by=by, via=ContactWay.PHONE)
    if target == Step.THANKED:
        return
    case_apologize(case=case, by=by, apology=notes["apology"], compensation=notes["compensation"])
    if target == Step.APOLOGIZED:
        return
    case_promise(case=case, by=by, fix_promise=notes["promise"], planned_fix_date=today + timedelta(days=7))
    if target == Step.PROMISED:
        return
    case_fix(case=case, by=by, fix_description=notes["fix"])
    case_report(case=case, by=by, via=ContactWay.PHONE, cause=notes["cause"], action_taken=notes["fix"])


def _walk_demo_cases(*, organization: Organization, surveys: dict[str, Survey], today) -> int:
    """Move a few of the newest cases along the loop so the case list shows every kind of step.

    A case is walked only while it is still new, so a second run (or a case someone
    already worked on) is left alone.
    """
    walked = 0
    for language, position, target in WALKS:
        survey = surveys.get(language)
        if survey is None:
            continue
        newest = (
            Case.objects.filter(organization=organization, response__survey=survey, response__source=Source.DEMO)
            .select_related("responsible", "organization", "location")
            .order_by("-created_at", "-id")[position : position + 1]
        )
        case = next(iter(newest), None)
        if case is None or case.step != Step.NEW or case.responsible is None:
            continue
        _walk_case(case=case, target=target, language=language, today=today)
        walked += 1
    return walked


@transaction.atomic
def demo_load(
    *, datasets_dir: Path, limit_per_dataset: int = DEFAULT_LIMIT, now: datetime | None = None
) -> DemoLoadResult:
    """Create (or complete) the demo organization, its people, places, surveys, answers and cases.

    Answers are real texts from the datasets; their NPS scores are derived from the
    sentiment labels (`score_is_derived=True`), and their dates are shifted so the
    newest answer of each dataset falls within the last day. No message is queued.
    """
    if not datasets_dir.is_dir():
        raise DatasetsMissing(f"{datasets_dir} is not a directory.")
    now = now or timezone.now()
    password_hash = _password_hash()
    organization, _created = Organization.objects.get_or_create(
        slug=ORG_SLUG, defaults={"name": ORG_NAME, "default_language": "en"}
    )
    for login in demo_logins():
        if login.role != Role.EMPLOYEE:
            _demo_user(organization=organization, username=login.username, role=login.role, password_hash=password_hash)
    result = DemoLoadResult(organization=organization)
    for dataset in DATASETS:
        result.loads.append(
            _load_dataset(
                organization=organization,
                dataset=dataset,
                datasets_dir=datasets_dir,
                limit=limit_per_dataset,
                now=now,
                password_hash=password_hash,
            )
        )
    surveys = {load.dataset.language: load.survey for load in result.loads}
    result.cases_walked = _walk_demo_cases(organization=organization, surveys=surveys, today=now.date())
    result.customers = demo_customers_load(organization=organization, now=now)
    # The dashboard reads rollups once they are reconciled; do it now rather than at the worker's next minute.
    rollups_reconcile(organization=organization)
    from otklik.insights.services import themes_discover

    themes_discover(organization=organization)  # the loyalty factors, found in the demo's own answers
    return result
