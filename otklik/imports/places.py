"""Locations a purchases file names that the organization has not set up yet.

A shop's sales export names its stores as its till or accounting system spells them
("Магазин на Ленина", "Downtown"). On its first import those names are rarely set up in
Otklik, and every row naming one used to be refused, so the first file of a real shop
failed whole. The mapping step now chooses (NEW_LOCATIONS): add them as new locations
(the default), or refuse their rows as before.

Adding is done after a first attempt fails, never during it: the PostgreSQL path
validates in a child process that cannot write, and a file whose locations are all set
up (every later file of the shop) pays nothing. The names are read from the location
column once more, the locations are created, and the file is imported again; if that
import still fails, the locations are removed, so a refused file changes nothing
(decision 0079). A check (dry run) creates nothing: it takes the names as provisional.
"""

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from django.db import transaction

from otklik.accounts.models import Location, Organization
from otklik.customers import services as customers
from otklik.imports.cleaning import blank_if_null

if TYPE_CHECKING:
    from otklik.imports.services import ImportReport


def names_not_set_up(organization: Organization, values: Iterable) -> list[str]:
    """The location names among `values` the organization has no location for, each once, as first spelt."""
    known = customers.location_ids(organization)
    found: dict[str, str] = {}
    for value in values:
        name = str(blank_if_null(value) or "").strip()[:200]
        if name and name.lower() not in known:
            found.setdefault(name.lower(), name)
    return list(found.values())


def add_locations(organization: Organization, names: list[str]) -> list[Location]:
    """Create a location for each name; a name another import created meanwhile is not created twice."""
    with transaction.atomic():
        known = customers.location_ids(organization)
        return [
            Location.objects.create(organization=organization, name=name) for name in names if name.lower() not in known
        ]


def remove_locations(added: list[Location]) -> None:
    """Take back the locations an import added before it failed (nothing it wrote refers to them)."""
    Location.objects.filter(pk__in=[location.pk for location in added]).delete()


def imported_with_new_locations(
    names: list[str], *, organization: Organization, run: Callable[[], "ImportReport"]
) -> "ImportReport":
    """`run()` (the import) with the locations `names` added first; they are removed again unless it is written.

    Returns run()'s report with `new_locations` set to the names it added.
    """
    added = add_locations(organization, names)
    try:
        report = run()
    except BaseException:
        remove_locations(added)
        raise
    if not report.written:
        remove_locations(added)
    report.new_locations = [location.name for location in added] if report.written else names
    return report
