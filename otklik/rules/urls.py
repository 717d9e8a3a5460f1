from django.urls import path

from otklik.rules import views

app_name = "rules"
urlpatterns = [
    path("rules/", views.rule_list, name="list"),
    path("rules/new/", views.rule_create, name="create"),
    path("rules/limits/", views.compensation_limits, name="limits"),
    path("rules/<int:rule_id>/", views.rule_edit, name="edit"),
    path("rules/<int:rule_id>/toggle/", views.rule_toggle, name="toggle"),
]
