import pytest

from otklik import cli
from otklik.accounts.models import ApiToken


def test_it_maps_api_token_to_the_management_command(world, capsys):
    cli.main(["api-token", "--org", "acme", "--user", "max"])
    raw = capsys.readouterr().out.strip()
    assert raw.startswith("otk_")
    assert ApiToken.objects.get().organization == world.org


def test_it_refuses_a_token_for_a_stranger(world):
    with pytest.raises(SystemExit):
        cli.main(["api-token", "--org", "acme", "--user", "stan"])
    assert not ApiToken.objects.exists()
