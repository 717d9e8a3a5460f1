"""What the public answer request builds with less work (decision 0051) gives what the ORM and Django gave."""

from datetime import datetime
from unittest import mock

import pytest
from django.core import signing
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from django.urls import reverse, set_script_prefix
from django.utils import timezone

from otklik.rows import insert_columns
from otklik.surveys.models import Response
from otklik.surveys.next_step import THANKS_SALT, response_by_thanks_token, thanks_token
from otklik.surveys.services import AnswerInput, response_build, response_insert_statement

pytestmark = pytest.mark.django_db


def _built(world, **answer):
    touchpoint = type(world.checkout).objects.select_related("location").get(pk=world.checkout.pk)
    survey = type(world.nps).objects.select_related("organization").get(pk=world.nps.pk)
    return response_build(
        survey=survey,
        touchpoint=touchpoint,
        answer=AnswerInput(**{"score": 3, "comment": " cold coffee ", "language": "ru", **answer}),
        extra=[],
        rules_pending=True,
    )


def _by_keywords(response: Response) -> Response:
    # The same answer made as the ORM made it before: by keyword, one object per relation.
    values = {f.name: getattr(response, f.name) for f in Response._meta.concrete_fields if not f.is_relation}
    related = {f.name: getattr(response, f.name) for f in Response._meta.concrete_fields if f.is_relation}
    return Response(**values, **related)


def test_an_answer_built_from_its_columns_equals_one_built_by_keyword_and_reads_its_objects_without_a_query(world):
    response = _built(world, customer_name="", consent=False)
    with CaptureQueriesContext(connection) as queries:
        assert response.organization == world.org
        assert response.survey == world.nps
        assert response.touchpoint == world.checkout
        assert response.location == world.store
        assert response.invitation is None and response.customer is None
    assert len(queries) == 0
    expected = _by_keywords(response)
    for f in Response._meta.concrete_fields:
        assert getattr(response, f.attname) == getattr(expected, f.attname), f.attname
    assert response.comment == "cold coffee"
    assert response.source == "web" and response.rules_pending is True and response.review_site == ""
    assert response._state.adding is True and response.pk is None


def test_the_insert_binds_the_values_the_orm_would(world):
    response = _built(world, comment="x" * 30)
    fields = [f for f in Response._meta.local_concrete_fields if not f.primary_key]

    def orm_params(answer):
        return [f.get_db_prep_save(f.pre_save(answer, True), connection=connection) for f in fields]

    def bound_as(value):
        # What the server is told: a `TextChoices` member (the source) is bound as its text (decision 0063).
        postgresql = connection.vendor == "postgresql"
        return str if postgresql and isinstance(value, models.TextChoices) else type(value)

    ours, orms = response_insert_statement(response)[1], orm_params(response)
    assert ours == orms
    assert [type(value) for value in ours] == [bound_as(value) for value in orms]  # the parameter types the server sees
    # Values a field would convert go through it: a bool given for a number, a naive time, a lazy text.
    response.score = True
    response.created_at = datetime(2026, 12, 1, 10, 30)  # noqa: DTZ001  (naive on purpose)
    response.customer_name = type("Text", (str,), {})("Ann")
    with pytest.warns(RuntimeWarning):
        params = response_insert_statement(response)[1]
    with pytest.warns(RuntimeWarning):
        orms = orm_params(response)
    assert params == orms
    assert [type(value) for value in params] == [bound_as(value) for value in orms]
    assert params[[f.name for f in fields].index("score")] == 1
    assert connection.vendor != "postgresql" or timezone.is_aware(params[[f.name for f in fields].index("created_at")])


def test_only_exact_field_classes_bind_their_values_as_they_are():
    if connection.vendor != "postgresql":
        assert all(types is None for _f, _name, types, _wrap in insert_columns(Response, "default"))
        return
    columns = insert_columns(Response, "default")
    plain = {f.name: types for f, _name, types, _wrap in columns}
    assert plain["comment"] == (str,) and plain["score"] == (int,) and plain["organization"] == (int,)
    assert plain["created_at"] == (datetime,) and plain["rules_pending"] == (bool,)
    wraps = {f.name: wrap for f, _name, _types, wrap in columns}
    assert wraps["score"] is not None and wraps["organization"] is None and wraps["comment"] is None


def test_the_thanks_token_is_djangos_signed_id_and_reads_back(world):
    response = _built(world)
    response.save()
    with mock.patch("time.time", return_value=1_800_000_000.5):
        ours = thanks_token(response)
        djangos = signing.dumps(response.pk, salt=THANKS_SALT, compress=True)
    assert ours == djangos
    assert response_by_thanks_token(thanks_token(response)) == response
    assert signing.loads(thanks_token(response), salt=THANKS_SALT) == response.pk


def test_the_thanks_token_follows_the_secret_key(world, settings):
    response = _built(world)
    response.save()
    before = thanks_token(response)
    settings.SECRET_KEY = "another-" * 8
    after = thanks_token(response)
    assert after.rsplit(":", 1)[1] != before.rsplit(":", 1)[1]
    assert signing.loads(after, salt=THANKS_SALT) == response.pk
    with pytest.raises(signing.BadSignature):
        signing.loads(before, salt=THANKS_SALT, fallback_keys=[])


def test_the_thank_you_path_is_reversed_once_per_link_and_script_prefix(world):
    from otklik.intake.views import _thanks_path

    keys = (world.nps.public_key, world.checkout.public_key)
    assert _thanks_path(*keys) == reverse("surveys:thanks", args=list(keys))
    try:
        set_script_prefix("/feedback/")
        assert _thanks_path(*keys) == reverse("surveys:thanks", args=list(keys))
        assert _thanks_path(*keys).startswith("/feedback/s/")
    finally:
        set_script_prefix("/")
    assert _thanks_path(*keys).startswith("/s/")


def test_the_wsgi_application_freezes_what_it_loaded_out_of_the_collectors_passes(settings):
    import gc
    import importlib

    settings.DEBUG = True  # the tests' secret key is Django's test one, which a real start refuses

    import otklik.wsgi

    gc.unfreeze()
    try:
        importlib.reload(otklik.wsgi)
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
