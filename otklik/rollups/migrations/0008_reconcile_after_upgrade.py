"""Make every organization's rollups due for reconciliation at the worker's next loop (decisions 0046, 0047).

Answers pending at the upgrade were counted by the old request and are counted again by the worker that now
counts them; the segment rollups start empty. A reconciliation recounts both from the answers, so instead of
asking the operator for `otklik rollups rebuild`, the last reconciliation is moved back past its interval.
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
    dependencies = [("rollups", "0007_segment_rollups")]

    operations = [migrations.RunPython(make_due, migrations.RunPython.noop)]
