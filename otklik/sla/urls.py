from django.urls import path

from otklik.sla import views

app_name = "sla"
urlpatterns = [
    path("sla/", views.policies, name="policies"),
    path("sla/segments/", views.segment_policy_save, name="segment_save"),
    path("sla/segments/<int:policy_id>/delete/", views.segment_policy_delete, name="segment_delete"),
    path("account/notifications/", views.preferences, name="preferences"),
]
