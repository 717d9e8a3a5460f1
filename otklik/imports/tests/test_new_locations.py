"""Locations a sales export names that the organization has not set up (decision 0079).

Before, every row naming such a store was refused, so a shop's first export failed whole. The
files are shaped like till exports (Эвотор's receipts, a Square-like English one); the store
names and codes are made up for the test.
"""

from decimal import Decimal

import pytest

from otklik.accounts.models import Location
from otklik.cli import main
from otklik.customers.models import Purchase
from otklik.imports.models import ImportJob, ImportSettings, ImportStatus
from otklik.imports.tests.test_marketplace_files import (
    command,
    keep_the_test_connection,  # noqa: F401 (a fixture)
    orders,
    recently,
    write_csv,
)
from otklik.imports.tests.test_pages import columns_of, tasks_run_at_once, upload  # noqa: F401 (a fixture)

HEADER = ["Дата и время", "Номер чека", "Магазин", "Наименование", "Код товара", "Количество", "Цена", "Сумма",
          "Номер телефона покупателя"]  # fmt: skip


def receipts(tmp_path, stores: list[str], *, bad_price: bool = False):
    at = recently(3, "%d.%m.%Y %H:%M:%S")
    rows = [HEADER]
    for number, store in enumerate(stores, start=1):
        price = "много" if bad_price and number == len(stores) else "50,00"
        rows.append([at, str(number), store, "Хлеб", "101", "1", price, price, f"+7916000000{number}"])
    return write_csv(tmp_path / "evotor.csv", rows, delimiter=";")


def places(organization) -> dict[str, str]:
    """Each order's location name."""
    return dict(Purchase.objects.filter(organization=organization).values_list("external_id", "location__name"))


def location_names(organization) -> list[str]:
    return sorted(Location.objects.filter(organization=organization).values_list("name", flat=True))


@pytest.mark.django_db
def test_stores_not_set_up_are_added_and_their_orders_placed(world, tmp_path, capsys):
    path = receipts(tmp_path, ["Магазин на Ленина", "main street ", "Магазин на Ленина", "ТЦ Европа", "NA"])
    out = command(path, capsys)
    assert location_names(world.org) == ["Airport", "Main Street", "Магазин на Ленина", "ТЦ Европа"]
    assert places(world.org) == {
        "1": "Магазин на Ленина",
        "2": "Main Street",  # the same store in another case and spacing: not a new one
        "3": "Магазин на Ленина",
        "4": "ТЦ Европа",
        "5": None,  # a null token is no store
    }
    assert "Locations added: Магазин на Ленина, ТЦ Европа." in out
    assert [row[3] for row in orders(world.org)] == [Decimal("50.00")] * 5
    # The same file again: the stores are set up now; nothing is added or changed.
    again = command(path, capsys)
    assert "Locations added" not in again and "Nothing changed" in again
    assert location_names(world.org) == ["Airport", "Main Street", "Магазин на Ленина", "ТЦ Европа"]


@pytest.mark.django_db
def test_refusing_new_stores_refuses_their_rows_and_adds_nothing(world, tmp_path, capsys):
    path = receipts(tmp_path, ["Main Street", "Магазин на Ленина"])
    with pytest.raises(SystemExit):
        main(["import", "purchases", str(path), "--org", "acme", "--new-locations", "refuse"])
    err = capsys.readouterr().err
    assert "Row 3: no location named “Магазин на Ленина”" in err and "nothing was imported" in err
    assert location_names(world.org) == ["Airport", "Main Street"] and not Purchase.objects.exists()


@pytest.mark.django_db
def test_a_file_refused_for_another_row_adds_no_store(world, tmp_path, capsys):
    path = receipts(tmp_path, ["Магазин на Ленина", "Main Street", "ТЦ Европа"], bad_price=True)
    with pytest.raises(SystemExit):
        command(path, capsys)
    err = capsys.readouterr().err
    assert "1 of 3 rows are bad; nothing was imported" in err
    # Only the row that is really bad is listed: the stores would have been added.
    assert "Row 4:" in err and "location" not in err
    assert location_names(world.org) == ["Airport", "Main Street"] and not Purchase.objects.exists()


@pytest.mark.django_db
def test_a_dry_run_names_the_stores_it_would_add_and_adds_none(world, tmp_path, capsys):
    path = receipts(tmp_path, ["Магазин на Ленина", "Main Street"])
    main(["import", "purchases", str(path), "--org", "acme", "--dry-run"])
    out = capsys.readouterr().out
    assert "Locations to be added: Магазин на Ленина." in out and "2 rows checked, none bad" in out
    assert location_names(world.org) == ["Airport", "Main Street"] and not Purchase.objects.exists()


@pytest.mark.django_db
def test_the_mapping_step_says_which_stores_it_adds_and_remembers_the_choice(
    world, login, tmp_path, django_capture_on_commit_callbacks
):
    client = login(world.manager)
    upload(client, receipts(tmp_path, ["Магазин на Ленина", "Main Street"]))
    job = ImportJob.objects.get()
    url = f"/imports/{job.pk}/"
    assert 'id="import-new-locations-choice"' in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {**columns_of(job), "new_locations": "refuse", "action": "check"})
    job.refresh_from_db()
    assert (job.status, job.errors_total, job.locations_added) == (ImportStatus.CHECKED, 1, [])
    assert ImportSettings.objects.get(organization=world.org).new_locations == "refuse"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {**columns_of(job), "new_locations": "add", "action": "check"})
    job.refresh_from_db()
    assert (job.checked, job.locations_added) == (True, ["Магазин на Ленина"])
    page = client.get(url).content.decode()
    assert 'id="import-new-locations"' in page and "Магазин на Ленина" in page
    assert location_names(world.org) == ["Airport", "Main Street"]  # a check adds nothing
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "import"})
    job.refresh_from_db()
    assert (job.status, job.created, job.locations_added) == (ImportStatus.DONE, 2, ["Магазин на Ленина"])
    assert location_names(world.org) == ["Airport", "Main Street", "Магазин на Ленина"]
    assert places(world.org) == {"1": "Магазин на Ленина", "2": "Main Street"}
