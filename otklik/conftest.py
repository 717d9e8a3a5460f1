"""Shared test fixtures: two organizations with one user per role (STYLE.md §8)."""

import os
import secrets
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User

from otklik.accounts.models import Location, Organization, Role, Touchpoint
from otklik.surveys.models import Survey
from otklik.testing import factories

pytest_plugins = ["otklik.testing.browser", "otklik.testing.nginx"]

# `otklik serve` and `otklik worker` refuse to start without a real secret key; the processes that
# tests start inherit this one (a fresh one per test run, never a key written down anywhere).
os.environ.setdefault("OTKLIK_SECRET_KEY", secrets.token_urlsafe(50))
# Nor do they load the dictionaries as they start (a second of CPU each): only the test of that loading does.
os.environ.setdefault("OTKLIK_WORKER_PRELOAD", "0")


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The `world` fixture creates six users; PBKDF2 would cost seconds per test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def public_links_forgotten():
    # The public pages keep a link's survey per process for seconds; a test that changes a survey by hand after
    # opening its page would otherwise see the old copy.
    from otklik.surveys.selectors import public_links_forget

    public_links_forget()
    yield
    public_links_forget()


@pytest.fixture(autouse=True)
def default_language():
    # LocaleMiddleware leaves the language of a request's user active in the thread; a test that reads English
    # messages must not depend on whether a Russian page was rendered before it.
    from django.utils import translation

    with translation.override(None):
        translation.activate("en")
        yield


@dataclass
class World:
    org: Organization
    other_org: Organization
    store: Location
    other_store: Location  # in org, but not the employee's
    stranger_store: Location  # in other_org
    checkout: Touchpoint
    other_checkout: Touchpoint
    stranger_checkout: Touchpoint
    owner: User
    manager: User
    employee: User
    viewer: User
    stranger: User  # manager of other_org
    nps: Survey
    stranger_nps: Survey


@pytest.fixture
def world(db) -> World:
    org = factories.make_organization(name="Acme Coffee", slug="acme")
    other_org = factories.make_organization(name="Rival Tea", slug="rival")
    store = factories.make_location(organization=org, name="Main Street")
    other_store = factories.make_location(organization=org, name="Airport")
    stranger_store = factories.make_location(organization=other_org, name="Rival Store")
    employee = factories.make_user(organization=org, role=Role.EMPLOYEE, username="emma", locations=[store])
    store.responsible = employee
    store.save()
    return World(
        org=org,
        other_org=other_org,
        store=store,
        other_store=other_store,
        stranger_store=stranger_store,
        checkout=factories.make_touchpoint(location=store),
        other_checkout=factories.make_touchpoint(location=other_store),
        stranger_checkout=factories.make_touchpoint(location=stranger_store),
        owner=factories.make_user(organization=org, role=Role.OWNER, username="olga"),
        manager=factories.make_user(organization=org, role=Role.MANAGER, username="max"),
        employee=employee,
        viewer=factories.make_user(organization=org, role=Role.VIEWER, username="vera"),
        stranger=factories.make_user(organization=other_org, role=Role.MANAGER, username="stan"),
        nps=factories.make_survey(organization=org, kind="nps"),
        stranger_nps=factories.make_survey(organization=other_org, kind="nps"),
    )


@pytest.fixture
def login(client):
    """Log a user in through the test client: `login(world.manager)`."""

    def do(user: User):
        client.force_login(user)
        return client

    return do


@pytest.fixture(autouse=True)
def answer_claims_without_savepoints_first(monkeypatch):
    # A claim of answers that failed makes the worker's next claims take savepoints for a minute (decision 0040);
    # each test starts as a fresh worker does.
    from otklik.intake import answers

    monkeypatch.setattr(answers, "_careful_until", float("-inf"))
