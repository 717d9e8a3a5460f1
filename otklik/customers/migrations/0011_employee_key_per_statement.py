"""An order's seller key, which an import leaves empty, kept per statement on PostgreSQL (otklik/customers/keys.py).

Declared, PostgreSQL queued a check per inserted order even for a NULL key (ADR 0078).
"""

from django.conf import settings
from django.db import migrations

from otklik.customers.keys import EMPTY_KEYS, migration_operation


class Migration(migrations.Migration):
    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("customers", "0010_purchase_keys_probe_each_key"),
    ]

    operations = [migration_operation(EMPTY_KEYS)]
