"""Make every organization's rollups due for reconciliation at the worker's next loop (docs/decisions/0069).

The tag rollups gained rows for the answers no theme holds ("other", reserved theme ids ≤ 0); a reconciliation
counts them from the stored tags and analyses, so instead of asking the operator for `otklik rollups rebuild`,
the last reconciliation is moved back past its interval (as 0008 did). Until it runs, /insights/ reads no "other"
rows and shows no "Other" line.
"""

import datetime

from django.db import migrations
from django.db.models import F

# RECONCILE_EVERY (rollups.services) as it is when this migration was written.
INTERVAL = datetime.timedelta(hours=24)


def make_due(apps, schema_editor):
    state = apps.get_model("rollups", "RollupState")
    state.objects.filter(reconciled_at__isnull=False).update(reconciled_at=F("reconciled_at") - INTERVAL)


class Migration(migrations.Migration):
    dependencies = [("rollups", "0010_tag_rollup_place_statistics"), ("insights", "0006_answer_other_reason")]

    operations = [migrations.RunPython(make_due, migrations.RunPython.noop)]
