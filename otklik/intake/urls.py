"""The intake's pages, and the namespaces they share with surveys and cases.

The public answer pages and the complaint pages moved here from surveys and cases without changing a URL or
a URL name: "surveys:answer" and "cases:create" read as before. Django allows one include per namespace,
so the root URLconf includes the joined lists below (and joins imports' complaints page into "cases").
"""

from django.urls import path

from otklik.cases import urls as case_urls
from otklik.intake import complaint_views, views
from otklik.surveys import urls as survey_urls

answer_urlpatterns = [
    # Public: what customers open from a link, a QR code or an invitation.
    path("s/<str:survey_key>/<str:touchpoint_key>/", views.answer, name="answer"),
    path("s/<str:survey_key>/<str:touchpoint_key>/thanks/", views.thanks, name="thanks"),
    path("i/<str:token>/", views.invitation, name="invitation"),
    path("r/<str:token>/<str:site>/", views.review, name="review"),
]

complaint_urlpatterns = [
    path("cases/new/", complaint_views.case_create, name="create"),
    path("cases/<int:case_id>/assign/", complaint_views.case_assign, name="assign"),
]

surveys_namespace = (answer_urlpatterns + case_urls.survey_urlpatterns + survey_urls.urlpatterns, "surveys")
