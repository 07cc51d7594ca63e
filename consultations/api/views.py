"""API viewsets: thin, scoped by `for_user`, writes through consultations.services."""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from communities.api.base import (
    IdempotentCreateMixin,
    ScopedModelViewSet,
    ScopedQuerysetMixin,
    UnmaskLoggedMixin,
)
from communities.api.serializers import BackgroundJobSerializer
from communities.scoping import get_scope
from consultations import filters, services
from consultations.models import (
    Deliberation,
    DeliberationProcedure,
    DeliberationStep,
    Meeting,
    Notice,
    NoticeObjection,
    Opinion,
    Visit,
)
from consultations.permissions import FieldWritePermission

from . import serializers as s


class _ServiceWrites:
    """Edits of existing rows must be allowed by the model's `editable_by` (403 otherwise)."""

    def check_editable(self, obj):
        if not type(obj).objects.editable_by(self.request.user).filter(pk=obj.pk).exists():
            raise PermissionDenied("You may read this but not change it.")


class VisitViewSet(IdempotentCreateMixin, ScopedModelViewSet):
    """Door-to-door visits. POST accepts `Idempotency-Key` and opinions raised in the same visit."""

    queryset = Visit.objects.select_related("household__building").prefetch_related("opinions")
    serializer_class = s.VisitSerializer
    permission_classes = [FieldWritePermission]
    filterset_class = filters.VisitFilter
    keyset_ordering = ("-visited_at", "-id")
    search_fields = ["notes", "household__room", "household__building__name"]
    ordering_fields = ["visited_at", "created_at"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_serializer_class(self):
        if self.action == "partial_update":
            return s.VisitUpdateSerializer
        return s.VisitSerializer

    def perform_create(self, serializer):
        d = serializer.validated_data
        serializer.instance = services.log_visit(
            user=self.request.user,
            household=d["household"],
            attitude=d["attitude"],
            channel=d.get("channel", "door"),
            visited_at=d.get("visited_at"),
            notes=d.get("notes", ""),
            project=d.get("project"),
            member=d.get("member"),
            opinions=d.get("opinions", []),
        )


class OpinionViewSet(_ServiceWrites, ScopedModelViewSet):
    """Opinions and the demand list (`?demands=true`). Status moves through `POST .../transition/`."""

    queryset = Opinion.objects.select_related("compound")
    serializer_class = s.OpinionSerializer
    permission_classes = [FieldWritePermission]
    filterset_class = filters.OpinionFilter
    keyset_ordering = ("-created_at", "-id")
    search_fields = ["content", "answer"]
    # each served by an index (issue 15); category is a filter (?category=), not an order
    ordering_fields = ["created_at", "updated_at", "status"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_serializer_class(self):
        if self.action == "partial_update":
            return s.OpinionUpdateSerializer
        return {
            "transition": s.OpinionTransitionSerializer,
            "answer": s.OpinionAnswerSerializer,
            "rate": s.OpinionRatingSerializer,
        }.get(self.action, s.OpinionSerializer)

    def perform_create(self, serializer):
        d = serializer.validated_data
        serializer.instance = services.record_opinion(
            user=self.request.user,
            compound=d["compound"],
            household=d.get("household"),
            project=d.get("project"),
            meeting=d.get("meeting"),
            source=d["source"],
            category=d["category"],
            content=d["content"],
        )

    def _act(self, request, fn):
        opinion = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        opinion = fn(opinion, serializer.validated_data)
        return Response(s.OpinionSerializer(opinion, context=self.get_serializer_context()).data)

    @extend_schema(request=s.OpinionTransitionSerializer, responses=s.OpinionSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        return self._act(
            request,
            lambda o, d: services.transition_opinion(
                o,
                d["to"],
                user=request.user,
                reason=d["reason"],
                work_item=d["work_item"],
                merged_into=d["merged_into"],
                answer=d["answer"],
            ),
        )

    @extend_schema(request=s.OpinionAnswerSerializer, responses=s.OpinionSerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        return self._act(
            request, lambda o, d: services.answer_opinion(o, user=request.user, answer=d["answer"])
        )

    @extend_schema(request=s.OpinionRatingSerializer, responses=s.OpinionSerializer)
    @action(detail=True, methods=["post"])
    def rate(self, request, pk=None):
        return self._act(
            request, lambda o, d: services.rate_opinion(o, user=request.user, rating=d["rating"])
        )


class MeetingViewSet(IdempotentCreateMixin, ScopedModelViewSet):
    queryset = Meeting.objects.prefetch_related("photos")
    serializer_class = s.MeetingSerializer
    permission_classes = [FieldWritePermission]
    filterset_class = filters.MeetingFilter
    search_fields = ["title", "topics", "place"]
    ordering_fields = ["held_at", "created_at"]

    def perform_create(self, serializer):
        d = dict(serializer.validated_data)
        serializer.instance = services.create_meeting(user=self.request.user, **d)

    def perform_update(self, serializer):
        instance = serializer.instance
        compound = serializer.validated_data.get("compound", instance.compound)
        project = serializer.validated_data.get("project", instance.project)
        division = services.meeting_division(compound=compound, project=project)
        if not Meeting.objects.field_editable_by(self.request.user).filter(
            pk=instance.pk
        ).exists() or not get_scope(self.request.user).covers(division.path):
            raise PermissionDenied("You may read this but not change it.")
        serializer.save(division=division)


class ProcedureViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """Deliberation procedures a matter can follow (一征三议两公开, 四议两公开 and local variants), with
    their ordered steps: the `procedure` id to POST to `deliberations/`."""

    queryset = DeliberationProcedure.objects.prefetch_related("steps").order_by("name", "pk")
    serializer_class = s.ProcedureSerializer
    pagination_class = None

    def get_queryset(self):
        services.ensure_standard_procedures()
        return super().get_queryset()


class DeliberationViewSet(_ServiceWrites, ScopedModelViewSet):
    """Matters going through a procedure's ordered steps; `POST .../complete-step/` does the next."""

    queryset = Deliberation.objects.prefetch_related(
        Prefetch("steps", queryset=DeliberationStep.objects.order_by("order"))
    )
    serializer_class = s.DeliberationSerializer
    filterset_class = filters.DeliberationFilter
    search_fields = ["title"]
    ordering_fields = ["created_at"]
    http_method_names = ["get", "post", "head", "options"]

    def get_serializer_class(self):
        return s.CompleteStepSerializer if self.action == "complete_step" else s.DeliberationSerializer

    def perform_create(self, serializer):
        d = serializer.validated_data
        serializer.instance = services.start_deliberation(
            user=self.request.user,
            procedure=d["procedure"],
            title=d["title"],
            description=d.get("description", ""),
            compound=d.get("compound"),
            project=d.get("project"),
        )

    @extend_schema(request=s.CompleteStepSerializer, responses=s.DeliberationSerializer)
    @action(detail=True, methods=["post"], url_path="complete-step")
    def complete_step(self, request, pk=None):
        deliberation = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        step = deliberation.steps.filter(order=d["order"]).first()
        if step is None:
            raise NotFound(_("No such step."))
        services.complete_step(
            step, user=request.user, meeting=d["meeting"], notice=d["notice"], note=d["note"]
        )
        deliberation = self.get_queryset().get(pk=deliberation.pk)
        return Response(s.DeliberationSerializer(deliberation, context=self.get_serializer_context()).data)


class NoticeViewSet(_ServiceWrites, ScopedModelViewSet):
    """Public notices. POST publishes (period defaults to the division's NoticePolicy, else 7 days);
    `POST .../close/` is refused while an objection is unhandled."""

    queryset = Notice.objects.with_objection_counts()
    serializer_class = s.NoticeSerializer
    filterset_class = filters.NoticeFilter
    search_fields = ["title", "body"]
    ordering_fields = ["starts_at", "created_at"]
    http_method_names = ["get", "post", "head", "options"]

    def perform_create(self, serializer):
        d = serializer.validated_data
        serializer.instance = services.publish_notice(
            user=self.request.user,
            project=d.get("project"),
            compound=d.get("compound"),
            title=d["title"],
            body=d["body"],
            kind=d.get("kind", "other"),
            period_days=d.get("period_days"),
            starts_at=d.get("starts_at"),
        )
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)

    @extend_schema(request=None, responses=s.NoticeSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        notice = self.get_object()
        services.close_notice(notice, user=request.user)
        return Response(
            s.NoticeSerializer(
                self.get_queryset().get(pk=notice.pk), context=self.get_serializer_context()
            ).data
        )


UNMASK = OpenApiParameter(
    "unmask", bool, description="Show the objector's full contact (roles allowed only; recorded)."
)


@extend_schema_view(list=extend_schema(parameters=[UNMASK]), retrieve=extend_schema(parameters=[UNMASK]))
class ObjectionViewSet(UnmaskLoggedMixin, ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """Objections received on notices (sent by residents from the notice's public page). The objector's
    contact is masked; `?unmask=true` on a read shows it to the roles allowed and is logged."""

    unmask_object_type = "objection"
    unmask_fields = "contact"

    queryset = NoticeObjection.objects.all()
    serializer_class = s.ObjectionSerializer
    filterset_class = filters.ObjectionFilter
    ordering_fields = ["received_at"]

    def get_serializer_class(self):
        return s.HandleObjectionSerializer if self.action == "handle" else s.ObjectionSerializer

    @extend_schema(request=s.HandleObjectionSerializer, responses=s.ObjectionSerializer)
    @action(detail=True, methods=["post"])
    def handle(self, request, pk=None):
        objection = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        objection = services.handle_objection(objection, user=request.user, **serializer.validated_data)
        return Response(s.ObjectionSerializer(objection, context=self.get_serializer_context()).data)


class CoverageView(APIView):
    """Visit coverage figures for a project, compound, building or division (or all in scope):
    households visited / total (vacant excluded), reached, attitudes of the latest answered visit,
    visits and opinions counts, with breakdowns by building, community and member."""

    @extend_schema(
        parameters=[
            OpenApiParameter("project", int),
            OpenApiParameter("compound", int),
            OpenApiParameter("building", int),
            OpenApiParameter("division", int),
        ],
        responses={200: dict},
    )
    def get(self, request):
        from communities.models import Building, Compound, Division
        from consultations import coverage
        from projects.models import HouseholdAssignment, Project

        if not get_scope(request.user).sees_residents:
            raise NotFound()
        user = request.user
        target = {}
        for key, model in (
            ("project", Project),
            ("compound", Compound),
            ("building", Building),
            ("division", Division),
        ):
            value = request.query_params.get(key)
            if value:
                if not str(value).isdigit():
                    return Response({"detail": f"{key}: a number"}, status=status.HTTP_400_BAD_REQUEST)
                target[key] = get_object_or_404(model.objects.for_user(user), pk=value)
        households = coverage.households_for(user, **target)
        visits = Visit.objects.for_user(user).filter(household__in=households.values("pk"))
        opinions = Opinion.objects.for_user(user).filter(
            compound_id__in=households.values("building__compound_id")
        )
        result = coverage.coverage(
            households,
            visits=visits,
            opinions=opinions,
            assignments=HouseholdAssignment.objects.for_user(user) if target else None,
        )
        return Response({"target": {k: v.pk for k, v in target.items()}, **result.as_dict()})


class ExportView(APIView):
    """Excel ledgers as background jobs: `{"kind": "visit_ledger" | "demand_list", ...filters}` (the
    filters of `visits/` or `opinions/`). 202 with the job; poll `Location`, then download its file.
    Names and phones are masked unless the caller's role sees them unmasked."""

    @extend_schema(
        request=s.ExportSerializer,
        responses={202: BackgroundJobSerializer},
        summary="Export the visit ledger or the demand list to Excel (background job; masked by role)",
    )
    def post(self, request):
        from consultations.exports import start_export

        serializer = s.ExportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        from rest_framework.exceptions import PermissionDenied

        from communities.access import ExportForbidden

        params = {k: str(v) for k, v in request.data.items() if k != "kind" and v not in (None, "")}
        try:
            job = start_export(
                user=request.user,
                kind=serializer.validated_data["kind"],
                params=params,
                request=request,
                unmask=serializer.validated_data["unmask"],
                unmask_reason=serializer.validated_data["unmask_reason"],
            )
        except ExportForbidden as exc:
            raise PermissionDenied(exc.message) from exc
        job.refresh_from_db()  # eager runs (no Redis) have already finished
        data = BackgroundJobSerializer(job, context={"request": request}).data
        return Response(
            data,
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": reverse("backgroundjob-detail", args=[job.pk])},
        )
