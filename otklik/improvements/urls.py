from django.urls import path

app_name = "improvements"
urlpatterns: list = []
