"""The real URLs plus one view that fails, to see what a visitor gets from a 500."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from yiwang.urls import urlpatterns as real_urlpatterns


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("secret detail that must not reach the page")


urlpatterns = [path("boom/", boom), *real_urlpatterns]

handler404 = "yiwang.portal.views.not_found"
handler500 = "yiwang.portal.views.server_error"
