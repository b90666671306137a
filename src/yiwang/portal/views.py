from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "portal/error.html", {"message": "页面不存在"}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/error.html", {"message": "服务器内部错误，请稍后再试"}, status=500)
