"""The invitation's keys an import writes per order, kept per statement on PostgreSQL (otklik/customers/keys.py)."""

from django.db import migrations

from otklik.customers.keys import INVITATION_KEYS, migration_operation


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0008_purchase_keys_per_statement"),
        ("outreach", "0003_hunt_rule_covers_from"),
    ]

    operations = [migration_operation(INVITATION_KEYS)]
