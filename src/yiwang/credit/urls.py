"""Public credit publicity pages, mounted at /credit/."""

from django.urls import path  # noqa: F401 - the credit issue fills these in

app_name = "credit"
urlpatterns: list[object] = []
