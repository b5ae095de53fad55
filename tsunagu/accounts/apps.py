from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "tsunagu.accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from tsunagu.accounts import receivers  # noqa: F401  (connects the signal receivers)
