"""The audit app: access log, change history and their screens."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "tsunagu.audit"
    verbose_name = _("Audit")

    def ready(self) -> None:
        from tsunagu.audit.history import history_register
        from tsunagu.audit.receivers import credentials_reset_record
        from tsunagu.tenancy.signals import credentials_reset

        history_register()
        credentials_reset.connect(credentials_reset_record, dispatch_uid="audit_credentials")
