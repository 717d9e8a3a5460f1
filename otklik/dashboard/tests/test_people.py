"""F2: service indicators per employee and department, the best of the period, and who may see them."""

import datetime

import pytest

from otklik.accounts.models import Membership
from otklik.dashboard import people
from otklik.dashboard.metrics import Scope
from otklik.dashboard.tests.helpers import LINE_TO_REBOOK, answer, utc
from otklik.dashboard.tests.metrics_helpers import bulk_answers, set_case_times
from otklik.surveys.kinds import KINDS
from otklik.surveys.models import Response
from otklik.testing.factories import make_survey, make_touchpoint, make_user

# Real tweets from /work/shared/datasets/airline-tweets-en that thank an employee by name.
THANKS_TO_AARON = (
    "@united please give special thanks to Aaron in Tampa office for helping me for literally two hours! "
    "He's amazing. Mission accomplished!"
)
THANKS_TO_JULIAN = "@JetBlue thanks to Julian at login for getting me onto an earlier flight back to DCA"
DAY = utc(2026, 3, 10)
MARCH = {"date_from": datetime.date(2026, 3, 1), "date_to": datetime.date(2026, 3, 31)}


def scope_of(world, user=None, **kwargs) -> Scope:
    membership = Membership.objects.get(user=user or world.manager, organization=world.org)
    return Scope(membership=membership, **kwargs)


def employee_with_qr(world, *, username: str, first_name: str, location=None):
    person = make_user(organization=world.org, username=username, locations=[location or world.store])
    person.first_name = first_name
    person.save()
    badge = make_touchpoint(location=location or world.store, name=f"{first_name}'s badge", kind="employee")
    badge.employee = person
    badge.save()
    return person, badge


@pytest.fixture
def team(world):
    aaron, aaron_badge = employee_with_qr(world, username="aaron_t", first_name="Aaron")
    julian, julian_badge = employee_with_qr(world, username="julian_l", first_name="Julian", location=world.other_store)
    bulk_answers(survey=world.nps, touchpoint=aaron_badge, scores=[10] * 9 + [3], at=DAY)
    answer(survey=world.nps, touchpoint=julian_badge, score=10, at=DAY)
    answer(survey=world.nps, touchpoint=world.checkout, score=10, comment=THANKS_TO_AARON, at=DAY)
    answer(survey=world.nps, touchpoint=world.other_checkout, score=9, comment=THANKS_TO_JULIAN, at=DAY)
    # A complaint that names Aaron is not praise.
    answer(survey=world.nps, touchpoint=world.checkout, score=1, comment="Aaron " + LINE_TO_REBOOK, at=DAY)
    return aaron, julian


def test_it_computes_each_employees_indicators(world, team):
    aaron, _julian = team
    for hours in [10, 200]:
        response = answer(survey=world.nps, touchpoint=world.checkout, score=2, comment=LINE_TO_REBOOK, at=DAY)
        set_case_times(response, created_at=DAY, thanked_after_h=1, resolved_after_h=hours, responsible=aaron)

    report = people.people_report(scope=scope_of(world, **MARCH))

    row = next(row for row in report.employees if row.key == aaron.pk)
    # 9 promoters and 1 detractor of 10: NPS 80; mean score (9 × 10 + 3) / 10 = 9.3 → 93 % of the scale.
    assert (row.answers, row.praise, row.nps.value) == (10, 9, 80.0)
    assert row.mean_score_share == pytest.approx(93.0)
    assert row.named_in_praise == 1
    # Medium severity: resolution within 120 h. 10 h is in time, 200 h is late.
    assert (row.cases, row.resolved, row.resolved_in_sla) == (2, 2, 1)
    assert row.resolved_in_sla_share == 50.0


def test_praise_names_an_employee_in_any_form_but_a_complaint_does_not(world, team):
    aaron, julian = team
    named, per_location, capped = people.praise_names(scope=scope_of(world, **MARCH), people=[aaron, julian])
    assert named == {aaron.pk: 1, julian.pk: 1}
    assert per_location == {world.store.pk: 1, world.other_store.pk: 1}
    assert not capped


def test_russian_praise_names_an_employee_in_another_case(world):
    olga = make_user(organization=world.org, username="olga_k", locations=[world.store])
    olga.first_name = "Ольга"
    olga.save()
    # The dative "Ольге" is the name's form the rules app matches too.
    answer(survey=world.nps, touchpoint=world.checkout, score=10, comment="Спасибо Ольге за помощь", at=DAY)

    named, _where, _capped = people.praise_names(scope=scope_of(world, **MARCH), people=[olga])

    assert named == {olga.pk: 1}


def test_one_lucky_answer_does_not_win(world, team):
    aaron, julian = team

    everyone = people.people_report(scope=scope_of(world, **MARCH), min_answers=1)
    default = people.people_report(scope=scope_of(world, **MARCH))

    # Julian: 1 of 1 praise (lower bound 21 %); Aaron: 9 of 10 (lower bound 60 %).
    assert [row.key for row in everyone.best] == [aaron.pk, julian.pk]
    assert [row.key for row in default.best] == [aaron.pk]


