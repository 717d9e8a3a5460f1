from django.urls import path

from otklik.publication import views

app_name = "publication"
urlpatterns = [
    path("publication/", views.moderation, name="moderation"),
    path("publication/propose/<int:case_id>/", views.entry_propose, name="propose"),
    path("publication/entries/<int:entry_id>/edit/", views.entry_edit, name="entry_edit"),
    path("publication/entries/<int:entry_id>/publish/", views.entry_publish, name="entry_publish"),
    path("publication/entries/<int:entry_id>/reject/", views.entry_reject, name="entry_reject"),
    path("publication/handles/", views.book_settings, name="settings"),
    path("publication/stories/", views.story_list, name="stories"),
    path("publication/stories/new/", views.story_new, name="story_new"),
    path("publication/stories/<int:story_id>/", views.story_edit, name="story_edit"),
    path("publication/stories/<int:story_id>/publish/", views.story_publish, name="story_publish"),
    path("book/<slug:org_slug>/", views.book, name="book"),
    path("book/<slug:org_slug>/stories/", views.book_stories, name="book_stories"),
    path("book/<slug:org_slug>/stories/<int:story_id>/leaflet/", views.story_leaflet, name="story_leaflet"),
]
