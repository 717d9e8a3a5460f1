"""Links in QR codes, e-mails and alerts point where Otklik is served (OTKLIK_SITE_URL, or the organization's own)."""

import subprocess
from pathlib import Path

from otklik.accounts.selectors import site_url
from otklik.surveys.selectors import public_url

REPO = Path(__file__).resolve().parents[2]


def test_make_run_points_links_at_the_port_it_serves():
    dry_run = subprocess.run(
        ["make", "--no-print-directory", "-n", "run", "PORT=18802"], cwd=REPO, capture_output=True, text=True
    )
    assert "links and QR codes: http://127.0.0.1:18802;" in dry_run.stdout


def test_a_given_site_url_wins_over_the_port():
    dry_run = subprocess.run(
        ["make", "--no-print-directory", "-n", "run", "PORT=18802", "OTKLIK_SITE_URL=https://otklik.example"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert "links and QR codes: https://otklik.example;" in dry_run.stdout


def test_links_use_the_site_url_setting(world, settings):
    settings.SITE_URL = "http://127.0.0.1:18802"
    assert site_url(organization=world.org) == "http://127.0.0.1:18802"
    assert public_url(survey=world.nps, touchpoint=world.checkout).startswith("http://127.0.0.1:18802/s/")


def test_the_organizations_own_address_wins(world, settings):
    settings.SITE_URL = "http://127.0.0.1:18802"
    world.org.site_url = "https://feedback.acme.example/"
    world.org.save()
    assert public_url(survey=world.nps, touchpoint=world.checkout).startswith("https://feedback.acme.example/s/")
