from django.urls import path

from otklik.surveys import views

app_name = "surveys"

urlpatterns = [
    # Public: what customers open from a link, a QR code or an invitation.
    path("s/<str:survey_key>/<str:touchpoint_key>/", views.answer, name="answer"),
    path("s/<str:survey_key>/<str:touchpoint_key>/thanks/", views.thanks, name="thanks"),
    path("s/<str:survey_key>/<str:touchpoint_key>/qr.svg", views.qr_svg, name="qr_svg"),
    path("s/<str:survey_key>/<str:touchpoint_key>/qr.png", views.qr_png, name="qr_png"),
    path("i/<str:token>/", views.invitation, name="invitation"),
    path("r/<str:token>/<str:site>/", views.review, name="review"),
    # Staff: managers set up surveys, locations and touchpoints and print cards.
    path("surveys/", views.survey_list, name="list"),
    path("surveys/create/", views.survey_create, name="create"),
    path("surveys/<int:survey_id>/toggle/", views.survey_toggle, name="toggle"),
    path("surveys/<int:survey_id>/rule/", views.survey_rule, name="rule"),
    path("surveys/<int:survey_id>/card/<int:touchpoint_id>/", views.card, name="card"),
    path("surveys/<int:survey_id>/acts/<int:touchpoint_id>/", views.acts, name="acts"),
    path("surveys/<int:survey_id>/questions/add/", views.question_add, name="question_add"),
    path("surveys/<int:survey_id>/questions/<int:question_id>/move/", views.question_move, name="question_move"),
    path("surveys/<int:survey_id>/questions/<int:question_id>/remove/", views.question_remove, name="question_remove"),
    path("surveys/locations/add/", views.location_add, name="location_add"),
    path("surveys/touchpoints/add/", views.touchpoint_add, name="touchpoint_add"),
]
