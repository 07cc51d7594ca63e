from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import FormParser, JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from communities.api.base import IdempotentCreateMixin, ScopedModelViewSet, ScopedReadOnlyViewSet
from communities.api.serializers import BackgroundJobSerializer
from communities.errors import Conflict, DomainError
from communities.jobs import start_job
from communities.permissions import ScopedWritePermission

from .. import choices, filters, services, throttling
from ..models import Ballot, BallotOption, Elector, RulePolicy, Vote
from ..permissions import RulePolicyPermission, VoteEntryPermission
from . import serializers as s

# issue-codes answers this many codes in the request itself; more are issued by a background job
CODES_SYNC_MAX = 2000


class RulePolicyViewSet(ScopedModelViewSet):
    queryset = RulePolicy.objects.select_related("division")
    serializer_class = s.RulePolicySerializer
    permission_classes = [RulePolicyPermission]
    filterset_class = filters.RulePolicyFilter
    search_fields = ["name"]
    ordering_fields = ["effective_from", "name"]

    @extend_schema(
        parameters=[OpenApiParameter("compound", int, required=True)],
        responses={200: dict},
    )
    @action(detail=False, methods=["get"])
    def applicable(self, request):
        """Which policy a ballot created now for `?compound=` copies, why, and why the others do not apply."""
        from communities.models import Compound

        try:
            compound_id = int(request.query_params.get("compound", ""))
        except ValueError:
            raise DomainError(_("Say which compound: ?compound=<id>."), field="compound") from None
        compound = get_object_or_404(
            Compound.objects.for_user(request.user).select_related("division"), pk=compound_id
        )
        choice = services.explain_policy(compound)

        def policy(p):
            return s.RulePolicySerializer(p, context=self.get_serializer_context()).data if p else None

        return Response(
            {
                "compound": compound.pk,
                "policy": policy(choice.policy),
                "reason": choice.reason,
                "summary": choice.summary,
                "not_used": [{"policy": policy(p), "reason": why} for p, why in choice.others],
            }
        )


class CodesSerializer(serializers.Serializer):
    reissue = serializers.BooleanField(default=False)


