from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KaikukantaConfig(AppConfig):
    name = "kaikukanta"
    verbose_name = _("Kaikukanta")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from kaikukanta import admin_i18n
        from kaikukanta.middleware import note_activity_at_login

        admin_i18n.install()

        user_logged_in.connect(note_activity_at_login, dispatch_uid="kaikukanta-idle-clock")
