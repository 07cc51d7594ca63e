from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BallotsConfig(AppConfig):
    name = "consultations.ballots"
    label = "ballots"
    verbose_name = _("ballots".capitalize())

    def ready(self) -> None:
        # the project's gates whose evidence is a ballot, and the policy holding every gate's numbers
        # (projects sits below this app and cannot import it: DESIGN.md §7, projects/gates.py)
        from projects import gates
        from projects.choices import ProjectStatus

        from . import services

        gates.set_policy_provider(services.project_policy)
        gates.register(
            ProjectStatus.APPROVED, "consent", services.consent_gate, label=_("Residents' consent"), order=10
        )
        gates.register(
            ProjectStatus.APPROVED,
            "owners_decision",
            services.owners_decision_gate,
            label=_("Owners' decision (art. 278)"),
            order=20,
        )
        gates.register(
            ProjectStatus.UNDER_CONSTRUCTION,
            "elevator",
            services.elevator_gate,
            label=_("Elevator ballots"),
            order=10,
        )
