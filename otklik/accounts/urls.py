from django.urls import path

from otklik.accounts import views

app_name = "accounts"
urlpatterns = [
    path("account/password/", views.password_change, name="password_change"),
    path("password-reset/", views.password_reset, name="password_reset"),
    path("password-reset/sent/", views.password_reset_done, name="password_reset_done"),
    path("password-reset/<uidb64>/<token>/", views.password_reset_confirm, name="password_reset_confirm"),
    path("account/setup/<uidb64>/<token>/", views.password_setup, name="password_setup"),
    path("account/organization/", views.organization_switch, name="organization_switch"),
    path("organizations/new/", views.organization_create, name="organization_create"),
    path("settings/api-tokens/", views.api_tokens, name="api_tokens"),
    path("settings/api-tokens/<int:token_id>/revoke/", views.api_token_revoke, name="api_token_revoke"),
    path("join/<str:token>/", views.invitation_join, name="join"),
    path("logo/<slug:slug>/", views.organization_logo, name="logo"),
]
