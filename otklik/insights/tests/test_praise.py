"""Praise is not a problem (issue 17, item 6): a theme customers praise is kept apart from complaints.

Texts are tweets of airline-tweets-en (ids beside each).
"""

import datetime

from otklik.accounts.models import Membership
from otklik.dashboard import report as reports
from otklik.improvements.chronic import chronic_problems
from otklik.insights.models import AnswerTheme, Theme
from otklik.insights.selectors import split_praise, theme_weights
from otklik.insights.tests import samples
from otklik.testing.factories import make_response

PRAISE = ["569652497947734017", "569248400836726786", "568986700984283136", "568650439639437313"]
# Negative tweets that say "thanks" all the same ("thanks for nothing"): they open cases.
SARCASTIC = ["569311060903268352", "569226875349835776"]
NOVEMBER = datetime.datetime(2026, 11, 10, tzinfo=datetime.UTC)


def _answer(world, score: int, text: str):
    answer = make_response(survey=world.nps, touchpoint=world.checkout, score=score, comment=text)
    type(answer).objects.filter(pk=answer.pk).update(created_at=NOVEMBER)
    return answer


def _texts(ids):
    rows = {r["tweet_id"]: r["text"] for r in samples.airline_rows()}
    return [rows[i] for i in ids]


def positive_and_negative_themes(world):
    thanks = Theme.objects.create(organization=world.org, name="thanks, making, awesome")
    delay = Theme.objects.create(organization=world.org, name="delay, hour")
    for text in _texts(PRAISE):
        AnswerTheme.objects.create(response=_answer(world, 10, text), theme=thanks)
    for text in _texts(SARCASTIC):  # two detractors also mention it, and open cases
        AnswerTheme.objects.create(response=_answer(world, 2, text), theme=thanks)
    for row in samples.airline_complaints(3):
        AnswerTheme.objects.create(response=_answer(world, 1, row["text"]), theme=delay)
    return thanks, delay


def test_a_theme_mostly_of_promoters_is_praise(world):
    thanks, delay = positive_and_negative_themes(world)
    weights = {w.theme: w for w in theme_weights(organization=world.org)}
    assert weights[thanks].is_praise and not weights[delay].is_praise
    complaints, praise = split_praise(list(weights.values()))
    assert [w.theme for w in complaints] == [delay] and [w.theme for w in praise] == [thanks]


def test_the_dashboard_card_shows_praise_apart_from_the_top_factors(world, login):
    thanks, delay = positive_and_negative_themes(world)
    html = login(world.manager).get("/", {"date_from": "2026-11-01", "date_to": "2026-11-30"}).content.decode()
    card = html.split('id="loyalty-factors"')[1].split("</section>")[0]
    factors, praised = card.split('id="loyalty-praise"')
    assert "delay, hour" in factors and "thanks, making, awesome" not in factors
    assert "thanks, making, awesome" in praised


def test_the_report_lists_complaints_and_praise_apart(world, login):
    positive_and_negative_themes(world)
    membership = Membership.objects.get(organization=world.org, user=world.manager)
    report = reports.executive_report(membership=membership, tz=datetime.UTC, month=datetime.date(2026, 11, 1))
    assert [w.theme.name for w in report.themes] == ["delay, hour"]
    assert [w.theme.name for w in report.praise] == ["thanks, making, awesome"]
    html = login(world.manager).get("/report/", {"period": "2026-11"}).content.decode()
    assert html.index("delay, hour") < html.index('id="report-praise"') < html.index("thanks, making, awesome")


def test_chronic_problems_list_only_complaints(world):
    positive_and_negative_themes(world)
    membership = Membership.objects.get(organization=world.org, user=world.manager)
    report = chronic_problems(membership=membership, now=NOVEMBER + datetime.timedelta(days=1))
    labels = [group.label for group in report.by_topic]
    assert "delay, hour" in labels and "thanks, making, awesome" not in labels


def test_the_insights_page_marks_praise(world, login):
    thanks, delay = positive_and_negative_themes(world)
    html = login(world.manager).get("/insights/", {"date_from": "2026-11-01", "date_to": "2026-11-30"}).content.decode()
    row = html.split(f'id="theme-{thanks.pk}"')[1].split("</tr>")[0]
    assert "badge ok praise" in row
    assert "badge ok praise" not in html.split(f'id="theme-{delay.pk}"')[1].split("</tr>")[0]
