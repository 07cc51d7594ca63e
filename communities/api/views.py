from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view

from communities import access, filters
from communities.api.base import ScopedModelViewSet
from communities.api.serializers import (
    BuildingSerializer,
    CompoundSerializer,
    DivisionSerializer,
    HouseholdSerializer,
    OwnershipSerializer,
    PersonSerializer,
    unmask_requested,
)
from communities.models import AccessLog, Building, Compound, Division, Household, Ownership, Person


class DivisionViewSet(ScopedModelViewSet):
    queryset = Division.objects.all()
    serializer_class = DivisionSerializer
    filterset_class = filters.DivisionFilter
    search_fields = ["name", "code"]
    ordering_fields = ["name", "code", "path", "level"]

    def get_serializer(self, *args, **kwargs):
        serializer = super().get_serializer(*args, **kwargs)
        if "parent" in getattr(serializer, "fields", {}):
            serializer.fields["parent"].queryset = Division.objects.editable_by(self.request.user)
        return serializer


class CompoundViewSet(ScopedModelViewSet):
    queryset = Compound.objects.select_related("division").with_counts()
    serializer_class = CompoundSerializer
    filterset_class = filters.CompoundFilter
    search_fields = ["name", "address"]
    ordering_fields = ["name", "year_built", "created_at", "household_count"]


class BuildingViewSet(ScopedModelViewSet):
    queryset = Building.objects.all()
    serializer_class = BuildingSerializer
    filterset_class = filters.BuildingFilter
    search_fields = ["name", "compound__name"]
    ordering_fields = ["name", "floor_count"]


class HouseholdViewSet(ScopedModelViewSet):
    queryset = Household.objects.select_related("building")
    serializer_class = HouseholdSerializer
    filterset_class = filters.HouseholdFilter
    search_fields = ["room", "building__name", "building__compound__name"]
    ordering_fields = ["unit", "floor", "room", "exclusive_area"]


UNMASK = OpenApiParameter(
    "unmask",
    bool,
    description="Show full phone and ID numbers (roles allowed only; recorded).",
)


@extend_schema_view(list=extend_schema(parameters=[UNMASK]), retrieve=extend_schema(parameters=[UNMASK]))
class PersonViewSet(ScopedModelViewSet):
    queryset = Person.objects.prefetch_related(Prefetch("ownerships", queryset=Ownership.objects.all()))
    serializer_class = PersonSerializer
    filterset_class = filters.PersonFilter
    search_fields = ["name"]
    ordering_fields = ["name", "created_at"]

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["unmask"] = unmask_requested(self.request)
        return context

    def finalize_response(self, request, response, *args, **kwargs):
        if (
            request.method == "GET"
            and response.status_code == 200
            and getattr(self, "_unmask_logged", False) is False
            and unmask_requested(request)
        ):
            rows = response.data.get("results", [response.data]) if isinstance(response.data, dict) else []
            ids = [row.get("id") for row in rows if isinstance(row, dict)]
            access.record(
                user=request.user,
                action=AccessLog.Action.REVEAL,
                object_type="person",
                object_ids=ids,
                fields="phone,id_number",
                reason="api unmask",
                request=request,
            )
            self._unmask_logged = True
        return super().finalize_response(request, response, *args, **kwargs)


class OwnershipViewSet(ScopedModelViewSet):
    queryset = Ownership.objects.select_related("person")
    serializer_class = OwnershipSerializer
    filterset_fields = ["household", "person", "kind"]
    ordering_fields = ["kind"]