class BallotViewSet(
    mixins.CreateModelMixin, mixins.DestroyModelMixin, ScopedReadOnlyViewSet, viewsets.GenericViewSet
):
    """Ballots. Create goes through the service (rule copied from the policy); open/close/tally are
    actions. Choices stay hidden until close unless the ballot has real-time results."""

    queryset = (
        Ballot.objects.select_related("compound", "project")
        .prefetch_related("options", "scope_buildings", "occupied_households", "extra_compounds")
        .with_vote_count()
        .order_by("-opens_at", "-pk")
    )
    serializer_class = s.BallotSerializer
    filterset_class = filters.BallotFilter
    search_fields = ["title", "compound__name"]
    ordering_fields = ["opens_at", "closes_at", "created_at", "title"]

    permission_classes = [ScopedWritePermission]

    def _annotated(self, ballot: Ballot) -> Ballot:
        return self.get_queryset().get(pk=ballot.pk)

    @extend_schema(request=s.BallotCreateSerializer, responses={201: s.BallotSerializer})
    def create(self, request, *args, **kwargs):
        data = s.BallotCreateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        ballot = services.create_ballot(user=request.user, **data.service_kwargs(request.user))
        return Response(self.get_serializer(self._annotated(ballot)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.BallotUpdateSerializer, responses={200: s.BallotSerializer})
    def partial_update(self, request, *args, **kwargs):
        """Edit a draft through services.update_draft_ballot (refused with 409 once open)."""
        ballot = self.get_object()  # 404 outside scope, 403 visible but not editable
        data = s.BallotUpdateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        services.update_draft_ballot(ballot, request.user, **data.service_kwargs(request.user, ballot))
        return Response(self.get_serializer(self._annotated(ballot)).data)

    @extend_schema(request=s.BallotUpdateSerializer, responses={200: s.BallotSerializer})
    def update(self, request, *args, **kwargs):
        return self.partial_update(request, *args, **kwargs)

    def perform_destroy(self, instance):
        services.delete_draft_ballot(instance, self.request.user)

    @extend_schema(request=s.OpenSerializer, responses={200: s.BallotSerializer})
    @action(detail=True, methods=["post"])
    def open(self, request, pk=None):
        """Open a draft, confirming the options that count as yes (409 with the reason when it cannot
        open: see opening-check)."""
        ballot = self.get_object()
        body = s.OpenSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.open_ballot(
            ballot,
            request.user,
            confirmed_yes=body.validated_data["yes_options"],
            missing_area_reason=body.validated_data["missing_area_reason"],
        )
        return Response(self.get_serializer(self._annotated(ballot)).data)

    @extend_schema(responses={200: dict})
    @action(detail=True, methods=["get"], url_path="opening-check")
    def opening_check(self, request, pk=None):
        """What opening would confirm: the rule in words, the options and which count as yes, the
        electorate and its counting choices, and every reason it cannot open yet."""
        ballot = self.get_object()
        options = list(ballot.options.all())
        if ballot.status != "draft":
            return Response(
                {"refusals": services.opening_refusals(ballot), "rule": {"text": services.rule_text(ballot)}}
            )
        check = services.electorate_check(ballot)
        return Response(
            {
                "rule": {"rule": ballot.rule, "kind": ballot.kind, "text": services.rule_text(ballot)},
                "options": s.NestedOptionSerializer(options, many=True).data,
                "yes_options": [o.pk for o in options if o.counts_as_yes],
                "electors": len(check.electors),
                "households": check.households,
                "area": str(check.area),
                "counting_notes": [n.to_dict() for n in check.notes],
                "refusals": services.opening_refusals(ballot, check=check),
            }
        )

    @extend_schema(request=s.CloseSerializer, responses={200: s.BallotSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        ballot = self.get_object()
        body = s.CloseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.close_ballot(ballot, request.user, reason=body.validated_data["reason"])
        return Response(self.get_serializer(self._annotated(ballot)).data)

    @extend_schema(responses={200: dict})
    @action(detail=True, methods=["get"])
    def tally(self, request, pk=None):
        """The exact, explained result: each ratio with numerator, denominator and which condition passed."""
        ballot = self.get_object()
        if not ballot.choices_visible:
            raise DomainError(
                _("Choices stay hidden until the ballot closes (this ballot has no real-time results)."),
                code="hidden",
            )
        if ballot.is_closed and ballot.result:
            return Response(ballot.result)
        return Response(services.tally(ballot).to_dict())

    @extend_schema(responses={200: dict})
    @action(detail=True, methods=["get"])
    def turnout(self, request, pk=None):
        ballot = self.get_object()
        data = services.turnout(ballot)
        for row in [*data["rows"], data["total"]]:
            row["area"], row["voted_area"] = str(row["area"] or 0), str(row["voted_area"])
        return Response(data)  # percents rounded down; `requirement`: the distance to the participation

    @extend_schema(responses={200: s.CodePauseSerializer(many=True)})
    @action(detail=True, methods=["get"], url_path="code-pauses")
    def code_pauses(self, request, pk=None):
        """Addresses paused on this ballot for wrong voting codes (editors of the ballot only)."""
        ballot = self.get_object()
        pauses = services.code_pauses(ballot, request.user)
        return Response(s.CodePauseSerializer([s.CodePauseSerializer.row(p) for p in pauses], many=True).data)

    @extend_schema(request=s.LiftCodePauseSerializer, responses={200: s.LiftedSerializer})
    @action(detail=True, methods=["post"], url_path="lift-code-pause")
    def lift_code_pause(self, request, pk=None):
        """Lift the pause an address earned with wrong voting codes on this ballot."""
        ballot = self.get_object()
        body = s.LiftCodePauseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        lifted = services.lift_code_pause(ballot, request.user, body.validated_data["address"].strip())
        return Response({"lifted": lifted})

    @extend_schema(request=CodesSerializer, responses={200: dict, 202: BackgroundJobSerializer})
    @action(detail=True, methods=["post"], url_path="issue-codes")
    def issue_codes(self, request, pk=None):
        """Plain codes for printing slips elsewhere (shown once: only their hash is kept). `reissue`
        gives new codes to every elector who has not voted (the old ones stop working).

        Up to CODES_SYNC_MAX codes are answered at once (200, `codes`). More run as a background job
        (202 with the job: poll `/api/v1/jobs/<id>/`, then download its CSV of label, code and link
        from `/api/v1/jobs/<id>/download/`), so a ballot of 20,000 electors never holds a request."""
        ballot = self.get_object()
        self.check_object_permissions(request, ballot)
        body = CodesSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        reissue = body.validated_data["reissue"]
        pending = (
            ballot.electors.filter(vote__isnull=True) if reissue else ballot.electors.filter(code_hash="")
        )
        if pending.count() > CODES_SYNC_MAX:
            if ballot.status != choices.BallotStatus.OPEN:  # the same refusal as the service, before queuing
                raise Conflict(_("Codes are issued while the ballot is open."))
            job = start_job(
                kind="ballot_codes",
                handler="consultations.ballots.slips.issue_codes_csv",
                user=request.user,
                params={"ballot_id": ballot.pk, "reissue": reissue, "language": get_language()},
            )
            job.refresh_from_db()
            return Response(BackgroundJobSerializer(job, context={"request": request}).data, status=202)
        ids = list(pending.values_list("pk", flat=True)) if reissue else None
        issued = services.issue_codes(ballot, request.user, elector_ids=ids, reissue=reissue)
        return Response(
            {
                "codes": [
                    {"elector": i.elector_id, "code": i.display, "url": ballot.voting_url(i.code)}
                    for i in issued
                ]
            }
        )


class BallotOptionViewSet(ScopedReadOnlyViewSet):
    queryset = BallotOption.objects.all()
    serializer_class = s.BallotOptionSerializer
    filterset_class = filters.BallotOptionFilter

    def get_queryset(self):
        return BallotOption.objects.filter(ballot__in=Ballot.objects.for_user(self.request.user))


class ElectorViewSet(ScopedReadOnlyViewSet):
    queryset = Elector.objects.select_related("vote")
    serializer_class = s.ElectorSerializer
    filterset_class = filters.ElectorFilter
    keyset_ordering = ("ballot_id", "building_name", "unit", "room", "id")
    search_fields = ["label"]
    # the address order is the list's own (ballot, building, unit, room); by area: elector_area (issue 15)
    ordering_fields = ["area"]

    @extend_schema(request=None, responses={200: dict})
    @action(detail=True, methods=["post"], url_path="reissue-code")
    def reissue_code(self, request, pk=None):
        """A lost slip: a new code for this elector; the old one stops working at once."""
        elector = self.get_object()
        if not Elector.objects.editable_by(request.user).filter(pk=elector.pk).exists():
            raise PermissionDenied(_("You may read this but not change it."))
        issued = services.reissue_code(elector, request.user)
        return Response(
            {"elector": elector.pk, "code": issued.display, "url": elector.ballot.voting_url(issued.code)}
        )


class _ServiceCreate:
    """create() through services.record_staff_vote (IdempotentCreateMixin wraps it)."""

    def create(self, request, *args, **kwargs):
        body = s.StaffVoteInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        elector = get_object_or_404(
            Elector.objects.for_user(request.user).select_related("ballot"), pk=data["elector"]
        )
        option = BallotOption.objects.filter(pk=data["option"], ballot_id=elector.ballot_id).first()
        if option is None:
            raise DomainError(_("Choose one of this ballot's options."), field="option")
        outcome = services.record_staff_vote(
            user=request.user,
            elector=elector,
            option=option,
            channel=data["channel"],
            paper_serial=data["paper_serial"],
            photo=data.get("photo"),
        )
        vote = Vote.objects.select_related("ballot", "elector").get(pk=outcome.vote_id)
        return Response(s.VoteSerializer(vote, context=self.get_serializer_context()).data, status=201)


@extend_schema_view(
    create=extend_schema(request=s.StaffVoteInputSerializer, responses={201: s.VoteSerializer})
)
class VoteViewSet(IdempotentCreateMixin, _ServiceCreate, ScopedReadOnlyViewSet):
    """Votes as staff see them (choices hidden until close), and staff entry of paper/meeting votes
    (POST; send an Idempotency-Key from phones)."""

    queryset = Vote.objects.select_related("ballot", "elector")
    serializer_class = s.VoteSerializer
    permission_classes = [VoteEntryPermission]
    filterset_class = filters.VoteFilter
    keyset_ordering = ("ballot_id", "id")
    ordering_fields = ["cast_at"]

    def get_serializer_class(self):
        return s.StaffVoteInputSerializer if self.action == "create" else s.VoteSerializer


class FirstRenderer(BaseContentNegotiation):
    """The public vote endpoint answers JSON only: skip content negotiation on the hot path."""

    def select_parser(self, request, parsers):
        content_type = request.content_type or ""
        for parser in parsers:
            if content_type.startswith(parser.media_type):
                return parser
        return None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def _paused(verdict: throttling.Verdict) -> Response:
    return Response(
        {
            "detail": _("Too many wrong codes. Wait %(minutes)d minutes and try again.")
            % {"minutes": verdict.minutes},
            "code": "throttled",
            "retry_after": verdict.retry_after,
        },
        status=429,
        headers={"Retry-After": str(verdict.retry_after)},
    )


class PublicVoteView(APIView):
    """POST /api/v1/vote/ {"code": "ABCD-2345", "option": 12}: a resident's vote, no account.

    Wrong codes are counted per client address and per ballot; past the limit the answer is 429.
    Kept lean for bursts: no authentication, one lookup of the option's ballot, one locked ballot row,
    one elector lookup by hash, one INSERT ... ON CONFLICT."""

    authentication_classes = ()
    permission_classes = [permissions.AllowAny]
    throttle_classes = ()
    answers_429 = True  # the guessing limits (communities.throttling), documented in the schema
    parser_classes = [JSONParser, FormParser]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = FirstRenderer

    @extend_schema(
        request=s.PublicVoteSerializer,
        responses={201: s.PublicVoteResultSerializer, 200: s.PublicVoteResultSerializer},
    )
    def post(self, request):
        data = request.data if isinstance(request.data, dict) else {}
        code = str(data.get("code", ""))[:32]
        try:
            option_id = int(data.get("option"))
        except (TypeError, ValueError):
            return Response(
                {"detail": _("Choose an option."), "code": "invalid", "field": "option"}, status=400
            )
        ballot_id = services.option_ballot_id(option_id)
        address, scopes = throttling.client_address(request), throttling.scopes(ballot_id)
        key = services.normalize_code(code)
        verdict = throttling.CODES.check(address, scopes, key)
        if verdict.paused:
            return _paused(verdict)
        try:
            outcome = services.cast_online_vote(code=code, option_id=option_id)
        except services.InvalidCode as exc:
            verdict = throttling.CODES.fail(address, scopes, key)
            if verdict.paused:
                return _paused(verdict)
            return Response(
                {"detail": exc.message, "code": exc.code, "remaining_tries": verdict.remaining}, status=400
            )
        return Response(
            {"receipt": outcome.receipt, "changed": outcome.changed, "ballot": outcome.ballot_id},
            status=200 if outcome.changed else 201,
        )
