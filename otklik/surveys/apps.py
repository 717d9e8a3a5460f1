from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "otklik.surveys"
    label = "surveys"
