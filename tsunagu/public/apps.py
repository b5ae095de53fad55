from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicConfig(AppConfig):
    name = "tsunagu.public"
    label = "public"
    verbose_name = _("Public pages")

    def ready(self) -> None:
        from tsunagu.programmes.models import Enrolment
        from tsunagu.programmes.services import moved_up
        from tsunagu.public.services import on_moved_up

        moved_up.connect(on_moved_up, sender=Enrolment, dispatch_uid="public-moved-up")
