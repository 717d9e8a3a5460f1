"""The public answer POST runs a shorter middleware stack (otklik.handlers, decision 0076) and answers exactly as the
full stack did: the same status, headers and page, the same language, the same statements; every other request keeps
the full stack, CSRF included."""

import gc
import importlib
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.client import ClientHandler
from django.urls import reverse
from django.utils import translation

from otklik.handlers import OtklikWSGIHandler, PublicPostDispatch, public_post_middleware
from otklik.http import public_post
from otklik.insights.profanity import forget_organization_words
from otklik.rules.services import rules_ensure_defaults
from otklik.surveys import selectors
from otklik.surveys.models import Response
from otklik.surveys.selectors import public_survey
from otklik.surveys.services import survey_set_open

# As test_answers_in_the_worker pins it through the full stack: the short stack adds and removes no statement.
STORE_STATEMENTS = {"postgresql": 1, "sqlite": 3}


class _Handler(PublicPostDispatch, ClientHandler):
    """The test client's handler with the web processes' dispatch (`OtklikWSGIHandler`)."""


def _short_stack_client(**kwargs) -> Client:
    client = Client(**kwargs)
    client.handler = _Handler(enforce_csrf_checks=client.handler.enforce_csrf_checks)
    return client


@pytest.fixture
def public(world):
    rules_ensure_defaults(organization=world.org)
    forget_organization_words(world.org.pk)
    return public_survey(survey_key=world.nps.public_key, touchpoint_key=world.checkout.public_key)


def _url(public) -> str:
    survey, touchpoint = public
    return reverse("surveys:answer", args=[survey.public_key, touchpoint.public_key])


def _compared(response) -> tuple:
    # The thank-you link's signed token names the answer, so it differs between two answers; the rest must not.
    headers = {name: re.sub(r"&a=[^&]+", "&a=…", value) for name, value in response.headers.items()}
    return response.status_code, headers, response.cookies.output(), response.content


@pytest.mark.parametrize(
    "data",
    [
        {"score": "3", "comment": "The coffee was cold.", "lang": "en"},  # 303 to the thank-you page
        {"score": "10"},  # no language in the form: the browser's
        {"score": "42", "lang": "uk"},  # 400: the form again, with its error
        {"score": "9", "website": "http://spam.example"},  # the honeypot: looks like success
        {"score": "8", "email": "pat@example.org", "lang": "ru"},  # a contact without consent: 400
    ],
)
def test_a_public_answer_post_answers_the_same_through_the_short_stack(client, world, public, settings, data):
    settings.OTKLIK_RATE_LIMIT_ANSWERS = 0
    short = _short_stack_client()
    for browser in (client, short):
        browser.cookies.load({"csrftoken": "x" * 32, "sessionid": "abcdefgh12345678"})
    full_response = client.post(_url(public), data, HTTP_ACCEPT_LANGUAGE="uk")
    translation.activate("ru")  # what an earlier request on this thread left must not decide the language
    short_response = short.post(_url(public), data, HTTP_ACCEPT_LANGUAGE="uk")
    assert _compared(short_response) == _compared(full_response)
    assert not hasattr(short_response.wsgi_request, "session")
    assert hasattr(full_response.wsgi_request, "session")


def test_the_rate_limit_and_a_closed_survey_answer_the_same_through_the_short_stack(client, world, public, settings):
    settings.OTKLIK_RATE_LIMIT_ANSWERS = 1
    short = _short_stack_client(REMOTE_ADDR="203.0.113.9")
    assert short.post(_url(public), {"score": "9"}).status_code == 303
    limited = short.post(_url(public), {"score": "9"})
    assert limited.status_code == 429
    settings.OTKLIK_RATE_LIMIT_ANSWERS = 0
    survey_set_open(survey=world.nps, is_open=False)
    selectors.public_links_forget()
    full_closed, short_closed = client.post(_url(public), {"score": "9"}), short.post(_url(public), {"score": "9"})
    assert short_closed.status_code == 410
    assert _compared(short_closed) == _compared(full_closed)


def test_the_short_stack_stores_the_answer_in_the_same_statements(world, public, settings, django_assert_num_queries):
    settings.OTKLIK_RATE_LIMIT_ANSWERS = 0
    short = _short_stack_client()
    short.get(_url(public))  # the link's survey, kept by the process
    with django_assert_num_queries(STORE_STATEMENTS[connection.vendor]):
        assert short.post(_url(public), {"score": "3", "comment": "The coffee was cold."}).status_code == 303
    assert Response.objects.get().rules_pending


def test_only_posts_to_marked_views_take_the_short_stack(world, public, settings):
    settings.OTKLIK_RATE_LIMIT_ANSWERS = 0
    short = _short_stack_client(enforce_csrf_checks=True)
    # The answer page's GET: the full stack (a session on the request).
    page = short.get(_url(public))
    assert page.status_code == 200 and hasattr(page.wsgi_request, "session")
    # A staff form's POST without its token: still refused by the CSRF middleware.
    assert short.post(reverse("login"), {"username": "x", "password": "y"}).status_code == 403
    # The answer's POST: the short one, no session, no user; the answer stored.
    posted = short.post(_url(public), {"score": "9"})
    assert posted.status_code == 303
    assert not hasattr(posted.wsgi_request, "user")
    assert Response.objects.count() == 1


def test_a_path_longer_than_any_answer_link_takes_the_full_stack_and_is_not_kept(public):
    from otklik.handlers import MAX_PUBLIC_POST_PATH, _resolves_to_public_post, is_public_post_path

    survey, _touchpoint = public
    assert is_public_post_path(_url(public), "otklik.urls")
    assert not is_public_post_path(reverse("surveys:thanks", args=[survey.public_key, "x"]), "otklik.urls")
    long_key = "k" * MAX_PUBLIC_POST_PATH
    _resolves_to_public_post.cache_clear()
    assert not is_public_post_path(reverse("surveys:answer", args=[long_key, "x"]), "otklik.urls")
    assert _resolves_to_public_post.cache_info().currsize == 0


def test_the_short_stack_keeps_what_a_deployment_adds_and_drops_only_the_named(settings):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "example.Added"]
    kept = public_post_middleware()
    assert kept == [
        "otklik.ops.proxies.TrustedProxyMiddleware",
        "django.middleware.security.SecurityMiddleware",
        "otklik.handlers.PublicLocaleHeaders",
        "django.middleware.common.CommonMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
        "example.Added",
    ]


def test_a_view_without_csrf_exempt_cannot_be_marked():
    def view(request):
        raise AssertionError

    with pytest.raises(TypeError, match="csrf_exempt"):
        public_post(view)


def test_the_web_processes_serve_the_dispatching_handler(settings):
    settings.DEBUG = True  # the tests' secret key is Django's test one, which a real start refuses
    import otklik.wsgi

    try:
        assert isinstance(importlib.reload(otklik.wsgi).application, OtklikWSGIHandler)
    finally:
        gc.unfreeze()
