"""Yiwang's URLs plus one minimal view doing a single INSERT: the framework floor."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from yiwang.urls import handler400, handler403, handler404, handler500  # noqa: F401
from yiwang.urls import urlpatterns as yiwang_urls


@csrf_exempt
def floor(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_floor (payload) VALUES (%s)", [request.body.decode()])
    return HttpResponse(status=201)


urlpatterns = [path("bench/floor", floor), *yiwang_urls]
