from django.apps import AppConfig


class PublicationConfig(AppConfig):
    name = "otklik.publication"
    label = "publication"
