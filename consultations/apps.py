from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultationsConfig(AppConfig):
    name = "consultations"
    label = "consultations"
    verbose_name = _("consultations".capitalize())

    def ready(self) -> None:
        # the project's gates whose evidence is a notice, a deliberation or visits (DESIGN.md §7)
        from projects import gates
        from projects.choices import ProjectStatus

        from . import services

        gates.register(
            ProjectStatus.APPROVED, "plan_notice", services.plan_notice_gate, label=_("Plan notice"), order=30
        )
        gates.register(
            ProjectStatus.APPROVED,
            "procedure",
            services.procedure_gate,
            label=_("Deliberation procedure"),
            order=40,
        )
        gates.register(
            ProjectStatus.APPROVED,
            "door_to_door",
            services.door_to_door_gate,
            label=_("Door-to-door visits"),
            order=50,
        )
