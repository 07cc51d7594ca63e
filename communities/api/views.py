from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response

from communities import filters, services
from communities.api.base import IdempotentCreateMixin, ScopedModelViewSet, UnmaskLoggedMixin
from communities.api.filtering import MatchingSearchFilter, ScopedFilterBackend
from communities.api.serializers import (
    BackgroundJobSerializer,
    BuildingSerializer,
    CompoundSerializer,
    DivisionSerializer,
    HouseholdSerializer,
    OwnershipSerializer,
    PersonSerializer,
)
from communities.models import (
    BackgroundJob,
    Building,
    Compound,
    Division,
    Household,
    Ownership,
    Person,
)
from communities.querysets import is_short
from communities.scoping import get_scope


class ServiceWriteMixin:
    """Creates and updates are saved by the same `communities.services.save_*` function as the pages:
    one set of rules, one scope check; deletes go through `services.delete_*` (only empty records).
    A refused change raises DomainError (a readable 400/409 through communities.api.errors) and
    nothing is saved."""

    save_service = None  # services.save_* : (user, instance) -> instance
    delete_service = None  # services.delete_* / remove_* : (user, instance) -> None

    def perform_create(self, serializer):
        self._save(serializer, serializer.Meta.model())

    def perform_update(self, serializer):
        self._save(serializer, serializer.instance)

    def _save(self, serializer, instance):
        names = {f.name for f in type(instance)._meta.fields}
        for name, value in serializer.validated_data.items():
            if name in names:
                setattr(instance, name, value)
        with transaction.atomic():
            serializer.instance = type(self).save_service(self.request.user, instance)

    def perform_destroy(self, instance):
        with transaction.atomic():
            type(self).delete_service(self.request.user, instance)


class DivisionViewSet(ScopedModelViewSet):
    """The division tree. `?division=<id>` lists that division and everything below it."""

    queryset = Division.objects.all()
    serializer_class = DivisionSerializer
    filterset_class = filters.DivisionFilter
    search_fields = ["name", "code"]
    ordering_fields = ["name", "code", "path", "level"]

    def check_object_permissions(self, request, obj):
        super().check_object_permissions(request, obj)
        scope = get_scope(request.user)
        if (
            request.method not in permissions.SAFE_METHODS
            and not scope.is_superuser
            and obj.pk in {g.division_id for g in scope.grants}
        ):
            # the root of one's own scope is changed by the level above, never by oneself
            raise PermissionDenied(_("Your own division is managed by the level above you."))

    def get_serializer(self, *args, **kwargs):
        serializer = super().get_serializer(*args, **kwargs)
        if "parent" in getattr(serializer, "fields", {}):
            serializer.fields["parent"].queryset = Division.objects.editable_by(self.request.user)
        return serializer


class CompoundViewSet(ServiceWriteMixin, ScopedModelViewSet):
    save_service = staticmethod(services.save_compound)
    delete_service = staticmethod(services.delete_compound)
    queryset = Compound.objects.select_related("division").with_counts().order_by("name", "pk")
    serializer_class = CompoundSerializer
    filterset_class = filters.CompoundFilter
    search_fields = ["name", "address"]
    ordering_fields = ["name", "year_built", "created_at", "household_count"]


class BuildingViewSet(ServiceWriteMixin, ScopedModelViewSet):
    save_service = staticmethod(services.save_building)
    delete_service = staticmethod(services.delete_building)
    queryset = Building.objects.all()
    serializer_class = BuildingSerializer
    filterset_class = filters.BuildingFilter
    search_fields = ["name", "compound__name"]
    ordering_fields = ["name", "floor_count"]


class HouseholdViewSet(ServiceWriteMixin, IdempotentCreateMixin, ScopedModelViewSet):
    """Households (flats). POST accepts an `Idempotency-Key` header: a retry returns the first answer."""

    save_service = staticmethod(services.save_household)
    delete_service = staticmethod(services.delete_household)
    queryset = Household.objects.select_related("building")
    serializer_class = HouseholdSerializer
    filterset_class = filters.HouseholdFilter
    keyset_ordering = ("building_id", "unit", "floor", "room", "id")
    search_fields = ["room", "building__name", "building__compound__name"]
    # the address order is the list's own (building, unit, floor, room); unit, floor or room alone mixes
    # buildings, and no index served them (issue 15). By area: the household_area index.
    ordering_fields = ["exclusive_area"]


