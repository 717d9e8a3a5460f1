from django.urls import path

from otklik.insights import views

app_name = "insights"
urlpatterns = [
    path("insights/", views.index, name="index"),
    path("insights/discover/", views.discover, name="discover"),
    path("insights/merge/", views.merge, name="merge"),
    path("insights/themes/<int:theme_id>/", views.theme_detail, name="theme"),
    path("insights/themes/<int:theme_id>/rename/", views.theme_rename, name="rename"),
    path("insights/themes/<int:theme_id>/pin/", views.theme_pin, name="pin"),
    path("insights/themes/<int:theme_id>/ban/", views.theme_ban, name="ban"),
    path("insights/themes/<int:theme_id>/split/", views.theme_split, name="split"),
    path("insights/themes/<int:theme_id>/department/", views.theme_department, name="department"),
    path("insights/words/", views.profanity_words, name="profanity_words"),
    path("insights/departments/", views.departments, name="departments"),
    path("insights/departments/<int:department_id>/", views.department_edit, name="department_edit"),
    path("answers/<int:response_id>/", views.answer_detail, name="answer"),
]
