"""Discovery and re-tagging run in the worker; a manager's repeated click runs once; a failure is recorded."""

import pytest
from django.core.exceptions import ValidationError
from django_tasks_db.models import DBTaskResult

from otklik.insights import services
from otklik.insights.models import AnswerTheme, Theme, ThemeJob
from otklik.insights.services import theme_job_request, theme_job_run
from otklik.insights.tests import samples
from otklik.insights.tests.conftest import make_theme
from otklik.insights.tests.helpers import add_answers


@pytest.fixture
def complaints(world):
    rows = samples.airline_complaints(200)
    return add_answers(world_touchpoint=world.checkout, survey=world.nps, answers=[(3, r["text"]) for r in rows])


def test_asking_for_discovery_queues_one_job_for_the_worker(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = theme_job_request(organization=world.org, kind=ThemeJob.Kind.DISCOVER, k=5, user=world.manager)
        again = theme_job_request(organization=world.org, kind=ThemeJob.Kind.DISCOVER, k=6, user=world.manager)
    assert again.pk == job.pk and ThemeJob.objects.get().k == 6
    [queued] = DBTaskResult.objects.filter(task_path="otklik.insights.tasks.run_theme_job")
    assert queued.args_kwargs["kwargs"] == {"job_id": job.pk}


def test_the_worker_discovers_themes_and_tags_the_answers(
    world, complaints, run_tasks_at_once, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = theme_job_request(organization=world.org, kind=ThemeJob.Kind.DISCOVER, k=5)
    job.refresh_from_db()
    assert job.status == ThemeJob.Status.DONE and job.finished_at
    assert Theme.objects.filter(organization=world.org).count() == 5
    assert AnswerTheme.objects.filter(response__in=complaints).exists()


def test_a_job_already_taken_is_not_run_twice(world, complaints):
    job = ThemeJob.objects.create(organization=world.org, kind=ThemeJob.Kind.DISCOVER, k=4)
    assert theme_job_run(job_id=job.pk)
    assert not theme_job_run(job_id=job.pk)
    assert Theme.objects.filter(organization=world.org).count() == 4


def test_a_failed_discovery_is_recorded_and_keeps_the_themes(world, monkeypatch):
    make_theme(world.org, "Luggage", ["bag"])

    def broken(**kwargs):
        raise RuntimeError("no model")

    monkeypatch.setattr(services, "themes_discover", broken)
    job = ThemeJob.objects.create(organization=world.org, kind=ThemeJob.Kind.DISCOVER, k=4)
    assert not theme_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ThemeJob.Status.FAILED and "no model" in job.error
    assert Theme.objects.filter(organization=world.org).count() == 1


@pytest.mark.parametrize("k", [None, 1, 31])
def test_discovery_refuses_a_number_of_themes_out_of_range(world, k):
    with pytest.raises(ValidationError):
        theme_job_request(organization=world.org, kind=ThemeJob.Kind.DISCOVER, k=k)
    assert not ThemeJob.objects.exists()


def test_a_large_organization_is_retagged_by_the_worker_after_a_change(world, monkeypatch):
    answers = add_answers(
        world_touchpoint=world.checkout, survey=world.nps, answers=[(2, samples.airline("569927630469894144"))]
    )
    theme = make_theme(world.org, "Phone wait", [])
    monkeypatch.setattr(services, "RETAG_INLINE_LIMIT", 0)
    services.theme_pin_keyword(theme=theme, keyword="minutes")
    assert not AnswerTheme.objects.filter(response=answers[0]).exists()  # not in the request
    job = ThemeJob.objects.get(organization=world.org, kind=ThemeJob.Kind.RETAG)
    assert theme_job_run(job_id=job.pk)
    assert AnswerTheme.objects.filter(response=answers[0], theme=theme).exists()
