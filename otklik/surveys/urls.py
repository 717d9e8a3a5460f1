from django.urls import path

from otklik.surveys import views

# Included by intake/urls.py, joined there with the answer pages and the case rule's forms under one namespace.
app_name = "surveys"

urlpatterns = [
    # Public: the QR codes of a link (the answer pages themselves are the intake's: intake/urls.py).
    path("s/<str:survey_key>/<str:touchpoint_key>/qr.svg", views.qr_svg, name="qr_svg"),
    path("s/<str:survey_key>/<str:touchpoint_key>/qr.png", views.qr_png, name="qr_png"),
    # Staff: managers set up surveys, locations and touchpoints and print cards.
    path("surveys/", views.survey_list, name="list"),
    path("surveys/<int:survey_id>/toggle/", views.survey_toggle, name="toggle"),
    path("surveys/<int:survey_id>/card/<int:touchpoint_id>/", views.card, name="card"),
    path("surveys/<int:survey_id>/acts/<int:touchpoint_id>/", views.acts, name="acts"),
    path("surveys/<int:survey_id>/questions/add/", views.question_add, name="question_add"),
    path("surveys/<int:survey_id>/questions/<int:question_id>/move/", views.question_move, name="question_move"),
    path("surveys/<int:survey_id>/questions/<int:question_id>/remove/", views.question_remove, name="question_remove"),
    path("surveys/locations/add/", views.location_add, name="location_add"),
    path("surveys/touchpoints/add/", views.touchpoint_add, name="touchpoint_add"),
]
