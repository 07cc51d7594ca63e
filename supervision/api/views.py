"""Supervision API. Thin viewsets: scoped querysets (outside scope: 404), services for every write
(refusals are 403/409 with a readable message)."""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from communities.api.base import IdempotentCreateMixin, ScopedQuerysetMixin
from communities.jobs import start_job

from .. import filters, services
from ..models import (
    AcceptanceRound,
    Dispute,
    Inspection,
    PanelMember,
    Photo,
    ProgressReport,
    Rectification,
    SupervisionTeam,
    SupervisionTeamMember,
)
from ..permissions import ServiceDecidesWrites
from . import serializers as s

PARSERS = [JSONParser, MultiPartParser, FormParser]


class _Base(ScopedQuerysetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [ServiceDecidesWrites]
    parser_classes = PARSERS

    def create(self, request, *args, **kwargs):
        """Validate with the serializer, write with the service, answer with the read shape."""
        return self._respond(self.perform_service_create(request), status.HTTP_201_CREATED)

    def perform_service_create(self, request):
        raise NotImplementedError

    def _respond(self, obj, code=status.HTTP_200_OK, serializer_class=None):
        obj = self.get_queryset().get(pk=obj.pk)
        cls = serializer_class or self.get_serializer_class()
        return Response(cls(obj, context=self.get_serializer_context()).data, status=code)


class SupervisionTeamViewSet(_Base):
    queryset = SupervisionTeam.objects.select_related("project").prefetch_related(
        Prefetch("members", queryset=SupervisionTeamMember.objects.select_related("person", "branch_member"))
    )
    serializer_class = s.SupervisionTeamSerializer
    filterset_class = filters.SupervisionTeamFilter
    search_fields = ["name", "project__name"]

    def perform_service_create(self, request):
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        team = services.create_team(
            user=request.user,
            project=ser.validated_data["project"],
            name=ser.validated_data.get("name", ""),
            note=ser.validated_data.get("note", ""),
        )
        return team

    @extend_schema(request=s.TeamMemberWriteSerializer, responses=s.SupervisionTeamSerializer)
    @action(detail=True, methods=["post"], url_path="members")
    def add_member(self, request, pk=None):
        team = self.get_object()
        ser = s.TeamMemberWriteSerializer(data=request.data, context=self.get_serializer_context())
        ser.is_valid(raise_exception=True)
        services.add_team_member(user=request.user, team=team, **ser.validated_data)
        return self._respond(team, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=s.SupervisionTeamSerializer)
    @action(detail=True, methods=["post"])
    def join(self, request, pk=None):
        """The caller joins the team as themselves (a Party member of a branch on the project)."""
        team = self.get_object()
        services.join_team(user=request.user, team=team)
        return self._respond(team, status.HTTP_201_CREATED)


class InspectionViewSet(IdempotentCreateMixin, _Base):
    """Inspections from a phone. Send `Idempotency-Key` so a retry on a bad network never duplicates."""

    queryset = Inspection.objects.select_related(
        "project", "work_item", "team_member__person"
    ).prefetch_related(
        Prefetch("photos", queryset=Photo.objects.order_by("pk")),
        Prefetch("rectifications", queryset=Rectification.objects.only("pk", "inspection_id")),
    )
    serializer_class = s.InspectionSerializer
    filterset_class = filters.InspectionFilter
    search_fields = ["findings", "project__name"]
    ordering_fields = ["inspected_on", "created_at"]

    def get_queryset(self):
        qs = super().get_queryset()
        # team_member.name reads the branch member too
        return qs.select_related("team_member__branch_member")

    def perform_service_create(self, request):
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        inspection = services.record_inspection(
            user=request.user,
            project=data["project"],
            work_item=data.get("work_item"),
            findings=data["findings"],
            result=data["result"],
            inspected_on=data.get("inspected_on"),
            inspector_kind=data.get("inspector_kind"),
            photos=data.get("upload", []),
            orders=[services.OrderSpec(**o) for o in data.get("orders", [])],
        )
        return inspection


class ProgressReportViewSet(IdempotentCreateMixin, _Base):
    queryset = ProgressReport.objects.select_related("work_item", "party").prefetch_related("photos")
    serializer_class = s.ProgressReportSerializer
    filterset_class = filters.ProgressReportFilter
    ordering_fields = ["reported_on", "percent"]

    def perform_service_create(self, request):
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        report = services.report_progress(
            user=request.user,
            work_item=data["work_item"],
            percent=data["percent"],
            reported_on=data.get("reported_on"),
            note=data.get("note", ""),
            reason=data.get("reason", ""),
            party=data.get("party"),
            photos=data.get("upload", []),
        )
        return report


class RectificationViewSet(_Base):
    """Rectification orders. Contractors see only their own party's orders (others: 404)."""

    queryset = Rectification.objects.select_related("project", "responsible_party").prefetch_related(
        Prefetch("photos", queryset=Photo.objects.order_by("pk"))
    )
    serializer_class = s.RectificationSerializer
    filterset_class = filters.RectificationFilter
    keyset_ordering = ("deadline", "id")
    search_fields = ["description", "project__name", "responsible_party__name"]
    ordering_fields = ["deadline", "created_at", "severity", "status"]

    def perform_service_create(self, request):
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        spec = services.OrderSpec(
            description=data["description"],
            responsible_party=data["responsible_party"],
            deadline=data["deadline"],
            severity=data.get("severity", "major"),
            work_item=data.get("work_item"),
        )
        order = services.raise_rectification(
            user=request.user,
            project=data["project"],
            spec=spec,
            inspection=data.get("inspection"),
            acceptance_round=data.get("acceptance_round"),
        )
        return order

    @extend_schema(request=None, responses=s.RectificationSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        return self._respond(services.start_rectification(user=request.user, order=self.get_object()))

    @extend_schema(request=s.SubmitSerializer, responses=s.RectificationSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        order = self.get_object()
        ser = s.SubmitSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        order = services.submit_rectification(
            user=request.user,
            order=order,
            response=ser.validated_data["response"],
            photos=ser.validated_data.get("upload", []),
        )
        return self._respond(order)

    @extend_schema(request=None, responses=s.RectificationSerializer)
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        return self._respond(services.verify_rectification(user=request.user, order=self.get_object()))

    @extend_schema(request=s.RejectSerializer, responses=s.RectificationSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        order = self.get_object()
        ser = s.RejectSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        return self._respond(
            services.reject_rectification(user=request.user, order=order, reason=ser.validated_data["reason"])
        )

    @extend_schema(request=None, responses={202: None})
    @action(detail=False, methods=["post"])
    def export(self, request):
        """Start the rectification ledger export (Excel); poll the returned job for progress."""
        params = {
            k: request.query_params.get(k)
            for k in ("project", "status", "overdue")
            if request.query_params.get(k)
        }
        job = start_job(
            kind="rectification_ledger",
            handler="supervision.exports.rectification_ledger",
            user=request.user,
            params=params,
        )
        return Response(
            {"job": job.pk, "url": job.get_absolute_url(), "status": job.status},
            status=status.HTTP_202_ACCEPTED,
        )


class AcceptanceRoundViewSet(_Base):
    """Acceptance rounds: schedule (POST), then panel-verdict, open-survey, close, file, handover."""

    queryset = AcceptanceRound.objects.select_related("project").prefetch_related(
        Prefetch("panel", queryset=PanelMember.objects.order_by("role", "pk")),
        Prefetch("rectifications", queryset=Rectification.objects.only("pk", "acceptance_round_id")),
    )
    serializer_class = s.AcceptanceRoundSerializer
    filterset_class = filters.AcceptanceRoundFilter
    ordering_fields = ["number", "scheduled_on"]

    def perform_service_create(self, request):
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        acceptance = services.schedule_round(
            user=request.user,
            project=data["project"],
            scheduled_on=data["scheduled_on"],
            panel=[dict(p) for p in data.get("panel", [])],
        )
        return acceptance

    @extend_schema(request=s.PanelVerdictSerializer, responses=s.AcceptanceRoundSerializer)
    @action(detail=True, methods=["post"], url_path="panel-verdict")
    def panel_verdict(self, request, pk=None):
        acceptance = self.get_object()
        ser = s.PanelVerdictSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        acceptance = services.record_panel_verdict(
            user=request.user,
            acceptance=acceptance,
            verdict=data["verdict"],
            notes=data.get("notes", ""),
            opinions=[dict(o) for o in data.get("opinions", [])],
            signed=data.get("signed", []),
        )
        return self._respond(acceptance)

    @extend_schema(request=s.OpenSurveySerializer, responses=s.AcceptanceRoundSerializer)
    @action(detail=True, methods=["post"], url_path="open-survey")
    def open_survey(self, request, pk=None):
        acceptance = self.get_object()
        ser = s.OpenSurveySerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        acceptance = services.open_satisfaction_survey(
            user=request.user, acceptance=acceptance, closes_at=ser.validated_data.get("closes_at")
        )
        return self._respond(acceptance)

    @extend_schema(request=s.CloseSurveySerializer, responses=s.AcceptanceRoundSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Close the survey and conclude the round; before the survey's closing time, give `reason`."""
        ser = s.CloseSurveySerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        return self._respond(
            services.close_round(
                user=request.user, acceptance=self.get_object(), reason=ser.validated_data.get("reason", "")
            )
        )

    @extend_schema(request=s.FilingSerializer, responses=s.AcceptanceRoundSerializer)
    @action(detail=True, methods=["post"])
    def file(self, request, pk=None):
        acceptance = self.get_object()
        ser = s.FilingSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        return self._respond(
            services.file_acceptance(
                user=request.user,
                acceptance=acceptance,
                filed_on=ser.validated_data["filed_on"],
                reference=ser.validated_data.get("reference", ""),
            )
        )

    @extend_schema(request=s.HandoverSerializer, responses=s.AcceptanceRoundSerializer)
    @action(detail=True, methods=["post"])
    def handover(self, request, pk=None):
        acceptance = self.get_object()
        ser = s.HandoverSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        return self._respond(
            services.hand_over(user=request.user, acceptance=acceptance, **ser.validated_data)
        )


class DisputeViewSet(mixins.UpdateModelMixin, _Base):
    """Disputes. Create and update go through the services (mediator on the project, resolution text)."""

    queryset = Dispute.objects.select_related("project", "mediator")
    serializer_class = s.DisputeSerializer
    filterset_class = filters.DisputeFilter
    search_fields = ["issue", "parties", "project__name"]
    ordering_fields = ["raised_on", "status"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def perform_service_create(self, request):
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        dispute = services.record_dispute(
            user=request.user,
            project=data["project"],
            parties=data["parties"],
            issue=data["issue"],
            compound=data.get("compound"),
            mediator=data.get("mediator"),
        )
        return dispute

    def partial_update(self, request, *args, **kwargs):
        dispute = self.get_object()
        ser = self.get_serializer(dispute, data=request.data, partial=True)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        dispute = services.update_dispute(
            user=request.user,
            dispute=dispute,
            status=data.get("status", dispute.status),
            resolution=data.get("resolution", dispute.resolution),
            mediator=data.get("mediator"),
            resolved_on=data.get("resolved_on"),
        )
        return self._respond(dispute)


class PhotoViewSet(IdempotentCreateMixin, _Base):
    """Photos (multipart upload): JPEG, PNG or WebP up to 8 MB, resized to at most 1600 px."""

    queryset = Photo.objects.all()
    serializer_class = s.PhotoSerializer
    filterset_class = filters.PhotoFilter
    ordering_fields = ["taken_on", "created_at"]

    def perform_service_create(self, request):
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        photo = services.add_photo(
            user=request.user,
            project=data["project"],
            upload=data["image"],
            kind=data.get("kind", "during"),
            caption=data.get("caption", ""),
            inspection=data.get("inspection"),
            progress_report=data.get("progress_report"),
            rectification=data.get("rectification"),
            is_public=data.get("is_public"),
            taken_on=data.get("taken_on"),
        )
        return photo
