"""The order and line keys an import writes per row, kept per statement on PostgreSQL (otklik/customers/keys.py)."""

from django.db import migrations

from otklik.customers.keys import KEYS, migration_operation


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0007_purchase_raw_digest"),
    ]

    operations = [migration_operation(KEYS)]
