from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from otklik.accounts.views import LoginView
from otklik.cases import urls as case_urls
from otklik.customers import urls as customers_urls
from otklik.imports.urls import complaint_urlpatterns as complaint_import_urlpatterns
from otklik.intake import urls as intake_urls
from otklik.privacy import urls as privacy_urls

urlpatterns = [
    # The surveys and cases namespaces are each joined with the intake's pages of the same names (intake/urls.py).
    # Surveys first: its public answer pages are the busiest URLs, and Django tries the patterns in order (below
    # the others, an answer was matched against some twenty patterns before its own, decision 0033). Every pattern
    # of this namespace starts with s/, i/, r/ or surveys/, which no other one does, so the order changes no match.
    path("", include(intake_urls.surveys_namespace)),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("otklik.accounts.urls")),
    path("", include("otklik.team.urls")),
    path("", include("otklik.team.audit_urls")),
    # cases:import is the imports app's complaints page (imports sits above cases), named as a case page.
    path(
        "",
        include(([*intake_urls.complaint_urlpatterns, *case_urls.urlpatterns, *complaint_import_urlpatterns], "cases")),
    ),
    path("", include("otklik.messaging.urls")),
    path("", include("otklik.api.urls")),
    path("", include("otklik.sla.urls")),
    path("", include("otklik.improvements.urls")),
    path("", include("otklik.publication.urls")),
    path("", include("otklik.rules.urls")),
    # The privacy actions sit on the customer card and keep their names there (customers:export, customers:erase).
    path("", include((customers_urls.urlpatterns + privacy_urls.urlpatterns, "customers"))),
    path("", include("otklik.outreach.urls")),
    path("", include("otklik.imports.urls")),
    path("", include("otklik.dashboard.urls")),
    path("", include("otklik.insights.urls")),
]

if settings.OTKLIK_BENCH_VIEWS:
    from otklik import bench_views

    urlpatterns.insert(0, path("bench/bare/", bench_views.bare))
