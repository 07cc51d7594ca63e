from __future__ import annotations

from rest_framework import serializers

from ..choices import MenuChoice
from ..models import HouseholdCard, MenuItem, MenuSurvey


class HouseholdCardSerializer(serializers.ModelSerializer):
    household_label = serializers.CharField(source="household.label", read_only=True)
    compound = serializers.IntegerField(source="household.building.compound_id", read_only=True)

    class Meta:
        model = HouseholdCard
        fields = ["id", "household", "household_label", "compound", "version", "issued_at"]


class PrintCardsSerializer(serializers.Serializer):
    compound = serializers.IntegerField(required=False)
    building = serializers.IntegerField(required=False)
    reissue = serializers.BooleanField(default=False)

    def validate(self, attrs):
        if not attrs.get("compound") and not attrs.get("building"):
            raise serializers.ValidationError({"compound": "Say which compound or building."})
        return attrs


class ReissueCardSerializer(serializers.Serializer):
    household = serializers.IntegerField()


class IssuedCardSerializer(serializers.Serializer):
    household = serializers.IntegerField()
    code = serializers.CharField()
    url = serializers.CharField()
    version = serializers.IntegerField()


class HouseholdCodeSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text="The household code from the card (or the X-Household-Code header)."
    )


class MenuItemSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="catalog_item.name", read_only=True)
    category = serializers.CharField(source="catalog_item.category", read_only=True)
    included = serializers.BooleanField(source="is_included", read_only=True)

    class Meta:
        model = MenuItem
        fields = [
            "id",
            "catalog_item",
            "name",
            "category",
            "included",
            "explanation",
            "resident_share",
            "work_item",
        ]
        read_only_fields = ["id", "work_item"]


class MenuSurveySerializer(serializers.ModelSerializer):
    items = MenuItemSerializer(many=True, read_only=True)

    class Meta:
        model = MenuSurvey
        fields = [
            "id", "project", "compound", "title", "intro", "status", "closes_at", "threshold_percent",
            "threshold_basis", "opened_at", "closed_at", "created_at", "items",
        ]  # fmt: skip
        read_only_fields = fields


class MenuItemInSerializer(serializers.Serializer):
    catalog_item = serializers.IntegerField()
    explanation = serializers.CharField(required=False, allow_blank=True, max_length=300)
    resident_share = serializers.DecimalField(
        max_digits=10, decimal_places=2, required=False, allow_null=True
    )


class MenuSurveyCreateSerializer(serializers.Serializer):
    project = serializers.IntegerField()
    compound = serializers.IntegerField()
    title = serializers.CharField(max_length=200)
    intro = serializers.CharField(required=False, allow_blank=True)
    closes_at = serializers.DateTimeField()
    items = MenuItemInSerializer(many=True)


class AnswersSerializer(serializers.Serializer):
    answers = serializers.DictField(
        child=serializers.ChoiceField(choices=MenuChoice.choices), help_text="{menu item id: choice}"
    )


class PaperAnswersSerializer(AnswersSerializer):
    household = serializers.IntegerField()


class ReportInSerializer(serializers.Serializer):
    category = serializers.CharField()
    content = serializers.CharField(max_length=2000)
    photos = serializers.ListField(child=serializers.ImageField(), required=False, max_length=10)


class RatingSerializer(serializers.Serializer):
    rating = serializers.CharField()


class SlotChoiceSerializer(serializers.Serializer):
    slot = serializers.IntegerField()
