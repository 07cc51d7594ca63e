from __future__ import annotations

from rest_framework import serializers

from ..models import HouseholdCard


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
