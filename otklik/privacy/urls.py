"""The privacy actions' URLs. They keep their names in the `customers` namespace (`customers:export`,
`customers:erase`): otklik/urls.py includes them together with the customer pages."""

from django.urls import path

from otklik.privacy import views

urlpatterns = [
    path("customers/<int:customer_id>/export/", views.customer_export, name="export"),
    path("customers/<int:customer_id>/erase/", views.customer_erase, name="erase"),
]
