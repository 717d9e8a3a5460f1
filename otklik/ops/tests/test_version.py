from importlib import metadata

from otklik.ops.health import version


def test_the_version_is_the_installed_packages(db):
    assert version() == metadata.version("otklik")


def test_staff_pages_show_the_version_in_the_footer(login, world):
    page = login(world.manager).get("/account/notifications/").content.decode()
    assert f'<span id="version">Otklik {version()}</span>' in page


def test_the_login_page_does_not(client, db):
    assert 'id="version"' not in client.get("/login/").content.decode()
