"""Public credit publicity pages, mounted at /credit/."""

from django.urls import path

from yiwang.portal import views_credit as views

app_name = "credit"
urlpatterns = [
    path("", views.search, name="search"),
    path("enterprises/<str:uscc>/", views.enterprise, name="enterprise"),
    path("lists/<str:kind>/", views.listing, name="list"),
]
