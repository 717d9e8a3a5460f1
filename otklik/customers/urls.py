from django.urls import path

from otklik.customers import public_views, views

app_name = "customers"
urlpatterns = [
    path("customers/", views.customer_list, name="list"),
    path("customers/<int:customer_id>/", views.customer_card, name="card"),
    path("customers/<int:customer_id>/tags/", views.customer_tag_add, name="tag_add"),
    path("customers/<int:customer_id>/tags/<int:tag_id>/remove/", views.customer_tag_remove, name="tag_remove"),
    path("products/", views.product_list, name="products"),
    path("products/<int:product_id>/", views.product_edit, name="product_edit"),
    path("u/<str:token>/", public_views.unsubscribe, name="unsubscribe"),
    path("hooks/<str:channel>/<str:secret>/", public_views.channel_hook, name="channel_hook"),
]
