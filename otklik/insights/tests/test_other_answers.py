"""The answers with text no theme holds ("other"): counted in the tag rollups by reason, as a raw count finds them
(docs/decisions/0069), and shown on /insights/ from the rollups alone."""

import datetime
import io

import pytest
from django.core.management import call_command

from otklik.accounts.models import Membership
from otklik.insights import other
from otklik.insights.models import PLACED, AnswerAnalysis, AnswerTheme
from otklik.insights.other import other_answers
from otklik.insights.selectors import counted_for
from otklik.insights.services import answers_tag, themes_discover, themes_merge
from otklik.insights.tests import samples
from otklik.insights.tests.conftest import make_theme
from otklik.insights.tests.helpers import add_answers
from otklik.privacy.services import customer_erase
from otklik.rollups.models import OTHER_LANGUAGE, OTHER_NO_THEME, OTHER_NO_WORDS, OTHER_NOT_RECORDED, TagRollup
from otklik.rollups.services import rollups_reconcile
from otklik.testing.factories import make_customer

BAG_LOST_NO_HELP = "569568158584950787"
ON_HOLD_24_MINUTES = "569927630469894144"
# Article 1 of the Universal Declaration of Human Rights: a language we do not promise (test_discovery_quality).
DUTCH = (
    "Alle mensen worden vrij en gelijk in waardigheid en rechten geboren. Zij zijn begiftigd met verstand "
    "en geweten, en behoren zich jegens elkander in een geest van broederschap te gedragen."
)
MARCH = datetime.datetime(2015, 3, 2, tzinfo=datetime.UTC)


@pytest.fixture
def answered(world):
    """Answers with a luggage theme, with no theme close enough, in Dutch, with no words, and without text, over
    two months and two touchpoints; the rollups reconciled before any theme exists."""
    bag, hold = samples.airline(BAG_LOST_NO_HELP), samples.airline(ON_HOLD_24_MINUTES)
    add_answers(
        world_touchpoint=world.checkout,
        survey=world.nps,
        answers=[(1, bag), (3, bag), (8, hold), (9, DUTCH), (10, "👍👍 10/10"), (10, ""), (4, hold, MARCH)],
    )
    add_answers(world_touchpoint=world.other_checkout, survey=world.nps, answers=[(2, bag), (6, "!!!"), (7, hold)])
    rollups_reconcile(organization=world.org)
    return make_theme(world.org, "Luggage", ["bag"])


def _from_rollups(world, **period) -> other.OtherAnswers:
    membership = Membership.objects.get(organization=world.org, user=world.manager)
    counted = counted_for(membership=membership, **period)
    assert counted is not None
    return other_answers(organization=world.org, counted=counted)


def _raw(world) -> other.OtherAnswers:
    return other_answers(organization=world.org, qs=world.org.responses.all())


def _by_reason(found: other.OtherAnswers) -> dict[int, int]:
    return {reason.reason: reason.count for reason in found.reasons}


def test_tagging_counts_each_answer_no_theme_holds_by_its_reason(world, answered):
    answers_tag(organization=world.org, responses=world.org.responses.all())
    answers_tag(organization=world.org, responses=world.org.responses.all())  # re-tagging replaces, never adds

    found = _from_rollups(world)
    assert _by_reason(found) == {OTHER_LANGUAGE: 1, OTHER_NO_WORDS: 2, OTHER_NO_THEME: 3}
    assert (found.count, found.with_text) == (6, 9)
    assert found.share == round(100 * 6 / 9, 1)
    assert found == _raw(world)
    assert rollups_reconcile(organization=world.org).tags_corrected == []


