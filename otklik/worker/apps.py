from django.apps import AppConfig


class WorkerConfig(AppConfig):
    name = "otklik.worker"
    label = "worker"
