from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    label = "projects"
    verbose_name = _("projects".capitalize())

    def ready(self) -> None:
        from . import household_panel

        household_panel.connect()
