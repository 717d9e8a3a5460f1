from django.apps import AppConfig


class RollupsConfig(AppConfig):
    name = "otklik.rollups"
    label = "rollups"
