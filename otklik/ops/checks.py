"""`otklik check --deploy`: a missing or weak secret key is an error there, not a warning to scroll past."""

from django.core import checks

from otklik.ops.secret import secret_key_problem


@checks.register(checks.Tags.security, deploy=True)
def secret_key_configured(app_configs, **kwargs) -> list[checks.CheckMessage]:
    problem = secret_key_problem()
    return [checks.Error(problem, id="otklik.E001")] if problem else []


@checks.register(checks.Tags.security)
def trusted_proxies_valid(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """A misspelt proxy address would otherwise stop the web server only when its first worker loads."""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    from otklik.ops.proxies import parse_networks

    try:
        parse_networks(settings.OTKLIK_TRUSTED_PROXIES)
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="otklik.E002")]
    return []
