"""Create the database cache table that the answer rate limit counts in.

settings.CACHES uses Django's DatabaseCache; its table is not a model, so
`migrate` alone would not create it and the first public answer would fail.
createcachetable skips tables that already exist, so this is safe to repeat.
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("surveys", "0001_initial")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
