from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportersConfig(AppConfig):
    name = "tsunagu.supporters"
    label = "supporters"
    verbose_name = _("Supporters")

    def ready(self) -> None:
        from tsunagu.cases.models import Case
        from tsunagu.cases.signals import timeline_read
        from tsunagu.supporters.selectors import case_timeline_activities

        timeline_read.connect(
            case_timeline_activities, sender=Case, dispatch_uid="supporters-case-timeline"
        )
