"""The audit app: access log, change history and their screens."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "tsunagu.audit"
    verbose_name = _("Audit")

    def ready(self) -> None:
        from tsunagu.audit.history import history_register

        history_register()
