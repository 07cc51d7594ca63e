from django.db.models import OuterRef, Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.decorators import action
from rest_framework.response import Response

from communities.api.base import IdempotentCreateMixin, ScopedModelViewSet, ScopedReadOnlyViewSet
from communities.models import Building
from communities.querysets import count_of

from .. import filters, services
from ..models import (
    BranchActivity,
    BranchMember,
    CatalogGroup,
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
from . import serializers as s


def _money(totals: dict) -> dict:
    """Funding totals with amounts as decimal strings, like every money field of the API."""
    return {
        "by_source": [
            {**r, "planned": str(r["planned"]), "received": str(r["received"])} for r in totals["by_source"]
        ],
        "planned": str(totals["planned"]),
        "received": str(totals["received"]),
    }


class ContactPhonesMixin:
    """Phones of members and parties: in full for roles that see unmasked data (each answer that
    shows some is logged), masked for everyone else. See services.sees_contact_phones."""

    phone_object_type = ""

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["unmasked_phones"] = services.sees_contact_phones(self.request.user)
        return context

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        data = getattr(response, "data", None)
        if (
            request.method == "GET"
            and response.status_code == 200
            and isinstance(data, dict)
            and services.sees_contact_phones(request.user)
        ):
            rows = data.get("results", [data])
            shown = [_Shown(r["id"], r.get("phone", "")) for r in rows if isinstance(r, dict) and "id" in r]
            services.record_contact_phones_shown(request.user, self.phone_object_type, shown, request=request)
        return response


class _Shown:
    def __init__(self, pk, phone):
        self.pk, self.phone = pk, phone


class CatalogItemViewSet(ScopedReadOnlyViewSet):
    """The shipped national catalog (read-only over the API; district admins edit it in the admin)."""

    queryset = CatalogItem.objects.prefetch_related(
        Prefetch("groups", queryset=CatalogGroup.objects.select_related("scheme"))
    )
    serializer_class = s.CatalogItemSerializer
    filterset_class = filters.CatalogItemFilter
    search_fields = ["code", "name"]
    ordering_fields = ["code", "category", "order"]


class ProgrammeViewSet(ScopedModelViewSet):
    queryset = Programme.objects.select_related("district").prefetch_related("compounds")
    serializer_class = s.ProgrammeSerializer
    filterset_class = filters.ProgrammeFilter
    search_fields = ["name"]
    ordering_fields = ["year", "name"]

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .annotate(
                compound_count=count_of(Programme.compounds.through.objects.filter(programme=OuterRef("pk"))),
                project_count=count_of(Project.objects.filter(programme=OuterRef("pk"))),
            )
            .order_by("-year", "name")
        )

    @action(detail=True, methods=["get"])
    def funding(self, request, pk=None):
        """Funding per source over the programme's projects (those the caller may see)."""
        programme = self.get_object()
        totals = services.funding_totals(
            FundingLine.objects.filter(
                project__programme=programme, project__in=Project.objects.for_user(request.user).values("pk")
            )
        )
        return Response(_money(totals))


