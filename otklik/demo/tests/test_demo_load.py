"""The demo organization is loaded from the real datasets, once, with derived scores."""

import csv
import html
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone

from otklik.accounts.models import Location, Membership, Organization, Touchpoint
from otklik.accounts.selectors import visible_locations
from otklik.cases.models import Case, Step
from otklik.demo.datasets import AIRLINES, DATASETS, SENTIRUEVAL, datasets_dir
from otklik.demo.services import PASSWORD, demo_load, demo_logins
from otklik.messaging.models import OutboxMessage
from otklik.surveys.models import Response

DATASETS_DIR = datasets_dir()
LIMIT = 30

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not DATASETS_DIR.is_dir(), reason=f"the shared datasets are not at {DATASETS_DIR}"),
]


@pytest.fixture
def demo():
    return demo_load(datasets_dir=DATASETS_DIR, limit_per_dataset=LIMIT).organization


def csv_texts(dataset) -> dict[str, str]:
    return {row.external_id: row.text for row in dataset.reader(dataset.path(DATASETS_DIR))}


def counts() -> dict[str, int]:
    models = [Organization, User, Membership, Location, Touchpoint, Response, Case, OutboxMessage]
    return {model.__name__: model.objects.count() for model in models}


def test_it_creates_the_demo_organization_and_its_people(demo):
    assert (demo.slug, demo.name) == ("demo", "Otklik Demo")
    for login in demo_logins():
        membership = Membership.objects.get(organization=demo, user__username=login.username)
        assert membership.role == login.role
        assert membership.user.email == f"{login.username}@demo.otklik.local"
    assert authenticate(username="manager", password=PASSWORD) is not None


def test_each_employee_sees_only_their_company_and_is_responsible_for_it(demo):
    membership = Membership.objects.get(organization=demo, user__username="united")
    assert [location.name for location in visible_locations(membership=membership)] == ["United"]
    assert Location.objects.get(organization=demo, name="Сбербанк").responsible.username == "sberbank"


def test_it_creates_a_location_with_a_touchpoint_for_every_company(demo):
    names = set(Location.objects.filter(organization=demo).values_list("name", flat=True))
    assert names == set(AIRLINES.companies.values()) | set(SENTIRUEVAL.companies.values())
    assert Touchpoint.objects.filter(organization=demo).count() == len(names)


def test_it_stores_real_texts_with_derived_scores(demo):
    texts = csv_texts(AIRLINES) | csv_texts(SENTIRUEVAL)
    responses = Response.objects.filter(organization=demo)
    assert responses.count() == 2 * LIMIT
    for response in responses:
        assert response.score_is_derived and response.source == "demo"
        # answer_receive trims surrounding whitespace; the text itself is untouched.
        assert response.comment == texts[response.external_id].strip()
        assert response.language == ("en" if response.external_id.startswith("airline") else "ru")


@pytest.mark.parametrize("dataset", [AIRLINES, SENTIRUEVAL])
def test_it_takes_the_comment_from_the_csv(demo, dataset):
    responses = Response.objects.filter(organization=demo, external_id__startswith=f"{dataset.slug}:")
    response = responses.filter(comment__contains="&").first() or responses.first()
    _, tweet_id, _ = response.external_id.split(":")
    with dataset.path(DATASETS_DIR).open(encoding="utf-8", newline="") as handle:
        row = next(r for r in csv.DictReader(handle) if r["tweet_id"] == tweet_id)
    # Twitter's HTML escapes (&amp;) are decoded; nothing else changes.
    assert response.comment == html.unescape(row["text"]).strip()


def test_it_opens_a_case_for_every_detractor_without_queueing_messages(demo):
    detractors = Response.objects.filter(organization=demo, score__lte=6)
    assert detractors.exists()
    assert Case.objects.filter(organization=demo).count() == detractors.count()
    assert not Case.objects.filter(organization=demo, response__score__gte=7).exists()
    assert not OutboxMessage.objects.exists()


def test_it_spreads_answers_over_labels_and_companies(demo):
    scores = set(Response.objects.filter(organization=demo).values_list("score", flat=True))
    assert scores & {0, 1, 2, 3, 4, 5, 6} and scores & {7, 8} and scores & {9, 10}
    for dataset in DATASETS:
        # With 30 answers each company still gets at least one.
        for name in dataset.companies.values():
            assert Response.objects.filter(organization=demo, location__name=name).exists(), name


def test_it_shifts_dates_so_the_newest_answer_is_recent(demo):
    for language in ("en", "ru"):
        dates = Response.objects.filter(organization=demo, language=language).values_list("created_at", flat=True)
        assert timezone.now() - max(dates) < timedelta(days=8)
        assert max(dates) <= timezone.now()
    ru = Response.objects.filter(organization=demo, language="ru").values_list("created_at", flat=True)
    assert max(ru) - min(ru) > timedelta(days=60)


def test_it_walks_a_few_cases_along_the_loop(demo):
    steps = list(Case.objects.filter(organization=demo).exclude(step=Step.NEW).values_list("step", flat=True))
    assert sorted(steps) == sorted([Step.THANKED, Step.APOLOGIZED, Step.RESOLVED, Step.THANKED, Step.PROMISED])
    assert Case.objects.filter(organization=demo, step=Step.NEW).count() > len(steps)


def test_a_second_run_changes_nothing(demo):
    before = counts()
    steps = list(Case.objects.order_by("id").values_list("step", flat=True))
    result = demo_load(datasets_dir=DATASETS_DIR, limit_per_dataset=LIMIT)
    assert counts() == before
    assert list(Case.objects.order_by("id").values_list("step", flat=True)) == steps
    assert [load.answers_created for load in result.loads] == [0, 0]
    assert result.cases_walked == 0


def test_the_command_prints_sources_licenses_and_the_mapping():
    out = StringIO()
    call_command("demo", "--limit-per-dataset", "5", stdout=out)
    text = out.getvalue()
    assert "CC BY-NC-SA 4.0" in text and "Loukachevitch & Rubtsova" in text
    assert "negative → 0–6, neutral → 7–8, positive → 9–10" in text
    assert Response.objects.count() == 10
