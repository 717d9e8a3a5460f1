"""The executive report: one month against the month before, on a page and as an A4 PDF."""

import datetime
import zoneinfo

import pytest

from otklik.accounts.models import Membership
from otklik.dashboard import report as reports
from otklik.dashboard.tests.helpers import LINE_TO_REBOOK, WEBSITE_GLITCHES, answer, utc
from otklik.dashboard.tests.metrics_helpers import bulk_answers
from otklik.insights.models import AnswerTheme, Theme
from otklik.surveys.models import Response
from otklik.testing.factories import make_touchpoint

NOVEMBER = datetime.date(2026, 11, 1)


def membership_of(world, user=None) -> Membership:
    return Membership.objects.get(user=user or world.manager, organization=world.org)


@pytest.fixture
def two_months(world):
    """October: checkout 50/30/20 (NPS 30); November: 30/30/40 (NPS -10). Airport improves; a desk is tiny."""
    desk = make_touchpoint(location=world.store, name="Desk")
    bulk_answers(
        survey=world.nps, touchpoint=world.checkout, scores=[10] * 50 + [8] * 30 + [2] * 20, at=utc(2026, 10, 10)
    )
    bulk_answers(
        survey=world.nps, touchpoint=world.checkout, scores=[10] * 30 + [8] * 30 + [2] * 40, at=utc(2026, 11, 10)
    )
    bulk_answers(survey=world.nps, touchpoint=world.other_checkout, scores=[2] * 6 + [10] * 4, at=utc(2026, 10, 12))
    bulk_answers(survey=world.nps, touchpoint=world.other_checkout, scores=[10] * 8 + [8] * 2, at=utc(2026, 11, 12))
    bulk_answers(survey=world.nps, touchpoint=desk, scores=[0, 0], at=utc(2026, 11, 12))
    return desk


def test_it_sets_the_month_against_the_month_before(world, two_months):
    report = reports.executive_report(
        membership=membership_of(world), tz=datetime.UTC, month=NOVEMBER, now=utc(2026, 12, 1)
    )

    assert (report.month, report.previous_month) == (NOVEMBER, datetime.date(2026, 10, 1))
    # November: 38 promoters, 32 passives, 42 detractors of 112; October: 54/30/26 of 110.
    assert report.current.nps_counts == (38, 32, 42)
    assert report.previous.nps_counts == (54, 30, 26)
    assert report.nps_change.change == pytest.approx(100 * (38 - 42) / 112 - 100 * (54 - 26) / 110)
    assert report.nps_change.significant


def test_worst_and_most_improved_touchpoints_need_enough_answers(world, two_months):
    report = reports.executive_report(membership=membership_of(world), tz=datetime.UTC, month=NOVEMBER)

    # The desk's two zeros are the lowest NPS, but two answers do not rank.
    assert [row.label for row in report.worst] == ["Main Street · Checkout", "Airport · Checkout"]
    assert report.worst[0].nps.value == -10.0
    assert [row.label for row in report.most_improved] == ["Airport · Checkout"]
    improved = report.most_improved[0]
    # Airport: October 4/0/6 (NPS -20) → November 8/2/0 (NPS 80).
    assert improved.difference.change == pytest.approx(100.0) and improved.difference.significant


def test_top_themes_come_with_their_weight_on_nps(world):
    bulk_answers(survey=world.nps, touchpoint=world.checkout, scores=[10] * 6, at=utc(2026, 11, 3))
    queue = Theme.objects.create(organization=world.org, name="long queue")
    website = Theme.objects.create(organization=world.org, name="website")
    Theme.objects.create(organization=world.org, name="unused")
    for text, theme in [(LINE_TO_REBOOK, queue), (LINE_TO_REBOOK, queue), (WEBSITE_GLITCHES, website)]:
        response = answer(survey=world.nps, touchpoint=world.checkout, score=2, comment=text, at=utc(2026, 11, 4))
        AnswerTheme.objects.create(response=response, theme=theme)

    report = reports.executive_report(membership=membership_of(world), tz=datetime.UTC, month=NOVEMBER)

    assert [weight.theme.name for weight in report.themes] == ["long queue", "website"]
    # 2 of 9 NPS answers are detractors mentioning the queue: 22.2 points to gain.
    assert report.themes[0].nps_gain == 22.2


def test_the_report_opens_on_the_last_complete_month(world):
    membership = membership_of(world)
    answer(survey=world.nps, touchpoint=world.checkout, score=10, at=utc(2026, 11, 20))
    answer(survey=world.nps, touchpoint=world.checkout, score=10, at=utc(2026, 12, 1))
    assert reports.default_month(membership=membership, tz=datetime.UTC, today=datetime.date(2026, 12, 1)) == NOVEMBER


def test_without_answers_last_month_it_opens_on_the_newest_month_with_answers(world):
    membership = membership_of(world)
    answer(survey=world.nps, touchpoint=world.checkout, score=10, at=utc(2026, 9, 30, 23))
    today = datetime.date(2026, 12, 15)
    assert reports.default_month(membership=membership, tz=datetime.UTC, today=today) == datetime.date(2026, 9, 1)
    tokyo = zoneinfo.ZoneInfo("Asia/Tokyo")
    assert reports.default_month(membership=membership, tz=tokyo, today=today) == datetime.date(2026, 10, 1)


def test_with_no_answers_at_all_it_opens_on_this_month(world):
    today = datetime.date(2026, 12, 15)
    assert reports.default_month(membership=membership_of(world), tz=datetime.UTC, today=today) == datetime.date(
        2026, 12, 1
    )


