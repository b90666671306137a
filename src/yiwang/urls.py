from django.contrib import admin
from django.urls import include, path

from yiwang.api.main import api

admin.site.site_header = "一网 · 平台管理"
admin.site.site_title = "一网管理"

urlpatterns = [
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("yiwang.portal.urls")),
]

handler404 = "yiwang.portal.views.not_found"
handler500 = "yiwang.portal.views.server_error"
