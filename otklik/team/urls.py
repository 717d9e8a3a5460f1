from django.urls import path

from otklik.team import views

app_name = "team"
urlpatterns = [
    path("team/", views.team, name="team"),
    path("team/members/<int:membership_id>/", views.member_edit, name="member"),
    path("team/invitations/<int:invitation_id>/resend/", views.invitation_resend, name="invitation_resend"),
    path("team/invitations/<int:invitation_id>/cancel/", views.invitation_cancel, name="invitation_cancel"),
    path("settings/", views.organization_settings, name="settings"),
]
