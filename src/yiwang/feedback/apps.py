from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "yiwang.feedback"
    label = "feedback"
    verbose_name = "好差评"

    def ready(self) -> None:
        from yiwang.cases.closing import register_closing_note
        from yiwang.feedback import selectors  # noqa: F401  (registers the scope rules)
        from yiwang.feedback.services import issue_rating_link

        register_closing_note("feedback", issue_rating_link)
