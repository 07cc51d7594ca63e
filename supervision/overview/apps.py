from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OverviewConfig(AppConfig):
    """The programme overview (驾驶舱): rollups per division and year, the page, the API and the
    ledgers. It reads every app; no other app imports it (DESIGN.md §8)."""

    name = "supervision.overview"
    label = "overview"
    verbose_name = _("Programme overview")

    def ready(self) -> None:
        from . import signals

        signals.connect()
