"""Writing many rows in one statement without the ORM's compiling, for the hot paths that write per message.

Django's `bulk_create` and `bulk_update` prepare every value of every row through its field (and
compile a CASE per field for updates): in the invitation dispatcher that was about a fifth of its CPU
per message. These helpers take values already in Python form, adapt only what needs it (datetimes on
SQLite, JSON), and on PostgreSQL bind them on the server, so psycopg dumps them in C and prepares a
statement it has seen a few times.
"""

import functools
import json
from collections.abc import Callable, Sequence
from datetime import datetime

import psycopg
from django.db import connection, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.sql import InsertQuery

# PostgreSQL takes at most 65 535 parameters in one statement; SQLite 32 766.
MAX_PARAMETERS = 30_000


def bound_cursor(*, returning: bool = False):
    """A cursor that binds parameters on the server on PostgreSQL (Django's own bind on the client); any
    other database's ordinary cursor. `returning`: its executemany keeps each statement's rows (PostgreSQL).

    Wrapped as Django wraps its own cursors, so statement counts and error translation see it like any other.
    """
    if connection.vendor != "postgresql":
        return connection.cursor()
    connection.ensure_connection()
    cursor = (_ReturningCursor if returning else psycopg.Cursor)(connection.connection)
    return connection.make_debug_cursor(cursor) if connection.queries_logged else connection.make_cursor(cursor)


class _ReturningCursor(psycopg.Cursor):
    """executemany that keeps what each statement returns (read with fetchall, then nextset)."""

    def executemany(self, query, params_seq, *, returning: bool = True) -> None:
        super().executemany(query, params_seq, returning=returning)


def _adapters(model: type[models.Model], names: Sequence[str]) -> list[Callable | None]:
    """Per column, what turns a Python value into one the database driver takes; None: as it is."""
    adapters: list[Callable | None] = []
    for name in names:
        field = model._meta.get_field(name)
        if isinstance(field, models.DateTimeField):
            adapters.append(connection.ops.adapt_datetimefield_value)
        elif isinstance(field, models.JSONField):
            adapters.append(lambda value: None if value is None else json.dumps(value))
        else:
            adapters.append(None)
    return adapters


def _adapted(rows: Sequence[Sequence], adapters: list[Callable | None]) -> list[list]:
    if all(adapter is None for adapter in adapters):
        return [list(row) for row in rows]
    return [
        [value if adapter is None else adapter(value) for value, adapter in zip(row, adapters, strict=True)]
        for row in rows
    ]


