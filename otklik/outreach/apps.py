from django.apps import AppConfig


class OutreachConfig(AppConfig):
    name = "otklik.outreach"
    label = "outreach"
