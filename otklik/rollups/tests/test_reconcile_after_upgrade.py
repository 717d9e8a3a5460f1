"""Upgrades that need a reconciliation make every organization's rollups due: rollups 0008 (an answer's count
moved to the worker), 0009 (the case rollups by segment start empty)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from otklik.accounts.models import Organization
from otklik.rollups.services import organizations_due

UPGRADES = [
    ("0007_segment_rollups", "0008_reconcile_after_upgrade"),
    ("0008_reconcile_after_upgrade", "0009_case_segment_rollups"),
]


@pytest.mark.parametrize(("before", "after"), UPGRADES)
@pytest.mark.django_db(transaction=True)
def test_an_organization_reconciled_just_before_the_upgrade_is_due_right_after(before, after):
    BEFORE, AFTER = [("rollups", before)], [("rollups", after)]
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    accounts = [node for node in executor.loader.graph.leaf_nodes() if node[0] == "accounts"]
    old = executor.loader.project_state([*BEFORE, *accounts]).apps
    organization = old.get_model("accounts", "Organization").objects.create(name="Old shop", slug="old-shop")
    never = old.get_model("accounts", "Organization").objects.create(name="New shop", slug="new-shop")
    old.get_model("rollups", "RollupState").objects.create(
        organization=organization,
        time_zone=organization.time_zone,
        reconciled_at=timezone.now(),
        case_policies="medium:24/120",
    )
    assert list(organizations_due().values_list("pk", flat=True)) == [never.pk]
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    assert set(organizations_due().values_list("pk", flat=True)) == {organization.pk, never.pk}
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert Organization.objects.filter(pk=organization.pk).exists()
