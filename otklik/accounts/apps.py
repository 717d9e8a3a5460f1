from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "otklik.accounts"
    label = "accounts"
