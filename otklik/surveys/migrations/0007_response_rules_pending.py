from django.db import migrations, models

INDEX = models.Index(condition=models.Q(("rules_pending", True)), fields=["id"], name="response_rules_pending")


def create_index(apps, schema_editor):
    # CONCURRENTLY on PostgreSQL: at millions of answers a plain CREATE INDEX would hold up every new answer
    # (the old code keeps serving while `migrate` runs) until it has read the whole table.
    concurrently = " CONCURRENTLY" if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(
        f'CREATE INDEX{concurrently} IF NOT EXISTS "response_rules_pending" '
        'ON "surveys_response" ("id") WHERE "rules_pending"'
    )


def drop_index(apps, schema_editor):
    schema_editor.execute('DROP INDEX IF EXISTS "response_rules_pending"')


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction.
    atomic = False

    dependencies = [
        ("accounts", "0003_member_invitations"),
        ("customers", "0005_orders_with_lines"),
        ("surveys", "0006_response_review_clicks_and_purchase_indexes"),
    ]

    operations = [
        # A database default: adding the column rewrites no existing answer (all of them are processed).
        migrations.AddField(
            model_name="response",
            name="rules_pending",
            field=models.BooleanField(db_default=False, default=False),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddIndex(model_name="response", index=INDEX)],
            database_operations=[migrations.RunPython(create_index, drop_index)],
        ),
    ]
