from django.urls import path

from otklik.api import views
from otklik.api.api import api

app_name = "api"
urlpatterns = [
    path("api/", api.urls),
    path("healthz", views.healthz, name="healthz"),
    path("healthz/metrics", views.metrics, name="metrics"),
]
