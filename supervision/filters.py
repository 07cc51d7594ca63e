"""FilterSets shared by the supervision pages and the API (NumberFilter on *_id: no extra query)."""

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communities.filters import DivisionSubtreeFilter

from . import choices
from .models import (
    AcceptanceRound,
    Dispute,
    Inspection,
    Photo,
    ProgressReport,
    Rectification,
    SupervisionTeam,
)


class _ProjectFilter(django_filters.FilterSet):
    project = django_filters.NumberFilter(field_name="project_id", label=_("Project"))
    division = DivisionSubtreeFilter(path_lookup="project__division__path")


class SupervisionTeamFilter(_ProjectFilter):
    class Meta:
        model = SupervisionTeam
        fields = ["project", "division"]


class InspectionFilter(_ProjectFilter):
    work_item = django_filters.NumberFilter(field_name="work_item_id")
    result = django_filters.ChoiceFilter(choices=choices.InspectionResult.choices)
    inspector_kind = django_filters.ChoiceFilter(choices=choices.InspectorKind.choices)
    since = django_filters.DateFilter(field_name="inspected_on", lookup_expr="gte", label=_("From"))

    class Meta:
        model = Inspection
        fields = ["project", "division", "work_item", "result", "inspector_kind", "since"]


class ProgressReportFilter(_ProjectFilter):
    work_item = django_filters.NumberFilter(field_name="work_item_id")

    class Meta:
        model = ProgressReport
        fields = ["project", "division", "work_item"]


class RectificationFilter(_ProjectFilter):
    status = django_filters.ChoiceFilter(choices=choices.RectificationStatus.choices, label=_("Status"))
    source = django_filters.ChoiceFilter(choices=choices.RectificationSource.choices, label=_("Source"))
    severity = django_filters.ChoiceFilter(choices=choices.Severity.choices, label=_("Severity"))
    responsible_party = django_filters.NumberFilter(field_name="responsible_party_id")
    acceptance_round = django_filters.NumberFilter(field_name="acceptance_round_id")
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue"))

    class Meta:
        model = Rectification
        fields = ["project", "division", "status", "source", "severity", "responsible_party", "overdue"]

    def filter_overdue(self, qs, name, value):
        if value is None:
            return qs
        overdue = qs.overdue(timezone.localdate())
        return overdue if value else qs.exclude(pk__in=overdue.values("pk"))


class AcceptanceRoundFilter(_ProjectFilter):
    status = django_filters.ChoiceFilter(choices=choices.RoundStatus.choices)

    class Meta:
        model = AcceptanceRound
        fields = ["project", "division", "status"]


class DisputeFilter(_ProjectFilter):
    status = django_filters.ChoiceFilter(choices=choices.DisputeStatus.choices, label=_("Status"))
    compound = django_filters.NumberFilter(field_name="compound_id")

    class Meta:
        model = Dispute
        fields = ["project", "division", "status", "compound"]


class PhotoFilter(_ProjectFilter):
    kind = django_filters.ChoiceFilter(choices=choices.PhotoKind.choices)
    inspection = django_filters.NumberFilter(field_name="inspection_id")
    progress_report = django_filters.NumberFilter(field_name="progress_report_id")
    rectification = django_filters.NumberFilter(field_name="rectification_id")

    class Meta:
        model = Photo
        fields = ["project", "division", "kind", "inspection", "progress_report", "rectification"]