def test_departments_are_locations(world, team):
    report = people.people_report(scope=scope_of(world, **MARCH))
    rows = {row.name: row for row in report.departments}
    assert set(rows) == {"Main Street", "Airport"}
    assert rows["Main Street"].answers == 12 and rows["Main Street"].named_in_praise == 1
    assert rows["Airport"].answers == 2 and rows["Airport"].cases == 0


def test_the_mean_score_share_puts_every_scale_on_0_to_100():
    assert people.score_share_of_best(kind="nps", mean=7.5) == 75.0
    assert people.score_share_of_best(kind="csat", mean=4) == 75.0
    assert people.score_share_of_best(kind="ces", mean=2.5) == 75.0


def test_praise_is_the_top_of_each_scale(world):
    ces = make_survey(organization=world.org, kind="ces")
    csat = make_survey(organization=world.org, kind="csat")
    bulk_answers(survey=ces, touchpoint=world.checkout, scores=[1, 2, 3], at=DAY)
    bulk_answers(survey=csat, touchpoint=world.checkout, scores=[5, 4, 3], at=DAY)
    bulk_answers(survey=world.nps, touchpoint=world.checkout, scores=[9, 8], at=DAY)
    report = people.people_report(scope=scope_of(world, **MARCH))
    assert report.departments[0].praise == 5


