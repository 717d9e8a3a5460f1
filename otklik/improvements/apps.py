from django.apps import AppConfig


class ImprovementsConfig(AppConfig):
    name = "otklik.improvements"
    label = "improvements"
