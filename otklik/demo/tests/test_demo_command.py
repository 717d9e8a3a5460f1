"""The parts of `otklik demo` that need no dataset: logins, the mapping, a missing folder."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from otklik.accounts.models import Organization
from otklik.demo.datasets import NEGATIVE, NEUTRAL, POSITIVE, derived_score
from otklik.demo.services import PASSWORD, demo_logins


@pytest.mark.django_db
def test_print_logins_lists_every_demo_user_and_loads_nothing():
    out = StringIO()
    call_command("demo", "--print-logins", stdout=out)
    text = out.getvalue()
    for login in demo_logins():
        assert login.username in text
    assert PASSWORD in text and "Сбербанк" in text
    assert not Organization.objects.exists()


@pytest.mark.parametrize(("sentiment", "low", "high"), [(NEGATIVE, 0, 6), (NEUTRAL, 7, 8), (POSITIVE, 9, 10)])
def test_derived_score_stays_in_the_label_range_and_uses_all_of_it(sentiment, low, high):
    scores = {derived_score(sentiment=sentiment, key=f"dataset:{n}:company") for n in range(200)}
    assert scores == set(range(low, high + 1))


def test_derived_score_is_stable():
    assert derived_score(sentiment=NEGATIVE, key="a:1:b") == derived_score(sentiment=NEGATIVE, key="a:1:b")


@pytest.mark.django_db
def test_it_rejects_a_missing_datasets_directory(tmp_path):
    with pytest.raises(CommandError, match="OTKLIK_DATASETS_DIR"):
        call_command("demo", "--datasets-dir", str(tmp_path / "nowhere"), stdout=StringIO())
    assert not Organization.objects.exists()


@pytest.mark.django_db
def test_it_rejects_a_folder_without_the_csv_files_and_loads_nothing(tmp_path):
    with pytest.raises(CommandError, match="tweets.csv"):
        call_command("demo", "--datasets-dir", str(tmp_path), stdout=StringIO())
    assert not Organization.objects.exists()


def test_it_reads_the_datasets_dir_from_the_environment(monkeypatch, tmp_path, settings):
    from otklik.demo.datasets import datasets_dir

    settings.OTKLIK_DATASETS_DIR = ""  # the setting, when set, wins over the variable
    monkeypatch.setenv("OTKLIK_DATASETS_DIR", str(tmp_path))
    assert datasets_dir() == tmp_path
