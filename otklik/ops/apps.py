from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Running Otklik in production: the secret key, proxies, health, metrics, backup and restore."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "otklik.ops"
    verbose_name = "Operations"

    def ready(self):
        from otklik.ops import checks  # noqa: F401  (registers the deployment checks)
