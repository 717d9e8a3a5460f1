from django.urls import path

from otklik.imports import views

app_name = "imports"

urlpatterns = [
    path("imports/", views.import_list, name="list"),
    path("imports/<int:pk>/", views.import_detail, name="detail"),
    path("imports/<int:pk>/progress/", views.import_progress, name="progress"),
    path("imports/template/<str:kind>.csv", views.import_template, name="template"),
]

# The quick complaints page keeps its address and its name in the cases namespace (cases:import), which the
# root URLconf gives it: its view belongs here, above cases, since it reads files with this app.
complaint_urlpatterns = [
    path("cases/import/", views.complaint_import, name="import"),
]
