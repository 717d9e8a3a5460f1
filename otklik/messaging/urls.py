from django.urls import path

from otklik.messaging import views

app_name = "messaging"
urlpatterns = [
    path("outbox/", views.outbox, name="outbox"),
    path("outbox/<int:message_id>/", views.outbox_detail, name="outbox_detail"),
    path("templates/", views.templates, name="templates"),
    path("templates/<str:kind>/<str:language>/", views.template_edit, name="template_edit"),
    path("templates/<str:kind>/<str:language>/reset/", views.template_reset, name="template_reset"),
]
