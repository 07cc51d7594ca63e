"""Pages: staff (list, create, detail with turnout, electors, paper votes, slips, close, result) and the
residents' voting pages (no login, no JavaScript needed, large type)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from communities import files
from communities.errors import Conflict, DomainError
from communities.jobs import start_job
from communities.models import Compound
from communities.paging import page_for
from communities.scoping import get_scope

from . import choices, services, throttling
from .filters import BallotFilter
from .forms import BallotForm, CloseForm, RulePolicyForm, StaffVoteForm
from .models import Ballot, BallotOption, Elector, RulePolicy, Vote
from .querysets import POLICY_EDITOR_ROLES
from .services import normalize_code

ELECTOR_PAGE_SIZE = 100


def _visible(request, pk: int) -> Ballot:
    return get_object_or_404(
        Ballot.objects.for_user(request.user).select_related("compound__division", "project"), pk=pk
    )


def _editable(request, pk: int) -> Ballot:
    ballot = _visible(request, pk)
    if not Ballot.objects.editable_by(request.user).filter(pk=pk).exists():
        raise PermissionDenied(_("You may read this but not change it."))
    return ballot


# --- staff pages ----------------------------------------------------------------------------------------


@login_required
def ballot_list(request: HttpRequest) -> HttpResponse:
    qs = (
        Ballot.objects.for_user(request.user)
        .select_related("compound", "project")
        .with_vote_count()
        .order_by("-opens_at", "-pk")
    )
    filterset = BallotFilter(request.GET, queryset=qs)
    page, query = page_for(request, filterset.qs, 25)
    compounds = Compound.objects.editable_by(request.user).order_by("name")[:500]
    return render(
        request,
        "ballots/ballot_list.html",
        {
            "page_obj": page,
            "query": query,
            "filter": filterset,
            "compounds": compounds,
            "can_create": get_scope(request.user).is_staff_user,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def ballot_create(request: HttpRequest) -> HttpResponse:
    compound_id = request.GET.get("compound") or request.POST.get("compound")
    if not compound_id:
        compounds = Compound.objects.editable_by(request.user).order_by("name")
        return render(request, "ballots/ballot_pick_compound.html", {"compounds": compounds})
    compound = get_object_or_404(
        Compound.objects.for_user(request.user).select_related("division"), pk=compound_id
    )
    if not Compound.objects.editable_by(request.user).filter(pk=compound.pk).exists():
        raise PermissionDenied(_("You may not run ballots here."))
    now = timezone.localtime().replace(second=0, microsecond=0)
    form = BallotForm(
        request.POST or None,
        compound=compound,
        user=request.user,
        initial={
            "opens_at": now,
            "closes_at": now + timezone.timedelta(days=7),
            # from a project's checklist: "start its consent ballot" (the form checks both)
            **{k: request.GET[k] for k in ("kind", "project") if request.GET.get(k)},
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            ballot = services.create_ballot(user=request.user, **form.service_kwargs())
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Ballot created as a draft. Open it when it is ready."))
            return redirect(ballot)
    return render(
        request,
        "ballots/ballot_form.html",
        {"form": form, "compound": compound, **_form_context(compound)},
    )


def _form_error(form: BallotForm, exc: DomainError) -> None:
    if exc.field == "options":
        form.add_option_error(exc.message)
    else:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _form_context(compound) -> dict:
    """What the ballot form shows beside its fields: which policy a new ballot copies and why, and each
    kind's usual options (the page script offers them when the kind changes)."""
    return {
        "policy_choice": services.explain_policy(compound),
        "kind_options": {kind: services.default_options(kind) for kind in choices.BallotKind.values},
    }


