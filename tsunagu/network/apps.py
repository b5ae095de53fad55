from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    name = "tsunagu.network"
    verbose_name = _("Partner network")

    def ready(self) -> None:
        from tsunagu.cases.models import RiskFlag
        from tsunagu.cases.signals import risk_raised
        from tsunagu.network.notifications import on_risk_raised

        risk_raised.connect(on_risk_raised, sender=RiskFlag, dispatch_uid="network-risk-flag")
