"""`otklik check --deploy`: a missing or weak secret key is an error there, not a warning to scroll past."""

from django.core import checks

from otklik.ops.secret import secret_key_problem


@checks.register(checks.Tags.security, deploy=True)
def secret_key_configured(app_configs, **kwargs) -> list[checks.CheckMessage]:
    problem = secret_key_problem()
    return [checks.Error(problem, id="otklik.E001")] if problem else []
