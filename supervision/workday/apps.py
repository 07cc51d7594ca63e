from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkdayConfig(AppConfig):
    """A role's working day (issue 13): the home to-do list, search and the access log pages. It reads
    every app; no other app imports it."""

    name = "supervision.workday"
    label = "workday"
    verbose_name = _("Working day")

    def ready(self) -> None:
        from . import household

        household.connect()