UNMASK = OpenApiParameter(
    "unmask",
    bool,
    description="Show full phone and ID numbers (roles allowed only; recorded).",
)


@extend_schema_view(list=extend_schema(parameters=[UNMASK]), retrieve=extend_schema(parameters=[UNMASK]))
class PersonViewSet(UnmaskLoggedMixin, ServiceWriteMixin, IdempotentCreateMixin, ScopedModelViewSet):
    """People in the registry. Phone and ID number are masked; `?unmask=true` on a read shows them to
    the roles allowed (settings.UNMASKED_ROLES) and writes an access-log entry; writes answer masked.
    POST accepts `Idempotency-Key`."""

    unmask_object_type = "person"
    unmask_fields = "phone,id_number"

    save_service = staticmethod(services.save_person)
    delete_service = staticmethod(services.delete_person)
    queryset = Person.objects.prefetch_related(Prefetch("ownerships", queryset=Ownership.objects.all()))
    serializer_class = PersonSerializer
    filterset_class = filters.PersonFilter
    keyset_ordering = ("name", "id")
    filter_backends = [ScopedFilterBackend, MatchingSearchFilter, OrderingFilter]
    search_fields = ["name"]  # and a phone's last digits (PersonQuerySet.matching)
    # by name only: created_at had no index, and one on people would slow the roster import (issue 15)
    ordering_fields = ["name"]

    def _search(self) -> str:
        return self.request.query_params.get("search", "").replace("\x00", "").strip()

    def get_keyset_ordering(self):
        # one or two characters match the start of a name: pages in the order of that index
        return ("name_key", "id") if is_short(self._search()) else self.keyset_ordering

    def get_queryset(self):
        q = self._search()
        return super().get_queryset().by_name(q) if is_short(q) else super().get_queryset()


class OwnershipViewSet(ServiceWriteMixin, ScopedModelViewSet):
    save_service = staticmethod(services.save_ownership)
    delete_service = staticmethod(services.remove_ownership)
    queryset = Ownership.objects.select_related("person")
    serializer_class = OwnershipSerializer
    filterset_class = filters.OwnershipFilter
    keyset_ordering = ("household_id", "id")
    # no ?ordering=: kind and since sorted the province's ownerships for one page (issue 15); filter by
    # household or person instead
    ordering_fields: list[str] = []


class BackgroundJobViewSet(viewsets.ReadOnlyModelViewSet):
    """Your background jobs (imports, exports): poll one until `status` is `succeeded` or `failed`."""

    serializer_class = BackgroundJobSerializer
    queryset = BackgroundJob.objects.all()
    filterset_fields = ["kind", "status"]
    ordering_fields = ["created_at"]
    keyset_ordering = ("-created_at", "-id")

    def get_queryset(self):
        qs = super().get_queryset().order_by(*self.keyset_ordering)
        return qs if self.request.user.is_superuser else qs.filter(created_by=self.request.user)

    @extend_schema(request=None, responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        """The job's result file (an export), for API clients; recorded in the access log."""
        from rest_framework.exceptions import NotFound

        from communities.jobs import FileGone, result_response

        try:
            return result_response(self.get_object(), request, reason="api download")
        except FileGone as exc:
            raise NotFound(exc.message) from None

    @extend_schema(request=None, responses={200: BackgroundJobSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel your job: a waiting one never starts, a running one stops within a second and what
        it was writing is rolled back (an import writes nothing). 409 when it has already finished."""
        from communities.jobs import cancel_job

        job = cancel_job(self.get_object(), request.user)
        return Response(self.get_serializer(job).data)

    @extend_schema(request=None, responses={202: BackgroundJobSerializer})
    @action(detail=False, methods=["post"])
    def ping(self, request):
        """Start a trivial job: proves the queue and a worker end to end (the job turns `succeeded`)."""
        from communities.jobs import start_job

        job = start_job(kind="ping", handler="communities.jobs.ping_handler", user=request.user)
        job.refresh_from_db()
        data = self.get_serializer(job).data
        return Response(data, status=status.HTTP_202_ACCEPTED)
