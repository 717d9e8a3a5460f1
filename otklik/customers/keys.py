"""Foreign keys checked once per statement, for the tables an import fills a row at a time (ADR 0043).

PostgreSQL checks a declared foreign key with one query per written row: a million order lines
cost two million lookups and locks of their order and product, half of the first import's main
statement (ADR 0035). On PostgreSQL the keys listed here are not declared (the migrations that
call `migration_operation` drop them) but kept by triggers:

- on the referencing table, after an INSERT statement, the distinct keys it wrote (its transition
  table) are locked in the referenced table (`FOR KEY SHARE`, as PostgreSQL's own check locks them)
  in one query, and one that is missing fails the statement with PostgreSQL's foreign-key error
  (SQLSTATE 23503, Django's IntegrityError); an UPDATE that changes a key is checked the same way
  for that row (rare; an UPDATE that leaves the keys alone is not checked, as PostgreSQL's own);
- on the referenced table, a deleted row that is still referenced at the commit fails it the same
  way (PostgreSQL's NO ACTION, per deleted row as PostgreSQL's own: deletes are rare, and Django's
  deletion collector may delete a referenced row before the rows that reference it); so does a
  TRUNCATE that leaves references to the emptied table.

A referenced row locked by an import cannot be deleted until it commits, and the delete then sees
the import's rows (each query of the trigger takes a fresh snapshot at READ COMMITTED, Django's
level); a row deleted first is found missing by the import's lock, which waits for the delete to
commit. Nothing here needs more than the tables' owner.

The models still say these are foreign keys with a constraint, and on SQLite they are declared ones as
before: only PostgreSQL's import writes a million rows at once. Django alters a foreign key's constraint
only when one is found (`strict=False`), so a later migration of these fields finds none and adds none.
"""

# (referencing table, its key column, referenced table): each key points at the referenced table's `id`.
KEYS = [
    ("customers_purchaseline", "purchase_id", "customers_purchase"),
    ("customers_purchaseline", "product_id", "customers_product"),
    ("customers_purchase", "organization_id", "accounts_organization"),
    ("customers_purchase", "customer_id", "customers_customer"),
    ("customers_purchase", "product_id", "customers_product"),
    ("customers_purchase", "location_id", "accounts_location"),
]
INVITATION_KEYS = [
    ("outreach_scheduledinvitation", "organization_id", "accounts_organization"),
    ("outreach_scheduledinvitation", "customer_id", "customers_customer"),
    ("outreach_scheduledinvitation", "purchase_id", "customers_purchase"),
]
# Keys an import leaves empty (NULL) in every row it writes. Declared, PostgreSQL queued a check per inserted
# row even for a NULL: 5 000 calls a column in a 25 000-line chunk, about 0.3 s of a million-line first import
# (ADR 0078). Per statement, a NULL costs a pass over the statement's transition table, once per column.
EMPTY_KEYS = [
    ("customers_purchase", "employee_id", "auth_user"),
]
EMPTY_INVITATION_KEYS = [
    ("outreach_scheduledinvitation", "invitation_id", "surveys_invitation"),
    ("outreach_scheduledinvitation", "decided_by_id", "auth_user"),
    ("outreach_scheduledinvitation", "survey_id", "surveys_survey"),
]

FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION otklik_key_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
-- After a referenced row is deleted (at the commit, as PostgreSQL's NO ACTION), or after a TRUNCATE statement:
-- TG_ARGV = referencing table, key column.
DECLARE
    found text;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN  -- fires after every table of the statement is emptied
        EXECUTE format('SELECT c.%2$I::text FROM %1$I c WHERE c.%2$I IS NOT NULL LIMIT 1', TG_ARGV[0], TG_ARGV[1])
        INTO found;
    ELSE
        EXECUTE format('SELECT c.%2$I::text FROM %1$I c WHERE c.%2$I = $1 LIMIT 1', TG_ARGV[0], TG_ARGV[1])
        INTO found USING OLD.id;
    END IF;
    IF found IS NOT NULL THEN
        RAISE EXCEPTION 'update or delete on table "%" violates foreign key "%" on table "%"',
            TG_TABLE_NAME, TG_NAME, TG_ARGV[0]
            USING ERRCODE = 'foreign_key_violation',
                  DETAIL = format('Key (id)=(%s) is still referenced from table "%s".', found, TG_ARGV[0]);
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION otklik_key_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
-- Before an UPDATE that sets a referenced row's id: the referenced key never changes (Django never does it).
BEGIN
    IF NEW.id IS DISTINCT FROM OLD.id THEN
        RAISE EXCEPTION 'the id of a row of "%" cannot change: rows reference it', TG_TABLE_NAME
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NEW;
END
$$;
"""


# How the functions below look their keys up: one probe of the referenced table's primary key per key,
# never a hash or merge join over the whole table. PL/pgSQL plans a query once per session and keeps the
# plan; planned while the referenced table was small (an organization's first import: its first chunk), a
# hash join read the whole table on every later statement, which grows with each chunk: every chunk of a
# million-line import read all the orders and customers stored before it (quadratic; ADR 0077). A probe per
# key costs the same at any table size, as PostgreSQL's own foreign-key check does per row.
PLANNED = "SET enable_hashjoin = off SET enable_mergejoin = off SET enable_seqscan = off"

# After an INSERT statement on the referencing table. One function per key, with static SQL, so that
# PL/pgSQL plans its queries once per session: a single-row INSERT pays for the check, not for planning it
# (with `EXECUTE format(…)` each statement re-planned two queries, about 0.1 ms a key on a loaded machine).
WRITTEN = (
    r"""
CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql """
    + PLANNED
    + r""" AS $$
DECLARE
    wanted bigint;
    locked bigint;
    missing text;
BEGIN
    WITH keys AS MATERIALIZED (SELECT DISTINCT n.{column} AS id FROM otklik_new n WHERE n.{column} IS NOT NULL),
         locked AS MATERIALIZED (SELECT r.id FROM {parent} r JOIN keys ON r.id = keys.id FOR KEY SHARE OF r)
    SELECT (SELECT count(*) FROM keys), (SELECT count(*) FROM locked) INTO wanted, locked;
    IF wanted <> locked THEN
        SELECT n.{column}::text INTO missing FROM otklik_new n
        WHERE n.{column} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {parent} r WHERE r.id = n.{column}) LIMIT 1;
        RAISE EXCEPTION 'insert or update on table "%" violates foreign key "%"', TG_TABLE_NAME, TG_NAME
            USING ERRCODE = 'foreign_key_violation',
                  DETAIL = format('Key ({column})=(%s) is not present in table "{parent}".', missing);
    END IF;
    RETURN NULL;
END
$$
"""
)
# After an UPDATE of a row whose key changed (the trigger's WHEN clause, evaluated without calling it, as
# PostgreSQL skips its own check when the key stays): rare, so per row. An UPDATE that leaves the keys alone
# (the dispatcher marking invitations sent, the re-import's updates) costs nothing, as before.
CHANGED = (
    r"""
CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql """
    + PLANNED
    + r""" AS $$
BEGIN
    PERFORM 1 FROM {parent} r WHERE r.id = NEW.{column} FOR KEY SHARE OF r;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'insert or update on table "%" violates foreign key "%"', TG_TABLE_NAME, TG_NAME
            USING ERRCODE = 'foreign_key_violation',
                  DETAIL = format('Key ({column})=(%s) is not present in table "{parent}".', NEW.{column});
    END IF;
    RETURN NULL;