def test_the_count_follows_the_period_and_the_place(world, answered):
    answers_tag(organization=world.org, responses=world.org.responses.all())

    march = _from_rollups(world, date_from=datetime.date(2015, 3, 1), date_to=datetime.date(2015, 3, 31))
    assert _by_reason(march) == {OTHER_NO_THEME: 1}
    assert march.with_text == 1
    days = _from_rollups(world, date_from=datetime.date(2015, 2, 1), date_to=datetime.date(2015, 2, 20))
    assert _by_reason(days) == {OTHER_LANGUAGE: 1, OTHER_NO_WORDS: 2, OTHER_NO_THEME: 2}
    at_checkout = _from_rollups(world, location=world.checkout.location)
    assert at_checkout == other_answers(
        organization=world.org, qs=world.org.responses.filter(location=world.checkout.location)
    )


def test_a_theme_that_takes_an_answer_takes_it_out_of_other(world, answered):
    answers_tag(organization=world.org, responses=world.org.responses.all())
    make_theme(world.org, "Waiting", ["hold"])

    answers_tag(organization=world.org, responses=world.org.responses.all())

    assert _by_reason(_from_rollups(world)) == {OTHER_LANGUAGE: 1, OTHER_NO_WORDS: 2}
    assert _from_rollups(world) == _raw(world)
    assert rollups_reconcile(organization=world.org).tags_corrected == []


def test_rediscovery_and_a_deleted_theme_keep_the_count_equal_to_the_raw_one(world, answered):
    answers_tag(organization=world.org, responses=world.org.responses.all())
    waiting = make_theme(world.org, "Waiting", ["hold"])
    answers_tag(organization=world.org, responses=world.org.responses.all())

    themes_merge(organization=world.org, themes=[answered, waiting], name="Luggage and waiting")  # one deleted
    assert _from_rollups(world) == _raw(world)
    # Only the deleted theme's own rows, never read, are dropped (rollups.models.TagRollup); no "other" row drifted.
    assert {key[0] for key in rollups_reconcile(organization=world.org).tags_corrected} == {waiting.pk}

    themes_discover(organization=world.org, k=2)  # discovery re-tags every answer
    assert _from_rollups(world) == _raw(world)
    assert _by_reason(_raw(world))[OTHER_LANGUAGE] == 1
    assert rollups_reconcile(organization=world.org).tags_corrected == []


def test_a_deleted_theme_leaves_its_answers_waiting_not_other_until_re_tagged(world, answered):
    answers_tag(organization=world.org, responses=world.org.responses.all())
    luggage = answered.pk
    answered.delete()  # as discovery deletes the themes it replaces, before it re-tags

    assert AnswerAnalysis.objects.filter(other_reason=PLACED).count() == 3
    assert _raw(world) == _from_rollups(world)
    assert {key[0] for key in rollups_reconcile(organization=world.org).tags_corrected} == {luggage}
    answers_tag(organization=world.org, responses=world.org.responses.all())  # now no theme is left

    assert _by_reason(_raw(world)) == {OTHER_LANGUAGE: 1, OTHER_NO_WORDS: 2, OTHER_NO_THEME: 6}
    assert _from_rollups(world) == _raw(world)
    assert rollups_reconcile(organization=world.org).tags_corrected == []


def test_the_reconciliation_rebuilds_the_other_rows_and_old_analyses_count_as_not_recorded(world, answered):
    answers_tag(organization=world.org, responses=world.org.responses.all())
    TagRollup.objects.filter(organization=world.org).delete()
    # Tagged before the reason was kept (the migration leaves these NULL).
    AnswerAnalysis.objects.filter(other_reason=OTHER_NO_THEME).update(other_reason=None)

    result = rollups_reconcile(organization=world.org)

    assert result.tags_corrected
    assert _by_reason(_from_rollups(world)) == {OTHER_LANGUAGE: 1, OTHER_NO_WORDS: 2, OTHER_NOT_RECORDED: 3}
    assert _from_rollups(world) == _raw(world)
    # A re-tagging records the reason and moves them out of "not recorded" in the same transaction.
    answers_tag(organization=world.org, responses=world.org.responses.all())
    assert _by_reason(_from_rollups(world)) == {OTHER_LANGUAGE: 1, OTHER_NO_WORDS: 2, OTHER_NO_THEME: 3}
    assert rollups_reconcile(organization=world.org).tags_corrected == []


