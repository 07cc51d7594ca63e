"""The overview over the API, for city platforms: the same figures as the page, from the rollups,
scoped like the page (a division outside the caller's scope: 404)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import querysets, services
from . import serializers as s


def _place(kind: str, obj) -> dict:
    return {"kind": kind, "id": obj.pk, "name": obj.name, "level": getattr(obj, "level", "compound")}


def _body(fig: querysets.Figures) -> dict:
    return {
        "figures": fig.counts,
        "rates": {k: r.as_dict() for k, r in fig.rates.items()},
        "derived": fig.derived,
    }


def _division(request, params: dict):
    return get_object_or_404(querysets.divisions_for(request.user), pk=params["division"])


class OverviewView(APIView):
    @extend_schema(
        parameters=[s.QuerySerializer],
        responses={200: s.OverviewSerializer, 404: OpenApiResponse(s.DetailSerializer)},
        summary="A division's overview figures for a year (default: this year)",
    )
    def get(self, request):
        params = s.QuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        division = _division(request, params.validated_data)
        year = params.validated_data.get("year") or querysets.this_year()
        data = {
            "place": _place("division", division),
            "year": year,
            "as_of": querysets.as_of(year),
            **_body(querysets.division_figures(division, year)),
        }
        return Response(s.OverviewSerializer(data).data)


class ChildrenView(APIView):
    @extend_schema(
        parameters=[s.ChildrenQuerySerializer],
        responses={200: s.ChildrenSerializer, 404: OpenApiResponse(s.DetailSerializer)},
        summary="The child divisions (below a community: its compounds) with their figures",
    )
    def get(self, request):
        params = s.ChildrenQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        division = _division(request, params.validated_data)
        year = params.validated_data.get("year") or querysets.this_year()
        ordering = params.validated_data.get("ordering", "")
        rows, _column = querysets.sort_rows(querysets.child_rows(division, year), ordering)
        data = {
            "place": _place("division", division),
            "year": year,
            "as_of": querysets.as_of(year),
            "ordering": ordering,
            "results": [
                {
                    "place": {"kind": r.kind, "id": r.id, "name": r.name, "level": r.level},
                    **_body(r.figures),
                }
                for r in rows
            ],
        }
        return Response(s.ChildrenSerializer(data).data)


class RefreshView(APIView):
    @extend_schema(
        request=s.RefreshSerializer,
        responses={
            202: s.DetailSerializer,
            403: OpenApiResponse(s.DetailSerializer),
            404: OpenApiResponse(s.DetailSerializer),
            409: OpenApiResponse(s.DetailSerializer, description="Asked for less than a minute ago"),
        },
        summary="Ask for the division's figures to be recounted in the background",
    )
    def post(self, request):
        body = s.RefreshSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        division = _division(request, body.validated_data)
        year = body.validated_data.get("year") or querysets.this_year()
        services.request_refresh(request.user, division, year)
        return Response(
            {"detail": _("A refresh runs in the background; reload the page in a minute.")},
            status=status.HTTP_202_ACCEPTED,
        )
