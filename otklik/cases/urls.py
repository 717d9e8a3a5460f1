from django.urls import path

from otklik.cases import views

app_name = "cases"
urlpatterns = [
    path("cases/", views.case_list, name="list"),
    path("cases/new/", views.case_create, name="create"),
    path("cases/<int:case_id>/", views.case_detail, name="detail"),
    path("cases/<int:case_id>/thank/", views.case_thank, name="thank"),
    path("cases/<int:case_id>/apologize/", views.case_apologize, name="apologize"),
    path("cases/<int:case_id>/promise/", views.case_promise, name="promise"),
    path("cases/<int:case_id>/cannot-fix/", views.case_cannot_fix, name="cannot_fix"),
    path("cases/<int:case_id>/fix/", views.case_fix, name="fix"),
    path("cases/<int:case_id>/report/", views.case_report, name="report"),
    path("cases/<int:case_id>/assign/", views.case_assign, name="assign"),
    path("cases/<int:case_id>/prize/", views.case_prize, name="prize"),
]
