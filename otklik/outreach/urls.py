from django.urls import path

from otklik.outreach import views

app_name = "outreach"

urlpatterns = [
    path("outreach/", views.scheduled_list, name="list"),
    path("outreach/queue/", views.queue, name="queue"),
    path("outreach/queue/<int:scheduled_id>/date/", views.scheduled_set_date, name="set_date"),
    path("outreach/queue/<int:scheduled_id>/send/", views.scheduled_send, name="send"),
    path("outreach/queue/<int:scheduled_id>/edit/", views.scheduled_edit, name="edit"),
    path("outreach/queue/<int:scheduled_id>/cancel/", views.scheduled_cancel, name="cancel"),
    path("outreach/settings/", views.outreach_settings, name="settings"),
    path("outreach/rules/", views.rule_list, name="rules"),
    path("outreach/rules/new/", views.rule_create, name="rule_create"),
    path("outreach/rules/<int:rule_id>/", views.rule_edit, name="rule_edit"),
    path("outreach/rules/<int:rule_id>/past/", views.rule_apply_to_past, name="rule_apply_to_past"),
    path("outreach/tasks/", views.task_list, name="tasks"),
    path("outreach/tasks/<int:task_id>/done/", views.task_done, name="task_done"),
]
