from django.urls import path

from otklik.cases import survey_views, views

app_name = "cases"
# The rest of /cases/ (a new complaint, an import, a reassignment) and the case rule's forms on the surveys page
# are joined in by intake/urls.py, under the same namespaces.
urlpatterns = [
    path("cases/", views.case_list, name="list"),
    path("cases/<int:case_id>/", views.case_detail, name="detail"),
    path("cases/<int:case_id>/thank/", views.case_thank, name="thank"),
    path("cases/<int:case_id>/apologize/", views.case_apologize, name="apologize"),
    path("cases/<int:case_id>/promise/", views.case_promise, name="promise"),
    path("cases/<int:case_id>/cannot-fix/", views.case_cannot_fix, name="cannot_fix"),
    path("cases/<int:case_id>/fix/", views.case_fix, name="fix"),
    path("cases/<int:case_id>/report/", views.case_report, name="report"),
    path("cases/<int:case_id>/prize/", views.case_prize, name="prize"),
]

# Paths of the surveys page whose forms write the case rule: named in the "surveys" namespace.
survey_urlpatterns = [
    path("surveys/create/", survey_views.survey_create, name="create"),
    path("surveys/<int:survey_id>/rule/", survey_views.survey_rule, name="rule"),
]
