import pytest

from otklik import cli


@pytest.mark.parametrize(
    ("argv", "command"),
    [
        (["serve", "--port", "9000"], ["otklik", "serve", "--port", "9000"]),
        (["worker"], ["otklik", "worker"]),
        (["demo", "--print-logins"], ["otklik", "demo", "--print-logins"]),
        (["api-token", "--org", "acme", "--user", "max"], ["otklik", "api_token", "--org", "acme", "--user", "max"]),
        (["migrate"], ["otklik", "migrate"]),
    ],
)
def test_it_maps_its_subcommands_to_management_commands(monkeypatch, argv, command):
    # run_from_argv closes every database connection when it ends, so the mapping is
    # checked without running the command; the commands have tests of their own.
    seen = []
    monkeypatch.setattr("django.core.management.execute_from_command_line", seen.append)
    cli.main(argv)
    assert seen == [command]