def test_months_roll_over_the_year():
    assert reports.month_after(datetime.date(2026, 12, 1)) == datetime.date(2027, 1, 1)
    assert reports.month_before(datetime.date(2026, 1, 1)) == datetime.date(2025, 12, 1)
    assert reports.month_after(datetime.date(2026, 1, 31)) == datetime.date(2026, 2, 1)


def test_the_page_shows_the_month(login, world, two_months):
    response = login(world.viewer).get("/report/", {"period": "2026-11"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Acme Coffee: the month in one page" in html
    assert "November 2026, against October 2026" in html
    assert 'id="report-nps"' in html and "significant" in html
    assert "Airport · Checkout" in html
    assert "@page { size: A4" in open(_static("dashboard/report.css")).read()
    assert "/static/dashboard/report.css" in html


def _static(path: str) -> str:
    from pathlib import Path

    return str(Path(reports.__file__).parent / "static" / path)


@pytest.mark.parametrize("period", ["2026-13", "november", "1999-01", "2026-1"])
def test_a_bad_month_is_refused(login, world, period):
    client = login(world.manager)
    for url in ["/report/", "/report/pdf/"]:
        response = client.get(url, {"period": period})
        assert response.status_code == 400
        assert b"YYYY-MM" in response.content


def test_the_pdf_is_one_a4_page(login, world, two_months):
    world.org.name = "Отклик & Co <Ltd>"
    world.org.save()

    response = login(world.manager).get("/report/pdf/", {"period": "2026-11"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="otklik-report-2026-11.pdf"'
    pdf = response.content
    assert pdf.startswith(b"%PDF-")
    assert b"/Count 1" in pdf  # one page
    assert b"/MediaBox [ 0 0 595.2756 841.8898 ]" in pdf  # A4 in points
    assert b"DejaVuSans" in pdf  # the embedded font that carries Cyrillic


def test_the_pdf_of_an_empty_month_still_renders(login, world):
    response = login(world.manager).get("/report/pdf/", {"period": "2020-02"})
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")


def test_a_stranger_gets_only_their_own_organization(login, world, two_months):
    response = login(world.stranger).get("/report/", {"period": "2026-11"})
    assert response.status_code == 200
    assert b"Main Street" not in response.content and b"Acme Coffee" not in response.content
    assert response.context["report"].current.answers == 0
    assert Response.objects.filter(organization=world.org).exists()


def test_an_employee_reports_on_their_locations_only(login, world, two_months):
    response = login(world.employee).get("/report/", {"period": "2026-11"})
    report = response.context["report"]
    assert b"Airport" not in response.content
    assert report.current.nps_counts == (30, 30, 42)


def test_a_full_month_still_fits_one_page(login, world, two_months):
    november_answers = Response.objects.filter(organization=world.org, created_at__month=11, score__lte=6)[:25]
    for n in range(reports.THEMES_SHOWN + 2):
        theme = Theme.objects.create(organization=world.org, name=f"Очень длинное название темы номер {n} " * 3)
        for response in november_answers[: n + 1]:
            AnswerTheme.objects.create(response=response, theme=theme)
    for n in range(4):
        touchpoint = make_touchpoint(location=world.other_store, name=f"Стойка регистрации с длинным именем {n}")
        bulk_answers(survey=world.nps, touchpoint=touchpoint, scores=[2] * 5, at=utc(2026, 10, 12))
        bulk_answers(survey=world.nps, touchpoint=touchpoint, scores=[9] * 5, at=utc(2026, 11, 12))

    response = login(world.manager).get("/report/pdf/", {"period": "2026-11"})

    assert b"/Count 1" in response.content


def test_the_month_field_shows_the_month_reported(login, world):
    answer(survey=world.nps, touchpoint=world.checkout, score=10, at=utc(2026, 9, 3))
    response = login(world.manager).get("/report/")
    assert b'value="2026-09"' in response.content


def test_the_pdf_and_the_page_mask_an_insulting_theme_name_for_an_employee(login, world, monkeypatch):
    """Masked means masked (issue 13, item 8): a theme named after customers' words carries no insult."""
    from otklik.dashboard import report_pdf

    rude = Theme.objects.create(organization=world.org, name="хамы, кассир")  # words of sentirueval2016-ru tweets
    response = answer(survey=world.nps, touchpoint=world.checkout, score=2, comment=LINE_TO_REBOOK, at=utc(2026, 11, 4))
    AnswerTheme.objects.create(response=response, theme=rude)
    written: list[str] = []
    escape = report_pdf._escape
    monkeypatch.setattr(report_pdf, "_escape", lambda text: written.append(text) or escape(text))

    assert login(world.employee).get("/report/pdf/", {"period": "2026-11"}).status_code == 200
    assert "х***, кассир" in written and not any("хамы" in text for text in written)
    written.clear()
    login(world.manager).get("/report/pdf/", {"period": "2026-11"})
    assert "хамы, кассир" in written  # managers may read originals
    html = login(world.employee).get("/report/", {"period": "2026-11"}).content.decode()
    assert "х***, кассир" in html and "хамы" not in html


def test_a_discovered_theme_is_never_named_after_an_insult():
    from otklik.insights.engine import name_for

    name = name_for({"хам": 1.0, "кассир": 0.9, "очередь": 0.8}, {"хам": "хамы"})
    assert "хам" not in name and name.startswith("кассир")
