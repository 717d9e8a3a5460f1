"""`otklik.rows`: the worker's rows are inserted with the values the ORM's compiler would bind (decision 0063).

`insert_one` and `insert_many` hand a value to the driver as it is where its field's conversion would hand it back
unchanged; these tests hold that to the ORM's own preparation, value and parameter type, for the rows the worker
writes per answer (a case, its event, a rule run, an alert), and with values a field does convert.
"""

from datetime import datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection, models
from django.utils import timezone
from psycopg.types.json import Jsonb

from otklik.cases.models import Case, CaseEvent
from otklik.messaging.models import OutboxMessage
from otklik.rows import insert_columns, insert_many, insert_one, prepared_values
from otklik.rules.models import RuleRun
from otklik.testing import factories


def _orm(row) -> list:
    fields = [f for f, _name, _plain, _wrap in insert_columns(type(row), connection.alias)]
    return [f.get_db_prep_save(f.pre_save(row, True), connection=connection) for f in fields]


def _comparable(values: list) -> list:
    # The JSON adapter has no equality of its own: compare what it wraps. A `TextChoices` member is bound as its
    # text on PostgreSQL (the ORM hands the member itself to the driver).
    postgresql = connection.vendor == "postgresql"
    return [
        (str, value._value_)
        if postgresql and isinstance(value, models.TextChoices)
        else (type(value), value.obj if isinstance(value, Jsonb) else value)
        for value in values
    ]


def _rows(world) -> list:
    stored = factories.make_case(location=world.store, severity="high", compensation_amount=Decimal("12.50"))
    case = Case(
        **{f.attname: getattr(stored, f.attname) for f in Case._meta.local_concrete_fields if not f.primary_key}
    )
    case.response_id = None
    rule = factories.make_rule(organization=world.org)
    return [
        case,
        CaseEvent(case=stored, step="new", note="opened"),
        RuleRun(organization=world.org, rule=rule, case=stored, ok=True, detail="case opened"),
        OutboxMessage(
            organization=world.org,
            key="rows-test",
            recipient="owner@example.org",
            subject="A new case",
            body="Body",
            kind="case_alert",
            case=stored,
            headers={"X-Test": "1"},
            attempts=2,
            next_attempt_at=timezone.now(),
        ),
    ]


@pytest.mark.django_db
def test_the_worker_rows_are_bound_with_the_values_and_types_the_orm_would(world):
    with mock.patch("django.utils.timezone.now", return_value=timezone.now()):
        for row in _rows(world):
            ours = prepared_values(row, insert_columns(type(row), connection.alias))
            assert _comparable(ours) == _comparable(_orm(row)), type(row).__name__


@pytest.mark.django_db
def test_values_a_field_converts_still_go_through_it(world):
    event = CaseEvent(case=factories.make_case(location=world.store), step="new", note="x")
    message = _rows(world)[3]
    message.attempts = True  # a bool for a number
    message.next_attempt_at = datetime(2026, 12, 1, 10, 30)  # noqa: DTZ001  (naive on purpose)
    message.subject = type("Text", (str,), {})("A subclass of str")
    with mock.patch("django.utils.timezone.now", return_value=timezone.now()):  # the same auto_now_add time
        with pytest.warns(RuntimeWarning):
            ours = prepared_values(message, insert_columns(OutboxMessage, connection.alias))
        with pytest.warns(RuntimeWarning):
            orms = _orm(message)
    assert _comparable(ours) == _comparable(orms)
    names = [name for _f, name, _plain, _wrap in insert_columns(OutboxMessage, connection.alias)]
    assert ours[names.index("attempts")] == 1 and type(ours[names.index("attempts")]) is not bool
    # auto_now_add is set on save, through the field, and the row keeps the time it was given.
    values = prepared_values(event, insert_columns(CaseEvent, connection.alias))
    assert values[[n for _f, n, _p, _w in insert_columns(CaseEvent, connection.alias)].index("created_at")] is not None
    assert event.created_at is not None


@pytest.mark.django_db
def test_only_exact_field_classes_skip_their_conversion():
    columns = {f.name: (plain, wrap) for f, _name, plain, wrap in insert_columns(OutboxMessage, connection.alias)}
    if connection.vendor != "postgresql":
        assert all(plain is None for plain, _wrap in columns.values())
        return
    assert columns["subject"] == ((str,), None) and columns["case"][0] == (int,) and columns["case"][1] is None
    assert columns["attempts"][0] == (int,) and columns["attempts"][1] is not None  # Int2, as Django wraps it
    assert columns["headers"][0] is None  # JSON: through the field
    assert columns["created_at"][0] is None  # auto_now_add: set on save
    assert columns["next_attempt_at"][0] == (datetime,)


@pytest.mark.django_db
def test_rows_inserted_read_back_as_given(world):
    rows = _rows(world)
    insert_one(rows[0])
    insert_many([rows[1]])
    insert_many([rows[3]])
    stored = Case.objects.get(pk=rows[0].pk)
    assert (stored.severity, stored.compensation_amount, stored.created_at) == (
        "high",
        Decimal("12.50"),
        rows[0].created_at,
    )
    assert CaseEvent.objects.get(pk=rows[1].pk).note == "opened"
    message = OutboxMessage.objects.get(pk=rows[3].pk)
    assert (message.headers, message.attempts, message.next_attempt_at) == (
        {"X-Test": "1"},
        2,
        rows[3].next_attempt_at,
    )


@pytest.mark.django_db
def test_a_text_choices_member_is_bound_as_its_text(world):
    """The ORM hands `Step.NEW` to the driver as it is; psycopg looks its class up anew every time: bound as "new"."""
    from otklik.cases.models import Step

    event = CaseEvent(case=factories.make_case(location=world.store), step=Step.NEW, note="")
    columns = insert_columns(CaseEvent, connection.alias)
    names = [name for _f, name, _plain, _wrap in columns]
    with mock.patch("django.utils.timezone.now", return_value=timezone.now()):
        ours, orms = prepared_values(event, columns), _orm(event)
    assert ours == orms
    step = ours[names.index("step")]
    if connection.vendor == "postgresql":
        assert type(step) is str and step == "new"
    insert_many([event])
    assert CaseEvent.objects.get(pk=event.pk).step == "new"