@login_required
@require_http_methods(["GET", "POST"])
def ballot_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a draft (404 outside scope, 403 visible but not editable; once open: back with the reason)."""
    ballot = _editable(request, pk)
    if ballot.status != choices.BallotStatus.DRAFT:
        messages.error(
            request,
            _(
                "This ballot is already %(status)s: its electorate is frozen and votes may have been cast, "
                "so it can no longer be edited. Close it and create a new ballot if needed."
            )
            % {"status": ballot.get_status_display()},
        )
        return redirect(ballot)
    form = BallotForm(request.POST or None, compound=ballot.compound, user=request.user, ballot=ballot)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_draft_ballot(ballot, request.user, **form.service_kwargs())
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Draft saved."))
            return redirect(ballot)
    return render(
        request,
        "ballots/ballot_form.html",
        {"form": form, "compound": ballot.compound, "ballot": ballot, **_form_context(ballot.compound)},
    )


@login_required
def ballot_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks to confirm; POST deletes the draft."""
    ballot = _editable(request, pk)
    if request.method != "POST":
        return render(request, "ballots/ballot_confirm_delete.html", {"ballot": ballot})
    try:
        services.delete_draft_ballot(ballot, request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(ballot)
    messages.success(request, _("Draft “%(title)s” deleted.") % {"title": ballot.title})
    return redirect("ballots:ballot_list")


def _scope_unit_labels(ballot: Ballot) -> list[str]:
    """'1栋 2单元' for each stairwell unit in the scope (scope_units holds building ids)."""
    if not ballot.scope_units:
        return []
    from communities.models import Building

    names = dict(
        Building.objects.filter(pk__in=[u["building"] for u in ballot.scope_units]).values_list("pk", "name")
    )
    return [
        _("%(building)s unit %(unit)s") % {"building": names.get(u["building"], "?"), "unit": u["unit"]}
        for u in ballot.scope_units
    ]


@login_required
def ballot_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ballot = _visible(request, pk)
    can_edit = Ballot.objects.editable_by(request.user).filter(pk=pk).exists()
    can_enter = Ballot.objects.votes_enterable_by(request.user).filter(pk=pk).exists()
    context = {
        "ballot": ballot,
        "options": list(ballot.options.all()),
        "can_edit": can_edit,
        "can_enter": can_enter and ballot.is_open,
        "close_form": CloseForm(),
        "vote_form": (
            StaffVoteForm(ballot=ballot, search=request.GET.get("q", ""))
            if can_enter and ballot.is_open
            else None
        ),
        "turnout": services.turnout(ballot) if ballot.status != choices.BallotStatus.DRAFT else None,
        "result": (ballot.result if ballot.is_closed else None)
        or (services.tally(ballot).to_dict() if ballot.choices_visible and ballot.is_open else None),
        "scope_buildings": list(ballot.scope_buildings.all()),
        "scope_units": _scope_unit_labels(ballot),
        "occupied": list(ballot.occupied_households.select_related("building")),
        "codes_missing": ballot.electors.filter(code_hash="").count() if ballot.is_open else 0,
        # a draft says before anyone tries whether it can open, and why not
        "opening_refusals": services.opening_refusals(ballot)
        if can_edit and ballot.status == "draft"
        else [],
        "rule_text": services.rule_text(ballot),
        "code_pauses": services.code_pauses(ballot, request.user) if can_edit and ballot.is_open else [],
    }
    return render(request, "ballots/ballot_detail.html", context)


@login_required
@require_POST
def code_pause_lift(request: HttpRequest, pk: int) -> HttpResponse:
    """Lift the pause an address earned with wrong voting codes (the resident asked the secretary)."""
    ballot = _editable(request, pk)
    address = request.POST.get("address", "").strip()[:64]
    if services.lift_code_pause(ballot, request.user, address):
        messages.success(request, _("The pause for %(address)s is lifted.") % {"address": address})
    else:
        messages.info(request, _("%(address)s is not paused (any more).") % {"address": address})
    return redirect(reverse("ballots:ballot_detail", args=[pk]) + "#code-pauses")


@login_required
@require_http_methods(["GET", "POST"])
def ballot_open(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the confirmation -- the rule, the options and which count as yes, the electorate and its
    counting choices, every reason it cannot open yet. POST: open, with the yes options the person saw
    (and, for parts without an area, the reason to accept counting them as 0 m²)."""
    ballot = _editable(request, pk)
    if ballot.status != choices.BallotStatus.DRAFT:
        messages.error(
            request, _("This ballot is already %(status)s.") % {"status": ballot.get_status_display()}
        )
        return redirect(ballot)
    reason = request.POST.get("missing_area_reason", "") if request.method == "POST" else ""
    if request.method == "POST":
        confirmed = request.POST.getlist("yes_option")
        if "confirm" not in request.POST and not confirmed:
            messages.error(
                request, _("Confirm the rule and the options that count as yes to open the ballot.")
            )
            return redirect("ballots:ballot_open", pk=pk)
        try:
            services.open_ballot(
                ballot,
                request.user,
                confirmed_yes=[int(i) for i in confirmed if i.isdigit()],
                missing_area_reason=reason,
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, _("The ballot is open; its electorate is frozen. Print the slips next.")
            )
            return redirect(ballot)
    check = services.electorate_check(ballot)
    options = list(ballot.options.all())
    return render(
        request,
        "ballots/ballot_open.html",
        {
            "ballot": ballot,
            "options": options,
            "yes_options": [o for o in options if o.counts_as_yes],
            "rule_text": services.rule_text(ballot),
            "check": check,
            "refusals": services.opening_refusals(ballot, check=check),
            "missing_area_reason": reason,
        },
    )


@login_required
@require_POST
def ballot_close(request: HttpRequest, pk: int) -> HttpResponse:
    ballot = _editable(request, pk)
    form = CloseForm(request.POST)
    form.is_valid()
    try:
        services.close_ballot(ballot, request.user, reason=form.cleaned_data.get("reason", ""))
        messages.success(request, _("The ballot is closed and its result published."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(ballot)


@login_required
@require_POST
def vote_enter(request: HttpRequest, pk: int) -> HttpResponse:
    ballot = _visible(request, pk)
    if not Ballot.objects.votes_enterable_by(request.user).filter(pk=pk).exists():
        raise PermissionDenied(_("You may not enter votes for this ballot."))
    form = StaffVoteForm(request.POST, request.FILES, ballot=ballot)
    if form.is_valid():
        try:
            services.record_staff_vote(
                user=request.user,
                elector=form.cleaned_data["elector"],
                option=form.cleaned_data["option"],
                channel=form.cleaned_data["channel"],
                paper_serial=form.cleaned_data["paper_serial"],
                # a photo sent although the form has no field for it (secret ballot) is refused
                photo=form.cleaned_data.get("photo") or request.FILES.get("photo"),
            )
            messages.success(
                request, _("Vote of %(who)s recorded.") % {"who": form.cleaned_data["elector"].label}
            )
            return redirect(reverse("ballots:ballot_detail", args=[pk]) + "#enter")
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    return render(request, "ballots/vote_enter.html", {"ballot": ballot, "vote_form": form}, status=400)


@login_required
def elector_options(request: HttpRequest, pk: int) -> HttpResponse:
    """The <option>s of the vote form's elector list for a search (htmx, as the clerk types)."""
    from .forms import pending_electors

    ballot = _visible(request, pk)
    if not Ballot.objects.votes_enterable_by(request.user).filter(pk=pk).exists():
        raise PermissionDenied(_("You may not enter votes for this ballot."))
    limit = StaffVoteForm.CHOICES_MAX
    shown = pending_electors(ballot, request.GET.get("q", "").strip(), limit + 1)
    return render(
        request,
        "ballots/_elector_options.html",
        {"electors": shown[:limit], "truncated": len(shown) > limit},
    )


@login_required
def elector_list(request: HttpRequest, pk: int) -> HttpResponse:
    ballot = _visible(request, pk)
    qs = ballot.electors.select_related("vote").natural_order()
    if request.GET.get("q"):
        qs = qs.filter(Q(label__icontains=request.GET["q"]))
    if request.GET.get("voted") in ("0", "1"):
        qs = qs.filter(vote__isnull=request.GET["voted"] == "0")
    page, query = page_for(request, qs, ELECTOR_PAGE_SIZE)
    can_edit = Ballot.objects.editable_by(request.user).filter(pk=pk).exists()
    # the photo of a signed paper form shows the choice: vote-entry staff only, never a secret ballot's
    can_see_photos = (
        not ballot.secret and Ballot.objects.votes_enterable_by(request.user).filter(pk=pk).exists()
    )
    return render(
        request,
        "ballots/elector_list.html",
        {
            "ballot": ballot,
            "page_obj": page,
            "query": query,
            "can_edit": can_edit,
            "can_see_photos": can_see_photos,
        },
    )


@login_required
@require_POST
def elector_reissue(request: HttpRequest, pk: int, elector_pk: int) -> HttpResponse:
    """A lost slip: issue a new code (the old one stops working) and show one printable slip."""
    ballot = _editable(request, pk)
    elector = get_object_or_404(ballot.electors.all(), pk=elector_pk)
    try:
        issued = services.reissue_code(elector, request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("ballots:elector_list", pk=pk)
    from .slips import slip_rows

    return render(
        request,
        "ballots/slip_single.html",
        {"ballot": ballot, "slips": slip_rows(ballot, [issued])},
    )


@login_required
@require_POST
def slips_print(request: HttpRequest, pk: int) -> HttpResponse:
    """Print slips in the background: codes for electors who have none (or, on request, new codes for
    everyone who has not voted -- the old slips stop working)."""
    ballot = _editable(request, pk)
    if not ballot.is_open:
        messages.error(
            request, _("Slips are printed once the ballot is open (the electorate is frozen then).")
        )
        return redirect(ballot)
    job = start_job(
        kind="ballot_slips",
        handler="consultations.ballots.slips.render_slips",
        user=request.user,
        params={"ballot_id": ballot.pk, "reissue": request.POST.get("reissue") == "1"},
    )
    return redirect(job.get_absolute_url())


LOOKUP_SHOWN = 20  # compounds shown for a name typed in the lookup (a search, not a list of choices)


@login_required
def policy_list(request: HttpRequest) -> HttpResponse:
    policies = list(RulePolicy.objects.for_user(request.user).select_related("division"))
    can_edit = get_scope(request.user).has_role(*POLICY_EDITOR_ROLES)
    below = services.shadowed_below(policies)
    for p in policies:
        p.kept_below = below.get(p.pk, [])
    lookup = (request.GET.get("compound") or "").strip()
    found = []
    if lookup:
        compounds = (
            Compound.objects.for_user(request.user)
            .filter(name__icontains=lookup)
            .select_related("division")
            .order_by("name")[:LOOKUP_SHOWN]
        )
        found = [(c, services.explain_policy(c)) for c in compounds]
    return render(
        request,
        "ballots/policy_list.html",
        {
            "policies": policies,
            "can_edit": can_edit,
            "lookup": lookup,
            "found": found,
            "today": timezone.localdate(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def policy_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    if not get_scope(request.user).has_role(*POLICY_EDITOR_ROLES):
        raise PermissionDenied(_("Only district administrators edit rule policies."))
    instance = None
    if pk is not None:
        instance = get_object_or_404(RulePolicy.objects.for_user(request.user), pk=pk)
        if not RulePolicy.objects.editable_by(request.user).filter(pk=pk).exists():
            raise PermissionDenied(_("You may read this but not change it."))
    form = RulePolicyForm(request.POST or None, instance=instance, user=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Rule policy saved. Ballots created from now on use it."))
        return redirect("ballots:policy_list")
    return render(request, "ballots/policy_form.html", {"form": form, "policy": instance})


# --- residents' pages (no login) ------------------------------------------------------------------------


def _ballot_id(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _throttled(request, verdict: throttling.Verdict) -> HttpResponse:
    response = render(request, "ballots/public_throttled.html", {"minutes": verdict.minutes}, status=429)
    response["Retry-After"] = str(verdict.retry_after)
    return response


def _wrong_code(verdict: throttling.Verdict) -> str:
    """What a resident reads after a wrong code: how many tries are left before a pause."""
    if verdict.paused:
        return _(
            "This code is not valid. Too many wrong codes were tried: please wait %(minutes)d minutes, "
            "or ask your community secretary for help."
        ) % {"minutes": verdict.minutes}
    return ngettext(
        "This code is not valid. Check the slip and try again. %(remaining)d more try before a pause.",
        "This code is not valid. Check the slip and try again. %(remaining)d more tries before a pause.",
        verdict.remaining,
    ) % {"remaining": verdict.remaining}


@never_cache
@require_http_methods(["GET", "POST"])
def vote_start(request: HttpRequest) -> HttpResponse:
    """Enter (or scan) a code. A QR code carries ?b=<ballot>&code=<code> and lands on the question."""
    data = request.POST if request.method == "POST" else request.GET
    ballot_id = _ballot_id(data.get("b"))
    raw = data.get("code", "")
    if not raw:
        return render(request, "ballots/public_start.html", {"ballot_id": ballot_id})
    address, scopes = throttling.client_address(request), throttling.scopes(ballot_id)
    code = normalize_code(raw)
    verdict = throttling.CODES.check(address, scopes, code)
    if verdict.paused:
        return _throttled(request, verdict)
    elector = services.find_elector(raw, ballot_id)
    if elector is None:
        verdict = throttling.CODES.fail(address, scopes, code)
        return render(
            request,
            "ballots/public_start.html",
            {"ballot_id": ballot_id, "error": _wrong_code(verdict), "code": raw},
            status=429 if verdict.paused else 400,
        )
    return _ballot_page(request, elector, services.normalize_code(raw))


def _ballot_page(request, elector: Elector, code: str, error: str = "", status: int = 200) -> HttpResponse:
    ballot = elector.ballot
    vote = Vote.objects.filter(elector=elector).select_related("option").first()
    can_change = (
        vote is not None
        and ballot.allow_change
        and not ballot.secret
        and vote.channel == choices.VoteChannel.ONLINE
        and ballot.is_open
    )
    return render(
        request,
        "ballots/public_ballot.html",
        {
            "ballot": ballot,
            "elector": elector,
            "options": list(ballot.options.all()),
            "code": code,
            "vote": vote,
            "can_vote": ballot.is_open and timezone.now() < ballot.closes_at and (vote is None or can_change),
            "can_change": can_change,
            "error": error,
        },
        status=status,
    )


def _elector_from_post(request):
    """(elector, code, throttled_response) for the confirm and cast steps."""
    ballot_id = _ballot_id(request.POST.get("b"))
    code = normalize_code(request.POST.get("code"))
    address, scopes = throttling.client_address(request), throttling.scopes(ballot_id)
    verdict = throttling.CODES.check(address, scopes, code)
    if verdict.paused:
        return None, "", _throttled(request, verdict)
    elector = services.find_elector(code, ballot_id)
    if elector is None:
        verdict = throttling.CODES.fail(address, scopes, code)
        response = render(
            request,
            "ballots/public_start.html",
            {"ballot_id": ballot_id, "error": _wrong_code(verdict)},
            status=429 if verdict.paused else 400,
        )
        return None, "", response
    return elector, code, None


@never_cache
@require_POST
def vote_confirm(request: HttpRequest) -> HttpResponse:
    elector, code, response = _elector_from_post(request)
    if response is not None:
        return response
    option = BallotOption.objects.filter(
        ballot_id=elector.ballot_id, pk=_ballot_id(request.POST.get("option"))
    ).first()
    if option is None:
        return _ballot_page(
            request, elector, code, error=_("Choose one option, then press Next step."), status=400
        )
    return render(
        request,
        "ballots/public_confirm.html",
        {"ballot": elector.ballot, "elector": elector, "option": option, "code": code},
    )


@never_cache
@require_POST
def vote_cast(request: HttpRequest) -> HttpResponse:
    elector, code, response = _elector_from_post(request)
    if response is not None:
        return response
    option_id = _ballot_id(request.POST.get("option"))
    try:
        outcome = services.cast_online_vote(code=code, option_id=option_id or 0, ballot_id=elector.ballot_id)
    except Conflict as exc:
        return _ballot_page(request, elector, code, error=exc.message, status=409)
    except DomainError as exc:
        return _ballot_page(request, elector, code, error=exc.message, status=400)
    return render(
        request,
        "ballots/public_receipt.html",
        {
            "ballot": elector.ballot,
            "receipt": outcome.receipt,
            "changed": outcome.changed,
            "just_voted": True,
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def receipt_check(request: HttpRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else request.GET
    raw = data.get("receipt", "")
    context: dict = {"receipt_input": raw}
    status = 200
    if raw:
        address, key = throttling.client_address(request), normalize_code(raw)
        verdict = throttling.RECEIPTS.check(address, [throttling.RECEIPT_SCOPE], key)
        if verdict.paused:
            return _throttled(request, verdict)
        vote = services.receipt_lookup(raw)
        if vote is None:
            verdict = throttling.RECEIPTS.fail(address, [throttling.RECEIPT_SCOPE], key)
            context["error"] = _("No vote has this receipt code.")
            if verdict.paused:
                context["error"] += " " + _("Too many wrong codes: please wait %(minutes)d minutes.") % {
                    "minutes": verdict.minutes
                }
            status = 404
        else:
            context["vote"] = vote
            context["show_choice"] = not vote.secret
    return render(request, "ballots/public_receipt_check.html", context, status=status)


@login_required
def vote_photo(request: HttpRequest, pk: int) -> HttpResponse:
    """The photo of a signed paper ballot, for the staff who may enter this ballot's votes (the form
    shows the choice). A secret ballot keeps no photo beside its voter: 404."""
    vote = get_object_or_404(Vote.objects.editable_by(request.user).filter(secret=False), pk=pk)
    return files.serve(
        request,
        vote.photo,
        object_type="ballots.vote",
        object_id=vote.pk,
        fields="photo",
        filename=f"ballot-{vote.ballot_id}-paper-{vote.pk}{files.safe_extension(vote.photo.name)}",
    )
