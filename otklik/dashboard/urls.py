from django.urls import path

from otklik.dashboard import metrics_views, people_views, report_views, views

app_name = "dashboard"
urlpatterns = [
    path("", views.home, name="home"),
    path("answers/", views.answers, name="answers"),
    path("metrics/", metrics_views.metrics_page, name="metrics"),
    path("people/", people_views.people_page, name="people"),
    path("report/", report_views.report_page, name="report"),
    path("report/pdf/", report_views.report_pdf, name="report_pdf"),
]
