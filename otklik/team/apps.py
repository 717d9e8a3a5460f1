from django.apps import AppConfig


class TeamConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "otklik.team"
    verbose_name = "Team and organization settings"
