from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KaikukantaConfig(AppConfig):
    name = "kaikukanta"
    verbose_name = _("Kaikukanta")
