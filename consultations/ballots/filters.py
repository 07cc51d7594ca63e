"""FilterSets shared by the ballot pages and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from communities.filters import DivisionSubtreeFilter

from . import choices
from .models import Ballot, BallotOption, Elector, RulePolicy, Vote


class RulePolicyFilter(django_filters.FilterSet):
    division = DivisionSubtreeFilter(path_lookup="division__path")

    class Meta:
        model = RulePolicy
        fields = ["division"]


class BallotFilter(django_filters.FilterSet):
    division = DivisionSubtreeFilter(path_lookup="compound__division__path")
    compound = django_filters.NumberFilter(field_name="compound_id", label=_("Compound"))
    project = django_filters.NumberFilter(field_name="project_id", label=_("Project"))
    status = django_filters.ChoiceFilter(choices=choices.BallotStatus.choices, label=_("Status"))
    kind = django_filters.ChoiceFilter(choices=choices.BallotKind.choices, label=_("Kind"))
    q = django_filters.CharFilter(method="search", label=_("Search"))

    class Meta:
        model = Ballot
        fields = ["division", "compound", "project", "status", "kind", "secret"]

    def search(self, qs, name, value):
        return qs.filter(Q(title__icontains=value) | Q(compound__name__icontains=value)) if value else qs


class BallotOptionFilter(django_filters.FilterSet):
    ballot = django_filters.NumberFilter(field_name="ballot_id")

    class Meta:
        model = BallotOption
        fields = ["ballot"]


class ElectorFilter(django_filters.FilterSet):
    ballot = django_filters.NumberFilter(field_name="ballot_id")
    voted = django_filters.BooleanFilter(
        field_name="vote", lookup_expr="isnull", exclude=True, label=_("Voted")
    )

    class Meta:
        model = Elector
        fields = ["ballot", "voted", "building_name", "unit", "has_veto"]


class VoteFilter(django_filters.FilterSet):
    ballot = django_filters.NumberFilter(field_name="ballot_id")
    channel = django_filters.ChoiceFilter(choices=choices.VoteChannel.choices)

    class Meta:
        model = Vote
        fields = ["ballot", "channel"]
