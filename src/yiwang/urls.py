from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from yiwang.api.main import api, problem
from yiwang.portal import views as portal_views

admin.site.site_header = "一网 · 平台管理"
admin.site.site_title = "一网管理"

urlpatterns = [
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("credit/", include("yiwang.portal.urls_credit")),
    path("", include("yiwang.portal.urls")),
]


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


# Errors outside any view: the API answers problem+json, the web a Chinese page.
def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return problem(404, "not_found", "未找到", "没有这个接口")
    return portal_views.not_found(request, exception)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return problem(400, "bad_request", "请求格式错误", "请求无法解析")
    return portal_views.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return problem(403, "permission_denied", "无权执行此操作", "无权执行此操作")
    return portal_views.permission_denied(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return problem(500, "internal_error", "服务器内部错误", "请稍后重试，或联系平台运维")
    return portal_views.server_error(request)


handler400 = "yiwang.urls.bad_request"
handler403 = "yiwang.urls.permission_denied"
handler404 = "yiwang.urls.not_found"
handler500 = "yiwang.urls.server_error"
