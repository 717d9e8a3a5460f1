"""Tell PostgreSQL's planner how many places × themes the tag rollups really hold (decision 0053).

Without it the planner multiplies the distinct counts of theme, location and touchpoint (a touchpoint belongs to
one location, so the product overestimates the groups ~25×), expects a hash table larger than `work_mem` and sorts
~65 000 month rows on disk for every theme card instead of grouping them in memory. SQLite has no such statistics.
"""

from django.db import migrations

CREATE = (
    "CREATE STATISTICS IF NOT EXISTS tag_rollup_places (ndistinct) "
    "ON theme_id, location_id, touchpoint_id FROM rollups_tagrollup"
)
DROP = "DROP STATISTICS IF EXISTS tag_rollup_places"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)
        schema_editor.execute("ANALYZE rollups_tagrollup")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("rollups", "0009_case_segment_rollups")]

    operations = [migrations.RunPython(create, drop)]
