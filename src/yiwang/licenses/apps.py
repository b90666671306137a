from django.apps import AppConfig


class LicensesConfig(AppConfig):
    name = "yiwang.licenses"
    label = "licenses"
    verbose_name = "电子证照"

    def ready(self) -> None:
        # The case workflow's `issue` action yields licenses through the catalog's result
        # registry (decision 0019); the scope rules register with their selectors.
        from yiwang.catalog.license_materials import register_license_checker
        from yiwang.catalog.results import register_result_issuer
        from yiwang.licenses import selectors  # noqa: F401 - registers the scope rules
        from yiwang.licenses.reuse import check_claims
        from yiwang.licenses.services import issue_for_case

        register_result_issuer("licenses", issue_for_case)
        # Reuse at intake: the case app checks licenses given as materials (decision 0022).
        register_license_checker("licenses", check_claims)
