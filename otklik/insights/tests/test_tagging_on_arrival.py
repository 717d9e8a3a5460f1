"""A new answer is tagged with themes by the worker seconds after it is stored; the answer path only schedules."""

from django_tasks_db.models import DBTaskResult

from otklik.insights.models import AnswerAnalysis, AnswerTheme
from otklik.insights.tests import samples
from otklik.insights.tests.conftest import make_theme
from otklik.testing import factories

LOST_BAG_ON_HOLD = "570091216013955073"


def run_queued_tasks() -> None:
    """What `otklik worker` does with each queued task (its loop closes connections, so not called here)."""
    for queued in DBTaskResult.objects.ready():
        queued.task.call(*queued.args_kwargs["args"], **queued.args_kwargs["kwargs"])


def test_an_answer_with_a_comment_is_queued_for_tagging_after_commit(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        answer = factories.make_response(
            survey=world.nps, touchpoint=world.checkout, score=2, comment=samples.airline(LOST_BAG_ON_HOLD)
        )
    [queued] = DBTaskResult.objects.filter(task_path="otklik.insights.tasks.tag_response")
    assert queued.args_kwargs["kwargs"] == {"response_id": answer.pk}
    assert not AnswerTheme.objects.exists()  # nothing is tagged on the answer path itself


def test_the_worker_tags_the_new_answer_with_every_theme_it_mentions(world, django_capture_on_commit_callbacks):
    make_theme(world.org, "Luggage", ["bag"])
    make_theme(world.org, "Phone wait", ["hold"])
    make_theme(world.org, "Food", ["meal"])
    with django_capture_on_commit_callbacks(execute=True):
        answer = factories.make_response(
            survey=world.nps, touchpoint=world.checkout, score=2, comment=samples.airline(LOST_BAG_ON_HOLD)
        )
    run_queued_tasks()
    themes = set(AnswerTheme.objects.filter(response=answer).values_list("theme__name", flat=True))
    assert themes == {"Luggage", "Phone wait"}
    assert AnswerAnalysis.objects.get(response=answer).language == "en"


def test_the_language_of_each_answer_is_detected_and_stored(
    world, run_tasks_at_once, django_capture_on_commit_callbacks
):
    russian = samples.russian("665408858379130000")
    with django_capture_on_commit_callbacks(execute=True):
        ru = factories.make_response(survey=world.nps, touchpoint=world.checkout, score=2, comment=russian)
        uk = factories.make_response(
            survey=world.nps, touchpoint=world.checkout, score=3, comment="Дуже довга черга, касир не поспішає."
        )
    assert AnswerAnalysis.objects.get(response=ru).language == "ru"
    assert AnswerAnalysis.objects.get(response=uk).language == "uk"
    assert AnswerAnalysis.objects.get(response=ru).has_profanity  # "#мудаки"


def test_an_answer_without_text_is_not_queued(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        factories.make_response(survey=world.nps, touchpoint=world.checkout, score=9)
    assert not DBTaskResult.objects.filter(task_path="otklik.insights.tasks.tag_response").exists()


def test_tagging_a_deleted_answer_does_nothing(world):
    from otklik.insights.tasks import tag_response

    assert tag_response.call(response_id=987654) == 0
