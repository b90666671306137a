from django.urls import path, register_converter

from yiwang.portal import views


class RegionCodeConverter:
    """GB/T 2260 codes (6 digits) and statistical township/village codes (9 or 12)."""

    regex = r"[0-9]{6}(?:[0-9]{3}){0,2}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(RegionCodeConverter, "region_code")

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("directory/", views.directory, name="directory"),
    path("directory/<region_code:code>/", views.region_detail, name="region"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("workspace/", views.workspace, name="workspace"),
]
