"""The invitation's keys' checks look each key up in its table's primary key, whatever the table's size then.

See PLANNED in otklik/customers/keys.py: the functions are made again with their planner settings.
"""

from django.db import migrations

from otklik.customers.keys import INVITATION_KEYS, replan_operation


class Migration(migrations.Migration):
    dependencies = [
        ("outreach", "0004_invitation_keys_per_statement"),
    ]

    operations = [replan_operation(INVITATION_KEYS)]
