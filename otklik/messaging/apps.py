from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "otklik.messaging"
    label = "messaging"