def test_erasing_a_customers_data_uncounts_their_tags_other_and_text(world, answered):
    anna = make_customer(organization=world.org, name="Anna")
    gone = world.org.responses.filter(touchpoint=world.other_checkout)
    gone.update(customer=anna)
    answers_tag(organization=world.org, responses=world.org.responses.all())

    customer_erase(customer=anna)

    assert not AnswerTheme.objects.filter(response__in=gone).exists()
    assert _from_rollups(world) == _raw(world)
    assert _by_reason(_raw(world)) == {OTHER_LANGUAGE: 1, OTHER_NO_WORDS: 1, OTHER_NO_THEME: 2}
    assert _raw(world).with_text == 6
    result = rollups_reconcile(organization=world.org)
    assert (result.corrected, result.tags_corrected) == ([], [])


def test_insights_shows_other_from_the_rollups_alone(world, answered, login, monkeypatch, django_assert_num_queries):
    answers_tag(organization=world.org, responses=world.org.responses.all())
    rollups_reconcile(organization=world.org)
    client = login(world.manager)
    client.get("/")  # the session's first request may touch the session and cache tables once more

    def no_answer_scan(*args, **kwargs):
        raise AssertionError("the 'other' count read the answers")

    monkeypatch.setattr(other, "_from_answers", no_answer_scan)
    # The "other" rows come with the tag rollups' one read, the answers with text with the themes' top places' one.
    with django_assert_num_queries(OTHER_PAGE_STATEMENTS):
        response = client.get("/insights/")

    page = response.content.decode()
    assert 'id="other-answers"' in page
    assert "Other — answers no theme holds: 6 (66.7% of the answers with text)." in page
    assert f'data-reason="{OTHER_NO_WORDS}">no words to place (emoji, numbers): 2<' in page


# /insights/ for a manager: session, user, membership; the rollups' state, the tag rollups' one read, the answers
# with text per place, the themes, the NPS parts, the answers with text per month, the jobs; the manager's forms
# (user, membership, locations, the masked words). As before the "Other" line: it reads nothing of its own.
OTHER_PAGE_STATEMENTS = 14


def test_a_themes_page_shows_other_from_the_rollups_in_its_language(world, answered, login, monkeypatch):
    answers_tag(organization=world.org, responses=world.org.responses.all())
    rollups_reconcile(organization=world.org)
    client = login(world.manager)

    def no_answer_scan(*args, **kwargs):
        raise AssertionError("the 'other' count read the answers")

    monkeypatch.setattr(other, "_from_answers", no_answer_scan)
    client.cookies["django_language"] = "ru"
    page = client.get(f"/insights/themes/{answered.pk}/?date_from=2015-03-01&date_to=2015-03-31").content.decode()

    assert "Другое — ответы, которые не относятся ни к одной теме: 1 (100,0% ответов с текстом)." in page
    assert "нет достаточно близкой темы: 1" in page


def test_insights_says_nothing_of_other_when_every_answer_has_a_theme(world, login):
    add_answers(world_touchpoint=world.checkout, survey=world.nps, answers=[(1, samples.airline(BAG_LOST_NO_HELP))])
    make_theme(world.org, "Luggage", ["bag"])
    answers_tag(organization=world.org, responses=world.org.responses.all())
    rollups_reconcile(organization=world.org)

    response = login(world.manager).get("/insights/")

    assert 'id="other-answers"' not in response.content.decode()


def test_rollups_rebuild_counts_the_other_rows_again(world, answered):
    answers_tag(organization=world.org, responses=world.org.responses.all())
    expected = _raw(world)
    TagRollup.objects.filter(organization=world.org, theme_id__lte=0).delete()

    call_command("rollups", "rebuild", "--org", world.org.slug, stdout=io.StringIO())

    assert _from_rollups(world) == expected
