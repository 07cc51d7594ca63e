"""FilterSets shared by the HTML lists and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from communities.filters import DivisionSubtreeFilter, LocalDayFilter

from . import choices
from .models import Deliberation, Meeting, Notice, NoticeObjection, Opinion, Visit


class VisitFilter(django_filters.FilterSet):
    division = DivisionSubtreeFilter(path_lookup="compound__division__path")
    compound = django_filters.NumberFilter(field_name="compound_id", label=_("Compound"))
    building = django_filters.NumberFilter(field_name="household__building_id", label=_("Building"))
    household = django_filters.NumberFilter(field_name="household_id", label=_("Household"))
    project = django_filters.NumberFilter(field_name="project_id", label=_("Project"))
    member = django_filters.NumberFilter(field_name="member_id", label=_("Branch member"))
    visitor = django_filters.NumberFilter(field_name="visitor_id", label=_("Visitor"))
    channel = django_filters.ChoiceFilter(choices=choices.Channel.choices, label=_("Channel"))
    attitude = django_filters.ChoiceFilter(choices=choices.Attitude.choices, label=_("Attitude"))
    since = LocalDayFilter(field_name="visited_at", label=_("From"))
    until = LocalDayFilter(field_name="visited_at", until=True, label=_("Until"))

    class Meta:
        model = Visit
        fields = ["division", "compound", "building", "household", "project", "member", "channel", "attitude"]


class OpinionFilter(django_filters.FilterSet):
    division = DivisionSubtreeFilter(path_lookup="compound__division__path")
    compound = django_filters.NumberFilter(field_name="compound_id", label=_("Compound"))
    household = django_filters.NumberFilter(field_name="household_id", label=_("Household"))
    project = django_filters.NumberFilter(field_name="project_id", label=_("Project"))
    work_item = django_filters.NumberFilter(field_name="work_item_id", label=_("Work item"))
    status = django_filters.MultipleChoiceFilter(choices=choices.OpinionStatus.choices, label=_("Status"))
    category = django_filters.ChoiceFilter(choices=choices.OpinionCategory.choices, label=_("Category"))
    source = django_filters.ChoiceFilter(choices=choices.OpinionSource.choices, label=_("Source"))
    demands = django_filters.BooleanFilter(method="only_demands", label=_("Demand list only"))
    q = django_filters.CharFilter(method="search", label=_("Search"))

    class Meta:
        model = Opinion
        fields = ["division", "compound", "project", "status", "category", "source"]

    def only_demands(self, qs, name, value):
        return qs.filter(status__in=choices.DEMAND_STATUSES) if value else qs

    def search(self, qs, name, value):
        return qs.filter(Q(content__icontains=value) | Q(answer__icontains=value)) if value else qs


class MeetingFilter(django_filters.FilterSet):
    division = DivisionSubtreeFilter(path_lookup="division__path")
    compound = django_filters.NumberFilter(field_name="compound_id", label=_("Compound"))
    project = django_filters.NumberFilter(field_name="project_id", label=_("Project"))
    kind = django_filters.ChoiceFilter(choices=choices.MeetingKind.choices, label=_("Kind"))

    class Meta:
        model = Meeting
        fields = ["division", "compound", "project", "kind"]


class DeliberationFilter(django_filters.FilterSet):
    division = DivisionSubtreeFilter(path_lookup="division__path")
    compound = django_filters.NumberFilter(field_name="compound_id", label=_("Compound"))
    project = django_filters.NumberFilter(field_name="project_id", label=_("Project"))
    status = django_filters.ChoiceFilter(choices=choices.DeliberationStatus.choices, label=_("Status"))

    class Meta:
        model = Deliberation
        fields = ["division", "compound", "project", "status"]


class NoticeFilter(django_filters.FilterSet):
    division = DivisionSubtreeFilter(path_lookup="division__path")
    compound = django_filters.NumberFilter(field_name="compound_id", label=_("Compound"))
    project = django_filters.NumberFilter(field_name="project_id", label=_("Project"))
    status = django_filters.ChoiceFilter(choices=choices.NoticeStatus.choices, label=_("Status"))
    kind = django_filters.ChoiceFilter(choices=choices.NoticeKind.choices, label=_("Kind"))

    class Meta:
        model = Notice
        fields = ["division", "compound", "project", "status", "kind"]


class ObjectionFilter(django_filters.FilterSet):
    notice = django_filters.NumberFilter(field_name="notice_id", label=_("Notice"))
    status = django_filters.ChoiceFilter(choices=choices.ObjectionStatus.choices, label=_("Status"))

    class Meta:
        model = NoticeObjection
        fields = ["notice", "status"]
