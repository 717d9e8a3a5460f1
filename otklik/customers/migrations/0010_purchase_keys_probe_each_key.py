"""The order and line keys' checks look each key up in its table's primary key, whatever the table's size then.

See PLANNED in otklik/customers/keys.py: the functions are made again with their planner settings.
"""

from django.db import migrations

from otklik.customers.keys import KEYS, replan_operation


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0009_customer_indexes_without_twins"),
    ]

    operations = [replan_operation(KEYS)]
