"""FilterSets shared by the project pages and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from communities.filters import DivisionSubtreeFilter

from . import choices
from .models import (
    BranchActivity,
    BranchMember,
    CatalogItem,
    CommandoTeam,
    FundingLine,
    GateException,
    HouseholdAssignment,
    Milestone,
    PartyBranch,
    PartyGroup,
    Programme,
    Project,
    ProjectParty,
    UtilityWork,
    WorkItem,
)


class ProgrammeFilter(django_filters.FilterSet):
    division = DivisionSubtreeFilter(path_lookup="district__path")
    # by id: a ModelChoiceFilter answered 400 for a missing district and 200 for a foreign one
    district = django_filters.NumberFilter(field_name="district_id")
    year = django_filters.NumberFilter()

    class Meta:
        model = Programme
        fields = ["division", "year", "district"]


class ProjectFilter(django_filters.FilterSet):
    division = DivisionSubtreeFilter(path_lookup="division__path")
    year = django_filters.NumberFilter(label=_("Year"))
    status = django_filters.ChoiceFilter(choices=choices.ProjectStatus.choices, label=_("Status"))
    category = django_filters.ChoiceFilter(choices=choices.ProjectCategory.choices, label=_("Category"))
    programme = django_filters.NumberFilter(field_name="programme_id", label=_("Programme"))
    compound = django_filters.NumberFilter(field_name="compounds", label=_("Compound"), distinct=True)
    is_key_project = django_filters.BooleanFilter(label=_("Key project"))
    q = django_filters.CharFilter(method="search", label=_("Search"))

    class Meta:
        model = Project
        fields = ["division", "year", "status", "category", "programme", "compound", "is_key_project"]

    def search(self, qs, name, value):
        if not value:
            return qs
        return qs.filter(Q(name__icontains=value) | Q(compounds__name__icontains=value)).distinct()


def _fk_as_number(filterset, model_, names) -> None:
    """Foreign keys filter by id (a ModelChoiceFilter would fetch, unscoped, to validate)."""
    for name in names:
        if model_._meta.get_field(name).is_relation:
            f = django_filters.NumberFilter(field_name=f"{name}_id")
            filterset.base_filters[name] = f


def _project_child_filter(model_, extra=()):
    class ChildFilter(django_filters.FilterSet):
        division = DivisionSubtreeFilter(path_lookup="project__division__path")
        project = django_filters.NumberFilter(field_name="project_id")
        year = django_filters.NumberFilter(field_name="project__year")
        status = django_filters.ChoiceFilter(
            field_name="project__status", choices=choices.ProjectStatus.choices
        )

        class Meta:
            model = model_
            fields = ["division", "project", "year", "status", *extra]

    _fk_as_number(ChildFilter, model_, extra)
    ChildFilter.__name__ = f"{model_.__name__}Filter"
    return ChildFilter


WorkItemFilter = _project_child_filter(WorkItem, ["catalog_item"])
# `category` on a work item is its catalog item's (basic / improvement / upgrade), as in the serializer
WorkItemFilter.base_filters["category"] = django_filters.ChoiceFilter(
    field_name="catalog_item__category", choices=choices.CatalogCategory.choices
)
FundingLineFilter = _project_child_filter(FundingLine, ["source"])
ProjectPartyFilter = _project_child_filter(ProjectParty, ["role"])
MilestoneFilter = _project_child_filter(Milestone)
UtilityWorkFilter = _project_child_filter(UtilityWork, ["kind"])


class CatalogItemFilter(django_filters.FilterSet):
    category = django_filters.ChoiceFilter(choices=choices.CatalogCategory.choices)
    group = django_filters.NumberFilter(field_name="groups", distinct=True)

    class Meta:
        model = CatalogItem
        fields = ["category", "group", "is_active"]


class PartyBranchFilter(django_filters.FilterSet):
    division = DivisionSubtreeFilter(path_lookup="division__path")
    project = django_filters.NumberFilter(field_name="project_id")
    kind = django_filters.ChoiceFilter(choices=choices.BranchKind.choices)
    year = django_filters.NumberFilter(field_name="project__year")
    status = django_filters.ChoiceFilter(field_name="project__status", choices=choices.ProjectStatus.choices)

    class Meta:
        model = PartyBranch
        fields = ["division", "project", "kind", "year", "status"]


def _branch_child_filter(model_, extra=()):
    class ChildFilter(django_filters.FilterSet):
        division = DivisionSubtreeFilter(path_lookup="branch__division__path")
        branch = django_filters.NumberFilter(field_name="branch_id")
        project = django_filters.NumberFilter(field_name="branch__project_id")
        year = django_filters.NumberFilter(field_name="branch__project__year")
        status = django_filters.ChoiceFilter(
            field_name="branch__project__status", choices=choices.ProjectStatus.choices
        )

        class Meta:
            model = model_
            fields = ["division", "branch", "project", "year", "status", *extra]

    _fk_as_number(ChildFilter, model_, extra)
    ChildFilter.__name__ = f"{model_.__name__}Filter"
    return ChildFilter


BranchMemberFilter = _branch_child_filter(BranchMember, ["role"])
PartyGroupFilter = _branch_child_filter(PartyGroup, ["building"])
CommandoTeamFilter = _branch_child_filter(CommandoTeam, ["kind"])
HouseholdAssignmentFilter = _branch_child_filter(HouseholdAssignment, ["member", "household"])
BranchActivityFilter = _branch_child_filter(BranchActivity, ["kind"])


class GateExceptionFilter(django_filters.FilterSet):
    project = django_filters.NumberFilter(field_name="project_id")
    division = DivisionSubtreeFilter(path_lookup="project__division__path")
    gate = django_filters.CharFilter()
    in_force = django_filters.BooleanFilter(field_name="withdrawn_at", lookup_expr="isnull")

    class Meta:
        model = GateException
        fields = ["project", "division", "gate", "in_force"]
