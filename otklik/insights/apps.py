from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "otklik.insights"
    label = "insights"
