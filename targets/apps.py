from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TargetsConfig(AppConfig):
    name = "targets"
    verbose_name = _("Programmes and targets")

    def ready(self):
        from training import needs

        from .needs import IndicatorNeeds
        from .results import connect_version_bumps

        connect_version_bumps()
        needs.register(IndicatorNeeds())
