from django.http import HttpRequest

from otklik.ops.health import version as installed_version


def version(request: HttpRequest) -> dict[str, str]:
    """The running version, for the staff pages' footer (what to quote in a bug report or an upgrade)."""
    return {"otklik_version": installed_version()}
