from django.apps import AppConfig


class RulesConfig(AppConfig):
    name = "otklik.rules"
    label = "rules"
    verbose_name = "Rules"
