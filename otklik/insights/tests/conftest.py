import pytest

from otklik.insights.models import Theme


@pytest.fixture
def run_tasks_at_once(settings):
    """Tasks run where they are enqueued (after commit), as the worker would run them."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def make_theme(organization, name, pinned, **fields) -> Theme:
    return Theme.objects.create(organization=organization, name=name, pinned_keywords=pinned, is_manual=True, **fields)
