from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "otklik.dashboard"
    label = "dashboard"
