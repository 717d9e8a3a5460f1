from django.urls import path

from otklik.dashboard import views

app_name = "dashboard"
urlpatterns = [
    path("", views.home, name="home"),
    path("answers/", views.answers, name="answers"),
]
