from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResidentsConfig(AppConfig):
    """The residents' own page (DESIGN.md §9): household cards, menu-style surveys, problem reports."""

    name = "consultations.residents"
    label = "residents"
    verbose_name = _("Residents' own page")

    def ready(self) -> None:
        from . import household_panels

        household_panels.connect()
