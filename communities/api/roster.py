"""Roster import/export over the API, and the caller's background jobs.

    POST /api/v1/roster-imports/   multipart: compound, file   -> 202 {id, status, percent, ...}
    POST /api/v1/roster-exports/   {compound}                  -> 202
    then poll GET /api/v1/jobs/{id}/ (communities.api.views.BackgroundJobViewSet: own jobs only)

Scope as everywhere: a compound outside the caller's scope is a 404; visible but not editable (import)
or without access to residents (export) is a 403.
"""

from __future__ import annotations

from django.http import Http404
from django.urls import path, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from communities import access
from communities.api.serializers import BackgroundJobSerializer, FullNumbersSerializer
from communities.jobs import start_job
from communities.models import BackgroundJob, Compound
from communities.roster_views import validate_roster_file
from communities.scoping import get_scope


class RosterImportSerializer(serializers.Serializer):
    compound = serializers.IntegerField(help_text=_("Compound id (one you may edit)."))
    file = serializers.FileField(
        validators=[validate_roster_file], help_text=_("The filled-in roster template: .xlsx or .csv.")
    )


class RosterExportSerializer(FullNumbersSerializer):
    compound = serializers.IntegerField(help_text=_("Compound id (one whose residents you may see)."))


def _visible_compound(user, pk: int) -> Compound:
    compound = Compound.objects.for_user(user).filter(pk=pk).first()
    if compound is None:
        raise Http404
    return compound


def _accepted(job: BackgroundJob, request) -> Response:
    """202 with the job; poll `Location` (GET /api/v1/jobs/{id}/, the caller's own jobs only)."""
    job.refresh_from_db()  # eager runs (no Redis) have already finished
    data = BackgroundJobSerializer(job, context={"request": request}).data
    location = reverse("backgroundjob-detail", args=[job.pk])
    return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": location})


class RosterImportView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": RosterImportSerializer},
        responses={202: BackgroundJobSerializer},
        summary="Import a roster file into a compound (background job)",
        tags=["roster"],
    )
    def post(self, request):
        serializer = RosterImportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        compound = _visible_compound(request.user, serializer.validated_data["compound"])
        if not Compound.objects.editable_by(request.user).filter(pk=compound.pk).exists():
            raise PermissionDenied(_("You may see this compound but not change its roster."))
        job = start_job(
            kind="roster_import",
            handler="communities.roster.import_roster",
            user=request.user,
            params={"compound": compound.pk, "language": get_language()},
            input_file=serializer.validated_data["file"],
        )
        return _accepted(job, request)


class RosterExportView(APIView):
    @extend_schema(
        request=RosterExportSerializer,
        responses={202: BackgroundJobSerializer},
        summary="Export a compound's roster to Excel (background job; masked by role)",
        tags=["roster"],
    )
    def post(self, request):
        serializer = RosterExportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        compound = _visible_compound(request.user, serializer.validated_data["compound"])
        if not get_scope(request.user).sees_residents:
            raise PermissionDenied(_("Your role does not give access to residents' data."))
        data = serializer.validated_data
        try:
            full = access.full_numbers_params(
                request.user, unmask=data["unmask"], reason=data["unmask_reason"]
            )
        except access.ExportForbidden as exc:
            raise PermissionDenied(exc.message) from exc
        job = start_job(
            kind="roster_export",
            handler="communities.roster.export_roster",
            user=request.user,
            params={"compound": compound.pk, "language": get_language(), **full},
        )
        return _accepted(job, request)


urlpatterns = [
    path("roster-imports/", RosterImportView.as_view(), name="api-roster-import"),
    path("roster-exports/", RosterExportView.as_view(), name="api-roster-export"),
]
