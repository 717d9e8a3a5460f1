"""Helpers for the survey pages' tests."""

import pytest
from django.urls import reverse


def answer_url(survey, touchpoint) -> str:
    return reverse("surveys:answer", args=[survey.public_key, touchpoint.public_key])


@pytest.fixture(autouse=True)
def generous_rate_limit(settings):
    # Tests post many answers from 127.0.0.1; only the spam tests lower this.
    settings.OTKLIK_RATE_LIMIT_ANSWERS = 1000