def test_the_page_shows_the_best_employees_and_departments(login, world, team):
    response = login(world.viewer).get("/people/", {"date_from": "2026-03-01", "date_to": "2026-03-31"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="best"' in html and "Aaron" in html
    assert "90% praise (9 of 10 answers)" in html
    assert "Departments are locations" in html


def test_the_page_defaults_to_the_last_30_days(login, world):
    answer(survey=world.nps, touchpoint=world.checkout, score=10)
    response = login(world.manager).get("/people/")
    scope = response.context["scope"]
    assert (scope.date_to - scope.date_from).days == 29
    assert response.context["report"].departments[0].answers == 1
    assert f'value="{scope.date_from.isoformat()}"'.encode() in response.content


def test_an_employee_sees_only_their_locations(login, world, team):
    response = login(world.employee).get("/people/", {"date_from": "2026-03-01", "date_to": "2026-03-31"})
    report = response.context["report"]
    assert [row.name for row in report.departments] == ["Main Street"]
    assert "Julian" not in [row.name for row in report.employees]


def test_a_stranger_sees_none_of_it(login, world, team):
    response = login(world.stranger).get("/people/", {"date_from": "2026-03-01", "date_to": "2026-03-31"})
    assert response.status_code == 200
    assert b"Aaron" not in response.content and b"Main Street" not in response.content
    refused = login(world.manager).get("/people/", {"location": world.stranger_store.pk})
    assert refused.status_code == 400


def test_a_bad_minimum_is_refused(login, world):
    assert login(world.manager).get("/people/", {"min_answers": "0"}).status_code == 400


def test_the_export_holds_employees_then_departments(login, world, team):
    import csv
    import io

    response = login(world.manager).get(
        "/people/", {"date_from": "2026-03-01", "date_to": "2026-03-31", "export": "csv"}
    )

    assert response["Content-Disposition"] == 'attachment; filename="otklik-people-2026-03-01-2026-03-31.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8").lstrip("\ufeff"))))
    assert rows[0][:3] == ["Employee or department", "Name", "Answers"]
    aaron = next(row for row in rows if row[1] == "Aaron")
    assert aaron[0] == "Employee" and aaron[2:4] == ["10", "80.0"]
    assert [row[1] for row in rows if row[0] == "Department"] == ["Airport", "Main Street"]


def test_a_strangers_people_export_holds_only_their_own(login, world, team):
    import io

    from openpyxl import load_workbook

    response = login(world.stranger).get(
        "/people/", {"date_from": "2026-03-01", "date_to": "2026-03-31", "export": "xlsx"}
    )

    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) == 1  # the headers, nothing of Acme Coffee


def test_a_defined_department_adds_up_its_members(world, team):
    from otklik.insights.models import Department

    aaron, julian = team
    front_desk = Department.objects.create(organization=world.org, name="Front desk")
    front_desk.members.set([aaron, julian])

    report = people.people_report(scope=scope_of(world, **MARCH))

    assert not report.departments_are_locations
    (row,) = report.departments
    # Aaron: 9 promoters and a detractor on his badge; Julian: one promoter on his.
    assert (row.name, row.answers, row.praise) == ("Front desk", 11, 10)
    assert round(row.nps.value, 1) == round(100 * (10 - 1) / 11, 1)
    assert row.named_in_praise == 2


def test_praise_names_read_the_words_stored_when_the_answer_was_tagged(world, monkeypatch):
    """A tagged answer's name words are read, not lemmatized again; an untagged one is still read from its text."""
    from otklik.insights import text as textlib
    from otklik.insights.services import answers_tag

    olga = make_user(organization=world.org, username="olga_k", locations=[world.store])
    olga.first_name = "Ольга"
    olga.save()
    tagged = answer(survey=world.nps, touchpoint=world.checkout, score=10, comment="Спасибо Ольге за помощь", at=DAY)
    answers_tag(organization=world.org, responses=[tagged])
    assert "ольга" in tagged.analysis.comment_words.split()
    answer(survey=world.nps, touchpoint=world.other_checkout, score=9, comment="Ольга молодец", at=DAY)
    read = []
    real = textlib.name_words
    monkeypatch.setattr(textlib, "name_words", lambda text: read.append(text) or real(text))

    named, per_location, _capped = people.praise_names(scope=scope_of(world, **MARCH), people=[olga])

    assert named == {olga.pk: 2}
    assert per_location == {world.store.pk: 1, world.other_store.pk: 1}
    assert read == ["Ольга молодец"]


def _praise_names_raw(scope, people_list, limit):
    """The computation before the praise index (docs/decisions/0039): every praise comment of the scope
    newest first, each lemmatized from its text, each person's name forms compared with it one by one."""
    from otklik.insights import text as textlib
    from otklik.surveys.models import Response

    visible = people.scoped_responses(scope).values_list("pk", flat=True)
    praised = [
        answer
        for answer in Response.objects.filter(pk__in=list(visible)).order_by("-created_at", "-id")
        if answer.comment and KINDS[answer.kind].praise.low <= answer.score <= KINDS[answer.kind].praise.high
    ]
    per_person, per_location = {}, {}
    for answer_ in praised[:limit]:
        language, tokens = textlib.name_words(answer_.comment)
        named = []
        for person in people_list:
            names = {person.first_name.lower(), person.last_name.lower(), person.username.lower()}
            names = {name for name in names if len(name) >= people.MIN_NAME_LENGTH}
            if (names | {textlib.lemma(name, language) for name in names}) & tokens:
                named.append(person.pk)
        for pk in named:
            per_person[pk] = per_person.get(pk, 0) + 1
        if named:
            per_location[answer_.location_id] = per_location.get(answer_.location_id, 0) + 1
    return per_person, per_location, len(praised) > limit


@pytest.mark.parametrize("limit", [2, 3, people.PRAISE_SCAN_LIMIT])
@pytest.mark.parametrize("who", ["manager", "employee"])
def test_praise_names_are_those_of_the_raw_computation(world, team, monkeypatch, who, limit):
    """Read through the praise index, words stored or not, a word naming two people, the newest `limit` only: the
    figures of every praise comment lemmatized and compared person by person, for a manager and an employee."""
    from otklik.insights.services import answers_tag

    aaron, julian = team
    # A second Aaron at the other store: one word names both; one comment names Aaron and Julian.
    other_aaron, _badge = employee_with_qr(world, username="aaron_b", first_name="Aaron", location=world.other_store)
    both = answer(
        survey=world.nps, touchpoint=world.other_checkout, score=10, comment=THANKS_TO_AARON + " " + THANKS_TO_JULIAN
    )
    Response.objects.filter(pk=both.pk).update(created_at=DAY + datetime.timedelta(hours=2))
    csat = make_survey(organization=world.org, kind="csat")
    late = answer(survey=csat, touchpoint=world.checkout, score=4, comment=THANKS_TO_JULIAN)
    Response.objects.filter(pk=late.pk).update(created_at=DAY + datetime.timedelta(hours=1))
    answers_tag(organization=world.org, responses=[both])  # its words stored; the others read from their text
    monkeypatch.setattr(people, "PRAISE_SCAN_LIMIT", limit)
    scope = scope_of(world, user=getattr(world, who), **MARCH)
    everyone = [aaron, julian, other_aaron]

    assert people.praise_names(scope=scope, people=everyone) == _praise_names_raw(scope, everyone, limit)


def test_a_groups_mean_score_share_does_not_depend_on_the_order_of_its_rows(monkeypatch):
    # The rollups and the raw answers hand the same (group, kind) rows over in different orders; adding their
    # floats in row order gave figures a last bit apart (CI's PostgreSQL run of test_reports_from_rollups).
    rows = [
        {"group": 1, "kind": kind, "answers": count, "total": total, f"praise_{kind}": 0}
        for kind, count, total in [("csat", 1, 1), ("ces", 1, 1), ("grade", 5, 7), ("readiness", 3, 1)]
    ]
    figures = []
    for order in (rows, rows[::-1]):
        monkeypatch.setattr(people, "_figure_rows", lambda scope, by, order=order: list(order))
        figures.append(people._answer_figures(scope=None, by="employee")[1]["weighted"])
    assert figures[0] == figures[1]
