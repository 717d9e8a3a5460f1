"""Background work of the insights app, run by `otklik worker`."""

from django_tasks import task

from otklik.insights.services import response_tag, responses_tag, theme_job_run


@task()
def tag_response(response_id: int) -> int:
    """Tag a new answer with its organization's themes; safe to run twice (tags are replaced)."""
    return response_tag(response_id=response_id)


@task()
def tag_responses(response_ids: list[int]) -> int:
    """Tag a batch of new answers (the worker's batch of public answers, decision 0030); safe to run twice."""
    return responses_tag(response_ids=response_ids)


@task()
def run_theme_job(job_id: int) -> bool:
    """Discover themes or re-tag answers, as a manager asked; a job already taken is skipped."""
    return theme_job_run(job_id=job_id)
