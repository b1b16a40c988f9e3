from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchedulesConfig(AppConfig):
    name = "schedules"
    verbose_name = _("Lịch công tác")

    def ready(self):
        from documents import extensions

        from .views import dashboard_panel
        from .views_sending import received_panel

        extensions.PANELS["dashboard"].append(dashboard_panel)
        extensions.PANELS["dashboard"].append(received_panel)
