"""The invitation's keys an import leaves empty, kept per statement on PostgreSQL (otklik/customers/keys.py).

Declared, PostgreSQL queued a check per inserted invitation even for a NULL key (ADR 0078).
"""

from django.conf import settings
from django.db import migrations

from otklik.customers.keys import EMPTY_INVITATION_KEYS, migration_operation


class Migration(migrations.Migration):
    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("customers", "0011_employee_key_per_statement"),
        ("outreach", "0005_invitation_keys_probe_each_key"),
        ("surveys", "0010_response_external_id_partial"),
    ]

    operations = [migration_operation(EMPTY_INVITATION_KEYS)]
