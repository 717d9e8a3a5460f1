"""Every URL pattern, walked as a stranger with the ids of the first organization's objects: 404, never its data.

The stranger is a manager of another organization; the anonymous visitor is sent to the login page. A new
URL pattern with an object id fails here until the id has an object below (or the pattern is listed as
public, with the reason), so a page that forgets to scope its object cannot slip in unnoticed.
"""

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from otklik.accounts.models import Membership
from otklik.testing import factories

# Pages anyone may open, or that do not show one organization's object by its id, and why.
PUBLIC = {
    "login": "the login page",
    "logout": "logging out",
    "set_language": "the language switch",
    "accounts:password_reset": "asking for a reset link",
    "accounts:password_reset_done": "the reset link was sent",
    "accounts:password_reset_confirm": "a one-time link's token",
    "accounts:password_setup": "a one-time link's token",
    "accounts:join": "an invitation's token",
    "accounts:logo": "the logo, shown on the public pages",
    "surveys:answer": "the public answer page (unguessable keys)",
    "surveys:thanks": "the public thank-you page",
    "surveys:qr_svg": "the QR code of a public page",
    "surveys:qr_png": "the QR code of a public page",
    "surveys:invitation": "a personal invitation's token",
    "surveys:review": "a review link's token",
    "customers:unsubscribe": "a customer's unsubscribe token",
    "customers:channel_hook": "a channel's webhook (Telegram, the SMS gateway), with its secret",
    "publication:book": "the public complaint book",
    "publication:book_stories": "the public stories",
    "publication:story_leaflet": "a published story's leaflet",
    "api:healthz": "the health check",
    "api:metrics": "Prometheus metrics, with a bearer token (ops tests)",
}
# Whole namespaces walked elsewhere: the API takes bearer tokens (api/tests prove a stranger's token gets 404),
# the admin is for staff users.
ELSEWHERE = {"api:v1", "admin"}
# Addressed by something other than an object id: the stranger gets their own organization's template, or an
# empty CSV with the field names.
NOT_AN_OBJECT = {"messaging:template_edit", "messaging:template_reset", "imports:template"}


def url_patterns(resolver: URLResolver = None, namespace: str = ""):
    """(name with its namespaces, pattern) for every named pattern."""
    for item in (resolver or get_resolver()).url_patterns:
        if isinstance(item, URLResolver):
            inner = f"{namespace}:{item.namespace}" if namespace and item.namespace else item.namespace or namespace
            yield from url_patterns(item, inner)
        elif isinstance(item, URLPattern) and item.name:
            yield (f"{namespace}:{item.name}" if namespace else item.name), item


def walked():
    for name, pattern in url_patterns():
        if name in PUBLIC or name in NOT_AN_OBJECT or any(name.startswith(f"{ns}:") for ns in ELSEWHERE):
            continue
        yield name, pattern


@pytest.fixture
def objects(world):
    """One object of each kind in the first organization, by the URL argument that names it."""
    org = world.org
    customer = factories.make_customer(organization=org, tags=["vip"])
    case = factories.make_case(location=world.store)
    improvement = factories.make_improvement(organization=org)
    response = factories.make_response(survey=world.nps, touchpoint=world.checkout, score=9)
    return {
        "case_id": case.pk,
        "survey_id": world.nps.pk,
        "touchpoint_id": world.checkout.pk,
        "question_id": factories.make_question(survey=world.nps).pk,
        "message_id": factories.make_outbox_message(organization=org).pk,
        "rules:rule_id": factories.make_rule(organization=org).pk,
        "outreach:rule_id": factories.make_hunt_rule(organization=org).pk,
        "improvement_id": improvement.pk,
        "entry_id": factories.make_book_entry(case=case).pk,
        "story_id": factories.make_story(organization=org).pk,
        "customer_id": customer.pk,
        "tag_id": customer.tags.get().pk,
        "product_id": factories.make_product(organization=org).pk,
        "scheduled_id": factories.make_scheduled_invitation(customer=customer).pk,
        "task_id": factories.make_outreach_task(customer=customer).pk,
        "pk": factories.make_import_job(organization=org).pk,
        "theme_id": factories.make_theme(organization=org).pk,
        "department_id": factories.make_department(organization=org).pk,
        "response_id": response.pk,
        "membership_id": Membership.objects.get(user=world.employee).pk,
        "invitation_id": factories.make_member_invitation(organization=org).pk,
        "token_id": factories.make_api_token(organization=org, user=world.manager).pk,
        "policy_id": factories.make_sla_policy(organization=org, segment="vip").pk,
    }


def url_of(name: str, pattern: URLPattern, objects: dict) -> str:
    arguments = {}
    for argument in pattern.pattern.converters:
        key = f"{name.split(':')[0]}:{argument}"
        assert key in objects or argument in objects, f"{name}: no object for <{argument}>; add one to `objects`"
        arguments[argument] = objects.get(key, objects.get(argument))
    return reverse(name, kwargs=arguments)


def answer(client, url: str):
    """GET the page; a page that takes only POST is posted to, empty."""
    page = client.get(url)
    return client.post(url) if page.status_code == 405 else page


def test_every_page_with_an_object_of_another_organization_is_404_for_a_stranger(world, login, objects):
    client = login(world.stranger)
    wrong, walked_urls = {}, 0
    for name, pattern in walked():
        if not pattern.pattern.converters:
            continue  # a list or a form: the stranger's own organization's
        url = url_of(name, pattern, objects)
        status = answer(client, url).status_code
        walked_urls += 1
        if status != 404:
            wrong[url] = status
    assert wrong == {}
    assert walked_urls >= 60  # the walk reached the pages (60 with an object id when this test was written)


def test_every_private_page_sends_an_anonymous_visitor_to_the_login_page(client, world, objects):
    wrong = {}
    for name, pattern in walked():
        url = url_of(name, pattern, objects)
        page = answer(client, url)
        if page.status_code != 302 or not page["Location"].startswith(reverse(settings.LOGIN_URL)):
            wrong[url] = page.status_code
    assert wrong == {}


def test_the_public_exceptions_are_real_patterns():
    names = {name for name, _pattern in url_patterns()}
    assert set(PUBLIC) | NOT_AN_OBJECT <= names
