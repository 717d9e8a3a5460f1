"""PostgreSQL plans and indexes, for the tests that hold which index serves which query (ADR 0007)."""

from django.db import connection


def plan(queryset) -> str:
    """The plan PostgreSQL would choose if it could not read the whole table (a big one)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    return queryset.explain()


def indexes(model) -> dict[str, str]:
    """The model's indexes on PostgreSQL: name → definition."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", [model._meta.db_table])
        return dict(cursor.fetchall())


def unindexed_foreign_keys(model) -> list[str]:
    """The model's foreign-key columns that lead no index (a cascade on them would read the whole table)."""
    definitions = indexes(model).values()
    return [
        field.column
        for field in model._meta.concrete_fields
        if field.is_relation and not any(f"btree ({field.column}" in definition for definition in definitions)
    ]
