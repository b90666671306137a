from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "yiwang.notify"
    label = "notify"
    verbose_name = "消息通知"

    def ready(self) -> None:
        from yiwang.accounts.services import account_under_attack
        from yiwang.notify.receivers import tell_owner_of_login_attack

        account_under_attack.connect(tell_owner_of_login_attack, dispatch_uid="notify_login_attack")
