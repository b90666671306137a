from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "yiwang.portal"
    label = "portal"
    verbose_name = "门户"

    def ready(self) -> None:
        # The license PDF is laid out here (HTML and fonts live in the portal) and served
        # by the licenses API too, which may not import the portal: it asks this renderer
        # through licenses.documents (docs/licenses.md "PDF").
        from yiwang.licenses.documents import register_pdf_renderer
        from yiwang.portal.pdf import render_license

        register_pdf_renderer(render_license)
