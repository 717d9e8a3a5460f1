from django_tasks import task

from otklik.insights.services import response_tag


@task()
def tag_response(response_id: int) -> int:
    """Tag a new answer with its organization's themes; safe to run twice (tags are replaced)."""
    return response_tag(response_id=response_id)