class ProjectViewSet(ScopedModelViewSet):
    queryset = Project.objects.select_related("division", "programme").prefetch_related("compounds")
    serializer_class = s.ProjectSerializer
    filterset_class = filters.ProjectFilter
    search_fields = ["name", "compounds__name"]
    ordering_fields = ["name", "year", "status", "created_at", "planned_start"]

    def get_queryset(self):
        return super().get_queryset().with_totals()

    def perform_create(self, serializer):
        instance = serializer.save()
        # answer with the derived figures too
        serializer.instance = self.get_queryset().get(pk=instance.pk)

    def perform_update(self, serializer):
        instance = serializer.save()
        serializer.instance = self.get_queryset().get(pk=instance.pk)

    @extend_schema(request=s.TransitionSerializer, responses=s.ProjectSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """Move the project along its lifecycle; a refused move answers 409 with the reason."""
        project = self.get_object()
        data = s.TransitionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.transition_project(
            project, data.validated_data["to"], request.user, data.validated_data["note"]
        )
        project = self.get_queryset().get(pk=project.pk)
        return Response(self.get_serializer(project).data)

    @extend_schema(responses=s.ChecklistSerializer)
    @action(detail=True, methods=["get"])
    def checklist(self, request, pk=None):
        """What residents decided, as the gates see it (DESIGN.md §7): each gated step with its items,
        their state (met, missing, district exception, not required) and the refusal it would answer."""
        project = self.get_object()
        return Response(s.ChecklistSerializer({"steps": services.project_checklist(project)}).data)

    @action(detail=True, methods=["get"], url_path="dig-once")
    def dig_once(self, request, pk=None):
        """Utility works grouped by zone, with the pairs that would dig the same ground twice."""
        project = self.get_object()
        zones = services.dig_zones(project.utility_works.select_related("party"))
        return Response(
            {
                "zones": [
                    {
                        "zone": z.zone,
                        "start": z.start,
                        "end": z.end,
                        "common_window": z.common_window,
                        "works": [w.pk for w in z.works],
                        "conflicts": [
                            {"first": c.first.pk, "second": c.second.pk, "gap_days": c.gap_days}
                            for c in z.conflicts
                        ],
                    }
                    for z in zones
                ],
                "conflict_count": sum(len(z.conflicts) for z in zones),
            }
        )

    @action(detail=True, methods=["get"])
    def funding(self, request, pk=None):
        project = self.get_object()
        return Response(_money(services.funding_totals(FundingLine.objects.filter(project=project))))


class WorkItemViewSet(ScopedModelViewSet):
    queryset = WorkItem.objects.select_related("catalog_item")
    serializer_class = s.WorkItemSerializer
    filterset_class = filters.WorkItemFilter
    search_fields = ["name"]
    ordering_fields = ["planned_start", "budget", "progress"]

    @extend_schema(request=s.ProgressSerializer, responses=s.WorkItemSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def progress(self, request, pk=None):
        """Report progress (editors, and the accounts of the project's construction unit)."""
        item = self.get_object()
        data = s.ProgressSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.set_work_item_progress(item, data.validated_data["progress"], request.user)
        return Response(self.get_serializer(item).data)


class FundingLineViewSet(ScopedModelViewSet):
    queryset = FundingLine.objects.all()
    serializer_class = s.FundingLineSerializer
    filterset_class = filters.FundingLineFilter
    ordering_fields = ["source", "planned", "received"]


class ProjectPartyViewSet(ContactPhonesMixin, ScopedModelViewSet):
    phone_object_type = "projects.projectparty"
    queryset = ProjectParty.objects.prefetch_related("users")
    serializer_class = s.ProjectPartySerializer
    filterset_class = filters.ProjectPartyFilter
    search_fields = ["name", "contact_person"]


class MilestoneViewSet(ScopedModelViewSet):
    queryset = Milestone.objects.all()
    serializer_class = s.MilestoneSerializer
    filterset_class = filters.MilestoneFilter
    ordering_fields = ["planned_date", "actual_date"]


class UtilityWorkViewSet(ScopedModelViewSet):
    queryset = UtilityWork.objects.all()
    serializer_class = s.UtilityWorkSerializer
    filterset_class = filters.UtilityWorkFilter
    ordering_fields = ["zone", "window_start"]


class PartyBranchViewSet(ScopedModelViewSet):
    queryset = (
        PartyBranch.objects.prefetch_related("compounds", "members")
        .with_counts()
        .order_by("-established_on", "name", "pk")
    )
    serializer_class = s.PartyBranchSerializer
    filterset_class = filters.PartyBranchFilter
    search_fields = ["name"]
    ordering_fields = ["established_on", "name"]

    def perform_create(self, serializer):
        instance = serializer.save()
        serializer.instance = self.get_queryset().get(pk=instance.pk)

    @extend_schema(request=None, responses=s.PartyGroupSerializer(many=True))
    @action(detail=True, methods=["post"], url_path="groups-per-building")
    def groups_per_building(self, request, pk=None):
        """Set up one Party group for every building of the branch's compounds that has none."""
        branch = self.get_object()
        created = services.groups_per_building(branch, request.user)
        return Response(
            s.PartyGroupSerializer(created, many=True, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @action(detail=True, methods=["get"])
    def coverage(self, request, pk=None):
        """Households assigned per building and per member, and those nobody is assigned to."""
        branch = self.get_object()
        cov = services.coverage(branch)
        unassigned = services.unassigned_households(branch)[:500]
        return Response(
            {
                "total": cov.total,
                "assigned": cov.assigned,
                "unassigned": cov.unassigned,
                "percent": cov.percent,
                "by_building": cov.by_building,
                "by_member": [
                    {"member": r["member"].pk, "name": r["member"].name, "households": r["households"]}
                    for r in cov.by_member
                ],
                "unassigned_households": [{"id": h.pk, "label": h.label} for h in unassigned],
            }
        )


class BranchMemberViewSet(ContactPhonesMixin, IdempotentCreateMixin, ScopedModelViewSet):
    phone_object_type = "projects.branchmember"
    queryset = BranchMember.objects.annotate(
        household_count=count_of(HouseholdAssignment.objects.filter(member=OuterRef("pk")))
    ).order_by("branch", services.member_rank(), "name", "pk")
    serializer_class = s.BranchMemberSerializer
    filterset_class = filters.BranchMemberFilter
    search_fields = ["name", "organization"]
    ordering_fields = ["role", "name"]


class PartyGroupViewSet(ScopedModelViewSet):
    queryset = PartyGroup.objects.prefetch_related("members")
    serializer_class = s.PartyGroupSerializer
    filterset_class = filters.PartyGroupFilter


class CommandoTeamViewSet(ScopedModelViewSet):
    queryset = CommandoTeam.objects.prefetch_related("members")
    serializer_class = s.CommandoTeamSerializer
    filterset_class = filters.CommandoTeamFilter


class HouseholdAssignmentViewSet(IdempotentCreateMixin, ScopedModelViewSet):
    queryset = HouseholdAssignment.objects.select_related("household__building", "member")
    serializer_class = s.HouseholdAssignmentSerializer
    filterset_class = filters.HouseholdAssignmentFilter
    keyset_ordering = ("branch_id", "household_id")  # unique together

    @extend_schema(request=s.BulkAssignSerializer, responses={200: dict})
    @action(detail=False, methods=["post"])
    def bulk(self, request):
        """Assign a building (or one of its units, or listed households) to one member at once."""
        data = s.BulkAssignSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        v = data.validated_data
        building = v.get("building")
        if building is not None:
            building = get_object_or_404(Building.objects.for_user(request.user), pk=building.pk)
        result = services.bulk_assign(
            v["branch"],
            v["member"],
            request.user,
            building=building,
            unit=v.get("unit") or None,
            households=v.get("households") if building is None else None,
            reassign=v["reassign"],
        )
        return Response(result, status=status.HTTP_200_OK)


class BranchActivityViewSet(IdempotentCreateMixin, ScopedModelViewSet):
    queryset = BranchActivity.objects.prefetch_related("attendees")
    serializer_class = s.BranchActivitySerializer
    filterset_class = filters.BranchActivityFilter
    search_fields = ["topic"]
    ordering_fields = ["date"]


class GateExceptionViewSet(ScopedReadOnlyViewSet):
    """District exceptions to a project's gate items (flat: `?project=`). District admins over the
    project record one (POST, with the reason) and withdraw one (POST .../withdraw/); the row stays."""

    queryset = GateException.objects.select_related("project")
    serializer_class = s.GateExceptionSerializer
    filterset_class = filters.GateExceptionFilter
    ordering_fields = ["granted_at"]

    def create(self, request, *args, **kwargs):
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        exception = services.record_gate_exception(
            data["project"], data["gate"], request.user, reason=data["reason"]
        )
        return Response(self.get_serializer(exception).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.WithdrawSerializer, responses=s.GateExceptionSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        exception = self.get_object()
        ser = s.WithdrawSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        exception = services.withdraw_gate_exception(
            exception, request.user, reason=ser.validated_data["reason"]
        )
        return Response(self.get_serializer(exception).data)