def insert_rows(
    model: type[models.Model],
    names: Sequence[str],
    rows: Sequence[Sequence],
    *,
    ignore_conflicts: bool = False,
    returning: Sequence[str] = (),
) -> list[tuple]:
    """INSERT `rows` (values in the order of the field `names`, foreign keys as ids) in one round trip.

    Returns the `returning` columns of the inserted rows, in the order given (a row skipped on a conflict
    returns nothing). Defaults are not filled in: name every column that has no database default.
    """
    if not rows:
        return []
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in names)
    tail = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    if returning:
        tail += " RETURNING " + ", ".join(quote(model._meta.get_field(name).column) for name in returning)
    one = "(" + ", ".join(["%s"] * len(names)) + ")"
    values = _adapted(rows, _adapters(model, names))
    found: list[tuple] = []
    if connection.vendor == "postgresql":
        # One INSERT per row, pipelined in one round trip and prepared once: psycopg dumps the values in C.
        # A multi-row VALUES was parsed anew for every batch (thousands of %s), and arrays per column were
        # dumped value by value in Python: each cost twice as much CPU per row.
        with bound_cursor(returning=bool(returning)) as cursor:
            cursor.executemany(f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES {one}{tail}", values)
            while returning:
                found.extend(tuple(row) for row in cursor.fetchall())
                if not cursor.nextset():
                    break
        return found
    # Elsewhere (SQLite) one multi-row VALUES per as many rows as its parameter limit allows.
    per_statement = max(1, MAX_PARAMETERS // len(names))
    with bound_cursor() as cursor:
        for start in range(0, len(values), per_statement):
            chunk = values[start : start + per_statement]
            sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES {', '.join([one] * len(chunk))}{tail}"
            cursor.execute(sql, [value for row in chunk for value in row])
            if returning:
                found.extend(tuple(row) for row in cursor.fetchall())
    return found


def update_rows(model: type[models.Model], names: Sequence[str], rows: Sequence[Sequence]) -> None:
    """UPDATE each row by its id: `rows` hold the values of the field `names`, then the id.

    One statement per row, sent together (executemany: on PostgreSQL pipelined and prepared once; one
    UPDATE joined to an array per column cost more, its arrays dumped value by value). Django's bulk_update
    builds a CASE per field over the whole batch: for 200 rows it spent more time compiling the statement
    than everything else in the batch took.
    """
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    values = _adapted(rows, [*_adapters(model, names), None])
    sets = ", ".join(f"{quote(model._meta.get_field(name).column)} = %s" for name in names)
    with bound_cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET {sets} WHERE id = %s", values)


def insert_one(row: models.Model) -> models.Model:
    """Insert one unsaved row as `row.save(force_insert=True)` does, without compiling its INSERT each time.

    On PostgreSQL the SQL is compiled by the ORM once per model and process and the values, prepared as its
    compiler prepares them (`pre_save`, then the field's own conversion), bound on the server: compiling the
    INSERT was most of the CPU of a case opened in the worker (decision 0040). No model signals are sent (the
    hot paths' models have none). Elsewhere (SQLite) it is `save(force_insert=True)`.
    """
    if connection.vendor != "postgresql" or row.pk is not None:
        row.save(force_insert=True)
        return row
    model = type(row)
    params = prepared_values(row, insert_columns(model, connection.alias))
    with bound_cursor() as cursor:
        cursor.execute(_insert_sql(model, connection.alias), params)
        row.pk = cursor.fetchone()[0]
    row._state.adding = False
    row._state.db = connection.alias
    return row


def insert_many(rows: Sequence[models.Model]) -> None:
    """Insert unsaved rows of one model as `bulk_create(rows)` does: a row without an id gets its id back, a row
    with one keeps it; one statement per kind.

    On PostgreSQL the one-row INSERT is compiled once per model and process (as `insert_one`), each row's values
    prepared as the compiler prepares them, and the rows sent together with executemany (pipelined, one round
    trip, prepared once): `bulk_create` compiled a multi-row INSERT and prepared every value through the compiler
    for every batch, the largest part of the worker's flush at the end of a claim (decision 0060). No model signals
    are sent (`bulk_create` sends none either). Elsewhere (SQLite) it is `bulk_create`.
    """
    if not rows:
        return
    model = type(rows[0])
    if connection.vendor != "postgresql":
        model.objects.bulk_create(rows)
        return
    for row in rows:
        # What bulk_create checks first: no unsaved related row, and a related row saved since it was assigned
        # gives its id to the foreign key.
        row._prepare_related_fields_for_save(operation_name="bulk_create")
    with_id = [row for row in rows if row.pk is not None]
    without_id = [row for row in rows if row.pk is None]
    if with_id:
        columns = insert_columns(model, connection.alias, with_pk=True)
        with bound_cursor() as cursor:
            cursor.executemany(
                _insert_sql(model, connection.alias, with_pk=True), [prepared_values(row, columns) for row in with_id]
            )
    if without_id:
        columns = insert_columns(model, connection.alias)
        ids: list = []
        with bound_cursor(returning=True) as cursor:
            cursor.executemany(
                _insert_sql(model, connection.alias), [prepared_values(row, columns) for row in without_id]
            )
            while True:
                ids.extend(row_id for (row_id,) in cursor.fetchall())
                if not cursor.nextset():
                    break
        for row, row_id in zip(without_id, ids, strict=True):
            row.pk = row_id
    for row in rows:
        row._state.adding = False
        row._state.db = connection.alias


# The Python types each field class's conversion returns unchanged on PostgreSQL (`get_db_prep_save` makes a str
# of a text, an int of a number, a bool of a flag, and hands the driver an aware datetime as it is). Exact classes
# only: a subclass may convert otherwise.
_TEXT = (str,)
PLAIN_TYPES = {
    models.CharField: _TEXT,
    models.TextField: _TEXT,
    models.EmailField: _TEXT,
    models.SmallIntegerField: (int,),
    models.IntegerField: (int,),
    models.BigIntegerField: (int,),
    models.PositiveSmallIntegerField: (int,),
    models.PositiveIntegerField: (int,),
    models.PositiveBigIntegerField: (int,),
    models.AutoField: (int,),
    models.BigAutoField: (int,),
    models.BooleanField: (bool,),
    models.DateTimeField: (datetime,),
}


def _is_plain(value: object, types: tuple) -> bool:
    if value is None:
        return True  # each of those conversions keeps None
    if type(value) not in types:
        return False  # a subclass (a bool for a number, a lazy text) goes through the field
    return not isinstance(value, datetime) or value.tzinfo is not None  # a naive time is made aware there


@functools.cache
def insert_columns(model: type[models.Model], alias: str, *, with_pk: bool = False) -> tuple:
    """Per column of the model's INSERT: the field, its attribute, the types whose values skip the field's conversion
    (None: always through the field: another database, another class of field, a time set on save), and what that
    conversion would still wrap such a value in (None: nothing). On PostgreSQL with psycopg 3 Django wraps an
    integer field's value in its width (`Int2` for a smallint), so the server is told the same parameter types.

    Preparing every value through its field was most of what `insert_one` and `insert_many` spent per row beside
    the round trip (a case has 40 columns, most of them empty): the public answer's INSERT skips it the same way
    since decision 0051, the worker's rows since decision 0063.
    """
    conn = connections[alias]
    postgresql = conn.vendor == "postgresql"
    wraps = getattr(conn.ops, "integerfield_type_map", {}) if postgresql else {}
    columns = []
    for f in _insert_fields(model, with_pk=with_pk):
        relation = type(f) in (models.ForeignKey, models.OneToOneField)
        target = f.target_field if relation else f
        plain = PLAIN_TYPES.get(type(target)) if postgresql and (relation or not f.is_relation) else None
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            plain = None
        # A foreign key's value is its target's: an auto field's, which Django leaves unwrapped.
        wrap = None if relation else wraps.get(target.get_internal_type())
        columns.append((f, f.attname, plain, wrap))
    return tuple(columns)


def prepared_values(row: models.Model, columns: tuple, conn: BaseDatabaseWrapper | None = None) -> list:
    """The row's values for its INSERT (`insert_columns`), each as the ORM's compiler would hand it to the driver:
    `pre_save` (auto_now_add…), then the field's own conversion, except where that would hand it back unchanged."""
    conn = conn or connection
    values = row.__dict__
    return [
        (values[name] if wrap is None or values[name] is None else wrap(values[name]))
        if plain is not None and _is_plain(values[name], plain)
        else values[name]._value_
        if plain is _TEXT and _is_text_choice(values[name])
        else f.get_db_prep_save(f.pre_save(row, True), connection=conn)
        for f, name, plain, wrap in columns
    ]


def _is_text_choice(value: object) -> bool:
    # A text field's conversion hands a `TextChoices` member (`Source.WEB`) to the driver as it is, and psycopg finds
    # no dumper for its class at once: it walks the class's ancestry on every value (4.3 µs against 0.3 for a `str`).
    # The member's value is the same text, bound as a plain `str`.
    return isinstance(value, models.TextChoices) and type(value._value_) is str


def _insert_fields(model: type[models.Model], *, with_pk: bool = False) -> list[models.Field]:
    return [f for f in model._meta.local_concrete_fields if with_pk or not f.primary_key]


@functools.cache
def _insert_sql(model: type[models.Model], alias: str, *, with_pk: bool = False) -> str:
    # A row given its id returns nothing; a row without one returns the id the sequence gave it.
    query = InsertQuery(model)
    query.insert_values(_insert_fields(model, with_pk=with_pk), [model()])
    compiler = query.get_compiler(using=alias)
    compiler.returning_fields = [] if with_pk else [model._meta.pk]
    [(sql, _params)] = compiler.as_sql()
    return sql
