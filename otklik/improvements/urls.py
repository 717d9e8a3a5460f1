from django.urls import path

from otklik.improvements import views

app_name = "improvements"

urlpatterns = [
    path("improvements/", views.improvement_list, name="list"),
    path("improvements/new/", views.improvement_create, name="create"),
    path("improvements/chronic/", views.chronic_problems, name="chronic"),
    path("improvements/<int:improvement_id>/", views.improvement_detail, name="detail"),
    path("improvements/<int:improvement_id>/edit/", views.improvement_edit, name="edit"),
    path("improvements/<int:improvement_id>/link/", views.improvement_link, name="link"),
    path("improvements/<int:improvement_id>/unlink/<int:case_id>/", views.improvement_unlink, name="unlink"),
    path("improvements/<int:improvement_id>/complete/", views.improvement_complete, name="complete"),
    # POSTs from the panel on the case page.
    path("improvements/cases/<int:case_id>/contact/", views.case_contact, name="case_contact"),
    path("improvements/cases/<int:case_id>/link/", views.case_link, name="case_link"),
]