END
$$
"""
)


def _name(child: str, column: str, what: str) -> str:
    return f"otklik_key_{child}_{column}_{what}"


def _declared(child: str, column: str) -> str:
    """The declared foreign keys of `child` on `column`, as the names of pg_constraint (SQL)."""
    return (
        f"SELECT conname FROM pg_constraint WHERE conrelid = '{child}'::regclass AND contype = 'f' "
        f"AND conkey = ARRAY[(SELECT attnum FROM pg_attribute WHERE attrelid = '{child}'::regclass "
        f"AND attname = '{column}')]"
    )


def create_sql(keys: list[tuple[str, str, str]]) -> list[str]:
    """The statements that drop the declared `keys` and make the triggers that keep them (and their functions)."""
    statements = [FUNCTIONS]
    for child, column, parent in keys:
        function, changed = _name(child, column, "written"), _name(child, column, "changed")
        statements += [
            WRITTEN.format(function=function, column=column, parent=parent),
            f"DO $$ DECLARE name text; BEGIN FOR name IN {_declared(child, column)} LOOP "
            f"EXECUTE format('ALTER TABLE {child} DROP CONSTRAINT %I', name); END LOOP; END $$",
            f"CREATE TRIGGER {_name(child, column, 'ins')} AFTER INSERT ON {child} "
            f"REFERENCING NEW TABLE AS otklik_new FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
            CHANGED.format(function=changed, column=column, parent=parent),
            f"CREATE TRIGGER {_name(child, column, 'upd')} AFTER UPDATE ON {child} FOR EACH ROW "
            f"WHEN (NEW.{column} IS DISTINCT FROM OLD.{column} AND NEW.{column} IS NOT NULL) "
            f"EXECUTE FUNCTION {changed}()",
            # Per deleted row and at the commit, as PostgreSQL's own check: Django's deletion collector may
            # delete a referenced row before the rows that reference it, in the same transaction.
            f"CREATE CONSTRAINT TRIGGER {_name(child, column, 'del')} AFTER DELETE ON {parent} "
            "DEFERRABLE INITIALLY DEFERRED "
            f"FOR EACH ROW EXECUTE FUNCTION otklik_key_deleted('{child}', '{column}')",
            f"CREATE TRIGGER {_name(child, column, 'trunc')} AFTER TRUNCATE ON {parent} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION otklik_key_deleted('{child}', '{column}')",
        ]
    for parent in sorted({parent for _child, _column, parent in keys}):
        statements.append(
            f"CREATE OR REPLACE TRIGGER otklik_key_{parent}_fixed BEFORE UPDATE OF id ON {parent} "
            "FOR EACH ROW EXECUTE FUNCTION otklik_key_fixed()"
        )
    return statements


def replan_sql(keys: list[tuple[str, str, str]], *, planned: bool = True) -> list[str]:
    """The statements that give the existing functions of `keys` the way they plan (PLANNED), or take it away.

    For a database whose functions were made before PLANNED: the same functions, made again.
    """
    statements = []
    for child, column, parent in keys:
        for what, template in [("written", WRITTEN), ("changed", CHANGED)]:
            function = _name(child, column, what)
            statements.append(
                template.format(function=function, column=column, parent=parent)
                if planned
                else f"ALTER FUNCTION {function}() RESET ALL"
            )
    return statements


def replan_operation(keys: list[tuple[str, str, str]]):
    """A RunPython that makes the functions of `keys` plan as PLANNED (reversed: as before), on PostgreSQL only."""
    from django.db import migrations

    def run(schema_editor, planned: bool) -> None:
        if schema_editor.connection.vendor == "postgresql":
            for statement in replan_sql(keys, planned=planned):
                schema_editor.execute(statement, params=None)

    return migrations.RunPython(
        lambda apps, schema_editor: run(schema_editor, True), lambda apps, schema_editor: run(schema_editor, False)
    )


def drop_sql(keys: list[tuple[str, str, str]]) -> list[str]:
    """The statements that declare `keys` again and drop their triggers (the shared functions and id guards stay)."""
    statements = []
    for child, column, parent in keys:
        statements += [
            f"ALTER TABLE {child} ADD CONSTRAINT otklik_fk_{child}_{column} FOREIGN KEY ({column}) "
            f"REFERENCES {parent} (id) DEFERRABLE INITIALLY DEFERRED",
            f"DROP TRIGGER IF EXISTS {_name(child, column, 'ins')} ON {child}",
            f"DROP TRIGGER IF EXISTS {_name(child, column, 'upd')} ON {child}",
            f"DROP TRIGGER IF EXISTS {_name(child, column, 'del')} ON {parent}",
            f"DROP TRIGGER IF EXISTS {_name(child, column, 'trunc')} ON {parent}",
            f"DROP FUNCTION IF EXISTS {_name(child, column, 'written')}()",
            f"DROP FUNCTION IF EXISTS {_name(child, column, 'changed')}()",
        ]
    return statements


def migration_operation(keys: list[tuple[str, str, str]]):
    """A RunPython that makes (or, reversed, removes) the triggers, on PostgreSQL only."""
    from django.db import migrations

    def forward(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in create_sql(keys):
                schema_editor.execute(statement, params=None)

    def backward(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in drop_sql(keys):
                schema_editor.execute(statement, params=None)

    return migrations.RunPython(forward, backward)
