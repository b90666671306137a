from django.urls import path, register_converter

from yiwang.portal import (
    views,
    views_centre,
    views_feedback,
    views_kiosk,
    views_licenses,
    views_proofs,
    views_public,
    views_supervision,
    views_supervision_stats,
    views_workbench,
)


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
    # public: the item guide and the case lookup
    path("items/", views_public.item_search, name="items"),
    path("items/<str:code>/", views_public.item_guide, name="item"),
    path("lookup/", views_public.case_lookup, name="lookup"),
    path("public/stars/", views_supervision.public_stars, name="stars"),
    path("public/rankings/", views_supervision.public_rankings, name="rankings"),
    # efficiency supervision: the live monitor, the cards of a unit
    path("supervision/", views_supervision.monitor_page, name="supervision"),
    path("supervision/cards/", views_supervision.card_list, name="supervision-cards"),
    path(
        "supervision/cards/<int:card_id>/answer/",
        views_supervision.card_answer,
        name="supervision-card-answer",
    ),
    # the citizen/enterprise centre
    path("items/<str:code>/apply/", views_centre.apply, name="apply"),
    path("centre/cases/", views_centre.my_cases, name="centre-cases"),
    path("centre/cases/<str:case_no>/", views_centre.case_view, name="centre-case"),
    path(
        "centre/cases/<str:case_no>/submitted/",
        views_centre.submitted,
        name="centre-submitted",
    ),
    path("centre/cases/<str:case_no>/actions/", views_centre.case_action, name="centre-action"),
    path(
        "centre/cases/<str:case_no>/materials/<int:material_id>/",
        views_workbench.applicant_material,
        name="centre-material",
    ),
    path(
        "centre/cases/<str:case_no>/evaluation/",
        views_feedback.centre_rate,
        name="centre-rate",
    ),
    # 好差评: the signed link (no sign-in) and the rectification tasks
    path("rate/<str:token>/", views_feedback.rate_link, name="rate-link"),
    path("rectifications/", views_feedback.rectification_list, name="rectifications"),
    path(
        "rectifications/<int:task_id>/",
        views_feedback.rectification_detail,
        name="rectification",
    ),
    path(
        "rectifications/<int:task_id>/actions/",
        views_feedback.rectification_action,
        name="rectification-action",
    ),
    path(
        "rectifications/<int:task_id>/call-backs/",
        views_feedback.rectification_call_back,
        name="rectification-call-back",
    ),
    path("centre/licenses/", views_licenses.my_licenses, name="centre-licenses"),
    path(
        "centre/licenses/<str:identifier>/pdf/",
        views_licenses.license_pdf,
        name="centre-license-pdf",
    ),
    # online proofs (网上开证明)
    path("centre/proofs/", views_proofs.proofs, name="centre-proofs"),
    path("centre/proofs/<str:kind>/", views_proofs.proof_request, name="centre-proof-request"),
    path("centre/proofs/issued/<str:identifier>/", views_proofs.proof_view, name="centre-proof"),
    path("centre/messages/", views_centre.message_list, name="messages"),
    path("centre/messages/<int:message_id>/read/", views_centre.message_read, name="message-read"),
    # the staff workbench
    path("workbench/", views_workbench.inbox, name="workbench"),
    path("workbench/cases/<str:case_no>/", views_workbench.case_detail, name="workbench-case"),
    path(
        "workbench/cases/<str:case_no>/actions/",
        views_workbench.case_action,
        name="workbench-action",
    ),
    path(
        "workbench/cases/<str:case_no>/materials/<int:material_id>/",
        views_workbench.staff_material,
        name="workbench-material",
    ),
    # the officer's e-license verify page (public) and its service worker (scope /verify/)
    path("verify/", views_licenses.verify_page, name="verify"),
    path("verify/sw.js", views_licenses.verify_service_worker, name="verify-sw"),
    # efficiency supervision: statistics (lane M mounts the monitor under /supervision/)
    path(
        "supervision/statistics/",
        views_supervision_stats.statistics_page,
        name="supervision-statistics",
    ),
    path(
        "supervision/statistics/export.<str:fmt>",
        views_supervision_stats.statistics_export,
        name="supervision-statistics-export",
    ),
    # the hall's self-service terminal
    path("kiosk/", views_kiosk.choose, name="kiosk"),
    path("kiosk/done/", views_kiosk.done, name="kiosk-done"),
    path("kiosk/result/<str:case_no>/", views_kiosk.result, name="kiosk-result"),
    path("kiosk/result/<str:case_no>/rate/", views_feedback.kiosk_rate, name="kiosk-rate"),
    path("kiosk/<str:code>/", views_kiosk.identify, name="kiosk-identify"),
    path("kiosk/<str:code>/confirm/", views_kiosk.confirm, name="kiosk-confirm"),
]
