"""The audit log page's URL, under its own namespace `audit` (the name `audit:log` predates the move to team)."""

from django.urls import path

from otklik.team import audit_views

app_name = "audit"
urlpatterns = [path("settings/audit/", audit_views.audit_log, name="log")]
