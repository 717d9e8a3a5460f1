from django.urls import path

from otklik.sla import views

app_name = "sla"
urlpatterns = [
    path("sla/", views.policies, name="policies"),
    path("account/notifications/", views.preferences, name="preferences"),
]
