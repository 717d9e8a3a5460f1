import pytest

from otklik.tests.test_staff_pages_speak_the_language import *  # noqa
from otklik.tests.test_staff_pages_speak_the_language import problems_on_pages, staff_paths


@pytest.mark.parametrize("language", ["ru","uk"])
@pytest.mark.parametrize("role", ["manager", "employee"])
def test_dump(client, world, filled, language, role):
    client.force_login(getattr(world, role))
    found = problems_on_pages(client, staff_paths(filled), language)
    for path, problems in found.items():
        for p in problems:
            print("PROBLEM", role, language, path, p)
