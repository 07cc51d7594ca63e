"""Declared serializers of the overview API (the schema lists every figure with its type)."""

from __future__ import annotations

from rest_framework import serializers

from .. import figures as F


def _figure_field(key: str) -> serializers.Field:
    if key in F.MONEY_KEYS:
        return serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=key in F.NULLABLE_KEYS)
    return serializers.IntegerField(allow_null=key in F.NULLABLE_KEYS)


FiguresSerializer = type(
    "OverviewFiguresSerializer",
    (serializers.Serializer,),
    {
        "__doc__": "Raw counts and sums of a place and year (see supervision/overview/figures.py).",
        **{key: _figure_field(key) for key in F.KEYS},
    },
)


class RateSerializer(serializers.Serializer):
    numerator = serializers.DecimalField(max_digits=20, decimal_places=2)
    denominator = serializers.DecimalField(max_digits=20, decimal_places=2)
    percent = serializers.DecimalField(
        max_digits=7,
        decimal_places=1,
        allow_null=True,
        help_text="Rounded toward the comparison with line_percent when there is one.",
    )
    line_percent = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    reaches_line = serializers.BooleanField(allow_null=True)


RatesSerializer = type(
    "OverviewRatesSerializer",
    (serializers.Serializer,),
    {key: RateSerializer() for key in F.RATE_LABELS},
)


class FunnelSerializer(serializers.Serializer):
    received = serializers.IntegerField()
    accepted = serializers.IntegerField()
    planned = serializers.IntegerField()
    resolved = serializers.IntegerField()
    declined = serializers.IntegerField()


class DerivedSerializer(serializers.Serializer):
    funding_planned = serializers.DecimalField(max_digits=20, decimal_places=2)
    funding_received = serializers.DecimalField(max_digits=20, decimal_places=2)
    planned_per_household = serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True)
    mean_rounds_to_accept = serializers.DecimalField(max_digits=6, decimal_places=1, allow_null=True)
    no_answer_yet = serializers.IntegerField()
    consent_pending = serializers.IntegerField()
    rect_open = serializers.IntegerField()
    rect_overdue = serializers.IntegerField()
    completion_base = serializers.IntegerField()
    completion_base_kind = serializers.ChoiceField(choices=["target", "plan"])
    funnel = FunnelSerializer()


class PlaceSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["division", "compound"])
    id = serializers.IntegerField()
    name = serializers.CharField()
    level = serializers.CharField(help_text="The division level, or 'compound'.")


class OverviewSerializer(serializers.Serializer):
    place = PlaceSerializer()
    year = serializers.IntegerField()
    as_of = serializers.DateTimeField(allow_null=True, help_text="When the rollups were last refreshed.")
    figures = FiguresSerializer()
    rates = RatesSerializer()
    derived = DerivedSerializer()


class ChildSerializer(serializers.Serializer):
    place = PlaceSerializer()
    figures = FiguresSerializer()
    rates = RatesSerializer()
    derived = DerivedSerializer()


class ChildrenSerializer(serializers.Serializer):
    place = PlaceSerializer()
    year = serializers.IntegerField()
    as_of = serializers.DateTimeField(allow_null=True)
    ordering = serializers.CharField(allow_blank=True, help_text="The column sorted worst first, if any.")
    results = ChildSerializer(many=True)


class QuerySerializer(serializers.Serializer):
    division = serializers.IntegerField(min_value=1)
    year = serializers.IntegerField(min_value=2000, max_value=2100, required=False)


class ChildrenQuerySerializer(QuerySerializer):
    ordering = serializers.ChoiceField(choices=F.COLUMN_KEYS, required=False, help_text="Sort worst first by")


class RefreshSerializer(serializers.Serializer):
    division = serializers.IntegerField(min_value=1)
    year = serializers.IntegerField(min_value=2000, max_value=2100, required=False)


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()
