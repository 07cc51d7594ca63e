"""Pages of the consultations app. Reads start from `for_user`; writes go through services."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_POST

from communities import access, files
from communities.errors import DomainError
from communities.models import Building, Compound, Division, Household
from communities.paging import page_for
from config.site import absolute_url

from . import choices, coverage, services
from .filters import DeliberationFilter, MeetingFilter, NoticeFilter, OpinionFilter, VisitFilter
from .forms import (
    AnswerForm,
    DeliberationForm,
    HandleObjectionForm,
    MeetingForm,
    NoticeForm,
    ObjectionForm,
    OpinionForm,
    OpinionRowFormSet,
    PhotoForm,
    RatingForm,
    StepForm,
    TransitionForm,
    VisitForm,
)
from .models import (
    Deliberation,
    DeliberationProcedure,
    DeliberationStep,
    Meeting,
    MeetingPhoto,
    Notice,
    NoticeObjection,
    Opinion,
    Visit,
)
from .querysets import (
    can_export,
    can_log_visits,
    can_manage,
    household_visit_annotations,
    project_demand_figures,
)

PAGE_SIZE = 50


def _fail(request, exc: DomainError):
    if exc.status_code == 403:
        raise PermissionDenied(exc.message)
    messages.error(request, exc.message)


# --- my households and visits -------------------------------------------------------------------------


def _my_assignments(user):
    from projects.models import HouseholdAssignment

    return (
        HouseholdAssignment.objects.for_user(user)
        .filter(member__user=user)
        .select_related("household__building__compound", "member")
        .annotate(**household_visit_annotations(Visit, ref="household_id"))
        .order_by(
            "household__is_vacant",
            "visited",
            "household__building__compound__name",
            "household__building__name",
            "household__unit",
            "household__floor",
            "household__room",
        )
    )


@login_required
def my_households(request: HttpRequest) -> HttpResponse:
    """Phone-first: the households assigned to me, not yet visited first."""
    assignments = list(_my_assignments(request.user))
    active = [a for a in assignments if not a.household.is_vacant]
    done = sum(1 for a in active if a.visited)
    context = {
        "assignments": assignments,
        "total": len(active),
        "done": done,
        "pct": round(done * 100 / len(active)) if active else 0,
        "can_log": can_log_visits(request.user),
    }
    return render(request, "consultations/my_households.html", context)


def _visit_compound(request):
    """The compound whose households the visit form offers (from ?household, ?compound or my list)."""
    user = request.user
    if request.GET.get("household"):
        h = get_object_or_404(
            Household.objects.for_user(user).select_related("building__compound"), pk=request.GET["household"]
        )
        return h.building.compound, h
    if request.GET.get("compound"):
        return get_object_or_404(Compound.objects.for_user(user), pk=request.GET["compound"]), None
    first = _my_assignments(user).first()
    if first is not None:
        return first.household.building.compound, None
    return None, None


@login_required
def visit_create(request: HttpRequest) -> HttpResponse:
    if not can_log_visits(request.user):
        raise PermissionDenied
    compound, preset = _visit_compound(request)
    if compound is None:
        compounds = Compound.objects.for_user(request.user).select_related("division")[:100]
        return render(request, "consultations/visit_pick_compound.html", {"compounds": compounds})
    households = (
        Household.objects.for_user(request.user)
        .filter(building__compound=compound)
        .select_related("building")
        .order_by("building__name", "unit", "floor", "room")
    )
    form = VisitForm(
        request.POST or None,
        households=households,
        initial={"household": preset.pk if preset else None, "submission": uuid.uuid4().hex},
    )
    rows = OpinionRowFormSet(request.POST or None, prefix="op")
    if request.method == "POST" and form.is_valid() and rows.is_valid():
        token = form.cleaned_data["submission"]
        key = f"visit-submission:{request.user.pk}:{token}"
        # add() answers None when the cache (Redis) is down: nothing is known, so save the visit
        if token and cache.add(key, 0, 3600) is False:
            # the same form sent twice (double tap, resend): the first one saves the visit
            done = cache.get(key)
            if done:
                return redirect("consultations:visit_logged", pk=done)
            messages.info(request, _("This visit is already being saved."))
            return redirect("consultations:my_households")
        try:
            visit = services.log_visit(
                user=request.user,
                household=form.cleaned_data["household"],
                channel=form.cleaned_data["channel"],
                attitude=form.cleaned_data["attitude"],
                notes=form.cleaned_data["notes"],
                opinions=[r.cleaned_data for r in rows if r.cleaned_data],
            )
        except DomainError as exc:
            if token:
                cache.delete(key)
            _fail(request, exc)
        except Exception:
            if token:  # nothing was saved: a resend of this form must save it, not wait an hour
                cache.delete(key)
            raise
        else:
            if token:
                cache.set(key, visit.pk, 3600)
            return redirect("consultations:visit_logged", pk=visit.pk)
    picker = [
        {"id": h.pk, "b": h.building.name, "u": h.unit, "r": h.room, "f": h.floor, "v": h.visited}
        for h in households.annotate(visited=household_visit_annotations(Visit)["visited"])
    ]
    return render(
        request,
        "consultations/visit_form.html",
        {"form": form, "rows": rows, "compound": compound, "picker": picker, "preset": preset},
    )


@login_required
def visit_logged(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_object_or_404(Visit.objects.for_user(request.user).with_related(), pk=pk)
    next_assignment = _my_assignments(request.user).filter(visited=False, household__is_vacant=False).first()
    return render(
        request,
        "consultations/visit_logged.html",
        {
            "visit": visit,
            "next": next_assignment,
            "draft_key": reverse("consultations:visit_create") + ":visit-form",
        },
    )


@login_required
def visit_list(request: HttpRequest) -> HttpResponse:
    qs = Visit.objects.for_user(request.user).with_related()
    filterset = VisitFilter(request.GET or None, queryset=qs)
    page, query = page_for(request, filterset.qs, PAGE_SIZE)
    return render(
        request,
        "consultations/visit_list.html",
        {"filter": filterset, "page_obj": page, "query": query, "can_export": can_export(request.user)},
    )


@login_required
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_object_or_404(Visit.objects.for_user(request.user).with_related(), pk=pk)
    return render(
        request, "consultations/visit_detail.html", {"visit": visit, "opinions": visit.opinions.all()}
    )


# --- coverage -----------------------------------------------------------------------------------------


def _target(request):
    from projects.models import Project

    user = request.user
    target = {}
    if request.GET.get("project"):
        target["project"] = get_object_or_404(Project.objects.for_user(user), pk=request.GET["project"])
    if request.GET.get("compound"):
        target["compound"] = get_object_or_404(Compound.objects.for_user(user), pk=request.GET["compound"])
    if request.GET.get("division"):
        target["division"] = get_object_or_404(Division.objects.for_user(user), pk=request.GET["division"])
    return target


def coverage_for_request(request, target: dict):
    from projects.models import HouseholdAssignment

    households = coverage.households_for(request.user, **target)
    visits = Visit.objects.for_user(request.user).filter(household__in=households.values("pk"))
    opinions = Opinion.objects.for_user(request.user)
    if "project" in target:
        opinions = opinions.filter(
            Q(project=target["project"]) | Q(compound__in=target["project"].compounds.all())
        )
    else:
        opinions = opinions.filter(compound_id__in=households.values("building__compound_id"))
    assignments = HouseholdAssignment.objects.for_user(request.user) if target else None
    return coverage.coverage(households, visits=visits, opinions=opinions, assignments=assignments)


@login_required
def coverage_view(request: HttpRequest) -> HttpResponse:
    from projects.models import Project

    if not coverage_scope_ok(request.user):
        raise Http404
    target = _target(request)
    try:
        result, too_large = coverage_for_request(request, target), None
    except coverage.PlaceTooLarge as exc:
        result, too_large = None, exc.message
    return render(
        request,
        "consultations/coverage.html",
        {
            "target": target,
            "c": result,
            "f": result.figures if result else None,
            "too_large": too_large,
            "projects": Project.objects.for_user(request.user).only("pk", "name")[:100],
            "compounds": Compound.objects.for_user(request.user).only("pk", "name")[:200],
        },
    )


def coverage_scope_ok(user) -> bool:
    from communities.scoping import get_scope

    return get_scope(user).sees_residents


@login_required
def building_grid(request: HttpRequest, pk: int) -> HttpResponse:
    if not coverage_scope_ok(request.user):
        raise Http404
    building = get_object_or_404(Building.objects.for_user(request.user).select_related("compound"), pk=pk)
    grid = coverage.building_grid(building, request.user)
    return render(request, "consultations/building_grid.html", {"grid": grid, "building": building})


# --- opinions and the demand list -------------------------------------------------------------------


@login_required
def opinion_list(request: HttpRequest) -> HttpResponse:
    qs = Opinion.objects.for_user(request.user).with_related()
    filterset = OpinionFilter(request.GET or None, queryset=qs)
    page, query = page_for(request, filterset.qs, PAGE_SIZE)
    return render(
        request,
        "consultations/opinion_list.html",
        {"filter": filterset, "page_obj": page, "query": query, "can_log": can_log_visits(request.user)},
    )


@login_required
def opinion_create(request: HttpRequest) -> HttpResponse:
    if not can_log_visits(request.user):
        raise PermissionDenied
    # from a meeting's page: the opinion was raised at that meeting (its compound and project)
    meeting = None
    if request.GET.get("meeting"):
        meeting = get_object_or_404(Meeting.objects.for_user(request.user), pk=request.GET["meeting"])
    initial = (
        {
            "compound": meeting.compound_id,
            "project": meeting.project_id,
            "source": choices.OpinionSource.MEETING,
        }
        if meeting
        else {}
    )
    form = OpinionForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            opinion = services.record_opinion(
                user=request.user,
                compound=d["compound"],
                household=d["household"],
                project=d["project"],
                source=d["source"],
                category=d["category"],
                content=d["content"],
                meeting=meeting,
            )
        except DomainError as exc:
            _fail(request, exc)
        else:
            messages.success(request, _("Opinion recorded."))
            return redirect(opinion)
    return render(request, "consultations/opinion_form.html", {"form": form, "meeting": meeting})


@login_required
def opinion_detail(request: HttpRequest, pk: int, transition_form=None, answer_form=None) -> HttpResponse:
    opinion = get_object_or_404(Opinion.objects.for_user(request.user).with_related(), pk=pk)
    editable = Opinion.objects.editable_by(request.user).filter(pk=pk).exists()
    context = {
        "opinion": opinion,
        "editable": editable,
        "merged": opinion.merged.all(),
        "transition_form": (transition_form or TransitionForm(opinion=opinion, user=request.user))
        if editable and opinion.allowed_next
        else None,
        "answer_form": (answer_form or AnswerForm(initial={"answer": opinion.answer})) if editable else None,
        "rating_form": RatingForm(initial={"rating": opinion.rating})
        if opinion.status == choices.OpinionStatus.RESOLVED and can_log_visits(request.user)
        else None,
    }
    return render(request, "consultations/opinion_detail.html", context)


@login_required
@require_POST
def opinion_transition(request: HttpRequest, pk: int) -> HttpResponse:
    opinion = get_object_or_404(Opinion.objects.for_user(request.user), pk=pk)
    form = TransitionForm(request.POST, opinion=opinion, user=request.user)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.transition_opinion(
                opinion,
                d["to"],
                user=request.user,
                reason=d["reason"],
                work_item=d["work_item"],
                merged_into=d["merged_into"],
                answer=d["answer"],
            )
            messages.success(request, _("Opinion updated."))
        except DomainError as exc:
            if exc.status_code == 403:
                _fail(request, exc)
            else:
                # refused: shown beside the form, which keeps what was chosen and typed
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
                return opinion_detail(request, pk, transition_form=form)
    else:
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect(opinion)


@login_required
@require_POST
def opinion_answer(request: HttpRequest, pk: int) -> HttpResponse:
    opinion = get_object_or_404(Opinion.objects.for_user(request.user), pk=pk)
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            services.answer_opinion(opinion, user=request.user, answer=form.cleaned_data["answer"])
            messages.success(request, _("Answer saved."))
        except DomainError as exc:
            _fail(request, exc)
            # refused: the page again, with the answer as it was typed
            return opinion_detail(request, pk, answer_form=form)
    else:
        return opinion_detail(request, pk, answer_form=form)
    return redirect(opinion)


@login_required
@require_POST
def opinion_rate(request: HttpRequest, pk: int) -> HttpResponse:
    opinion = get_object_or_404(Opinion.objects.for_user(request.user), pk=pk)
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            services.rate_opinion(opinion, user=request.user, rating=form.cleaned_data["rating"])
            messages.success(request, _("Rating saved."))
        except DomainError as exc:
            _fail(request, exc)
    return redirect(opinion)


@login_required
def demand_list(request: HttpRequest) -> HttpResponse:
    """The demand list (需求清单): accepted opinions grouped by category, with counts and status."""
    return render(request, "consultations/demand_list.html", _demand_context(request))


@login_required
def demand_print(request: HttpRequest) -> HttpResponse:
    """The demand list as an A4 PDF, for meetings and the board: categories with their counts, each
    demand with its compound and status (no household, no resident: it may be posted)."""
    from config.pdf import render_pdf

    context = _demand_context(request)
    context["printed_at"] = timezone.localtime()
    query = f"?{context['query']}" if context["query"] else ""
    context["page_url"] = absolute_url(reverse("consultations:demand_list") + query)
    pdf = render_pdf("consultations/demand_list_pdf.html", context)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="demands.pdf"'
    return response


def _demand_context(request: HttpRequest) -> dict:
    target = _target(request)
    qs = Opinion.objects.for_user(request.user).demands()
    if "project" in target:
        qs = qs.of_project(target["project"])
    if "compound" in target:
        qs = qs.filter(compound=target["compound"])
    if "division" in target:
        qs = qs.filter(compound__division__path__startswith=target["division"].path)
    counts = qs.order_by().values("category", "status").annotate(n=Count("pk"))
    groups: dict[str, dict] = {}
    for row in counts:
        g = groups.setdefault(
            row["category"],
            {
                "category": choices.OpinionCategory(row["category"]).label,
                "code": row["category"],
                "total": 0,
                "statuses": {s: 0 for s in choices.DEMAND_STATUSES},
                "items": [],
            },
        )
        g["statuses"][row["status"]] = row["n"]
        g["total"] += row["n"]
    limit = 1000
    items = list(qs.with_related().order_by("category", "status", "-created_at")[:limit])
    for o in items:
        groups[o.category]["items"].append(o)
    ordered = sorted(groups.values(), key=lambda g: -g["total"])
    return {
        "groups": ordered,
        "target": target,
        "total": sum(g["total"] for g in ordered),
        "truncated": len(items) >= limit,
        "figures": project_demand_figures(target["project"]) if "project" in target else None,
        "can_export": can_export(request.user),
        "query": request.GET.urlencode(),
    }


# --- meetings -----------------------------------------------------------------------------------------


@login_required
def meeting_list(request: HttpRequest) -> HttpResponse:
    qs = (
        Meeting.objects.for_user(request.user)
        .select_related("compound", "project")
        .annotate(photo_count=Count("photos", distinct=True), opinion_count=Count("opinions", distinct=True))
        .order_by("-held_at", "-pk")
    )
    filterset = MeetingFilter(request.GET or None, queryset=qs)
    page, query = page_for(request, filterset.qs, PAGE_SIZE)
    return render(
        request,
        "consultations/meeting_list.html",
        {"filter": filterset, "page_obj": page, "query": query, "can_log": can_log_visits(request.user)},
    )


@login_required
def meeting_create(request: HttpRequest) -> HttpResponse:
    if not can_log_visits(request.user):
        raise PermissionDenied
    initial = {k: request.GET[k] for k in ("project", "compound") if request.GET.get(k)}
    form = MeetingForm(request.POST or None, request.FILES or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        photo = d.pop("photo", None)
        try:
            meeting = services.create_meeting(user=request.user, **d)
        except DomainError as exc:
            _fail(request, exc)
        else:
            messages.success(request, _("Meeting recorded."))
            if photo:
                try:
                    services.add_meeting_photo(user=request.user, meeting=meeting, upload=photo)
                except DomainError as exc:  # the meeting is saved; say why the photo was not
                    messages.warning(request, exc.message)
            return redirect(meeting)
    return render(request, "consultations/meeting_form.html", {"form": form})


SIGN_IN_BLANK_ROWS = 10  # for people who are not on the register (tenants' relatives, guests)


@login_required
def meeting_sign_in(request: HttpRequest, pk: int) -> HttpResponse:
    """The meeting's sign-in sheet (签到表) as an A4 PDF: one row per household of the meeting's
    compounds (building, unit, room: no names or phones printed) and blank rows, to sign by hand."""
    from config.pdf import render_pdf

    meeting = get_object_or_404(
        Meeting.objects.for_user(request.user).select_related("compound", "project", "division"), pk=pk
    )
    if meeting.compound_id:
        compounds = [meeting.compound]
    elif meeting.project_id:
        compounds = list(meeting.project.compounds.all())
    else:
        compounds = []
    households = (
        Household.objects.filter(building__compound__in=compounds)
        .select_related("building__compound")
        .order_by("building__compound__name", "building__name", "unit", "floor", "room", "pk")
    )
    pdf = render_pdf(
        "consultations/meeting_sign_in.html",
        {
            "meeting": meeting,
            "compounds": compounds,
            "households": households,
            "blank_rows": range(SIGN_IN_BLANK_ROWS),
            "several_compounds": len(compounds) > 1,
        },
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="meeting-{meeting.pk}-sign-in.pdf"'
    return response


@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_object_or_404(
        Meeting.objects.for_user(request.user).select_related("compound", "project", "division"), pk=pk
    )
    editable = Meeting.objects.editable_by(request.user).filter(pk=pk).exists()
    form = PhotoForm(request.POST or None, request.FILES or None) if editable else None
    if request.method == "POST":
        if not editable:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.add_meeting_photo(
                    user=request.user,
                    meeting=meeting,
                    upload=form.cleaned_data["image"],
                    caption=form.cleaned_data["caption"],
                )
            except DomainError as exc:
                form.add_error("image", exc.message)
            else:
                messages.success(request, _("Photo added."))
                return redirect(meeting)
    return render(
        request,
        "consultations/meeting_detail.html",
        {
            "meeting": meeting,
            "photos": meeting.photos.all(),
            "opinions": meeting.opinions.all(),
            "steps": meeting.deliberation_steps.select_related("deliberation"),
            "photo_form": form,
            "can_log": can_log_visits(request.user),
        },
    )


# --- deliberations ------------------------------------------------------------------------------------


@login_required
def deliberation_list(request: HttpRequest) -> HttpResponse:
    services.ensure_standard_procedures()
    qs = (
        Deliberation.objects.for_user(request.user)
        .select_related("procedure", "compound", "project")
        .prefetch_related(Prefetch("steps", queryset=DeliberationStep.objects.order_by("order")))
    )
    filterset = DeliberationFilter(request.GET or None, queryset=qs)
    page, query = page_for(request, filterset.qs, PAGE_SIZE)
    return render(
        request,
        "consultations/deliberation_list.html",
        {
            "filter": filterset,
            "page_obj": page,
            "query": query,
            "can_manage": can_manage(request.user),
            "procedures": DeliberationProcedure.objects.for_user(request.user).prefetch_related("steps"),
        },
    )


@login_required
def deliberation_create(request: HttpRequest) -> HttpResponse:
    if not can_manage(request.user):
        raise PermissionDenied
    services.ensure_standard_procedures()
    initial = {k: request.GET[k] for k in ("procedure", "project", "compound") if request.GET.get(k)}
    form = DeliberationForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            deliberation = services.start_deliberation(user=request.user, **form.cleaned_data)
        except DomainError as exc:
            _fail(request, exc)
        else:
            return redirect(deliberation)
    return render(request, "consultations/deliberation_form.html", {"form": form})


@login_required
def deliberation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    deliberation = get_object_or_404(
        Deliberation.objects.for_user(request.user).select_related(
            "procedure", "compound", "project", "division"
        ),
        pk=pk,
    )
    steps = list(deliberation.steps.select_related("meeting", "notice", "done_by").order_by("order"))
    current = next((s for s in steps if not s.is_done), None)
    editable = Deliberation.objects.editable_by(request.user).filter(pk=pk).exists()
    form = None
    search = (request.GET.get("q") or "").strip()[:50]
    if editable and current and deliberation.status == choices.DeliberationStatus.OPEN:
        form = StepForm(
            request.POST or None, deliberation=deliberation, user=request.user, step=current, search=search
        )
        if request.method == "POST" and form.is_valid():
            try:
                services.complete_step(current, user=request.user, **form.cleaned_data)
            except DomainError as exc:
                # beside the form, which keeps what was chosen and typed
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, _("Step recorded."))
                return redirect(deliberation)
    elif request.method == "POST":
        raise PermissionDenied
    return render(
        request,
        "consultations/deliberation_detail.html",
        {"d": deliberation, "steps": steps, "current": current, "form": form, "search": search},
    )


# --- notices ------------------------------------------------------------------------------------------


@login_required
def notice_list(request: HttpRequest) -> HttpResponse:
    qs = Notice.objects.for_user(request.user).select_related("compound", "project").with_objection_counts()
    filterset = NoticeFilter(request.GET or None, queryset=qs)
    page, query = page_for(request, filterset.qs, PAGE_SIZE)
    return render(
        request,
        "consultations/notice_list.html",
        {"filter": filterset, "page_obj": page, "query": query, "can_manage": can_manage(request.user)},
    )


@login_required
def notice_create(request: HttpRequest) -> HttpResponse:
    if not can_manage(request.user):
        raise PermissionDenied
    # from a project's checklist: "publish the plan notice" (kind and project filled in)
    initial = {k: request.GET[k] for k in ("kind", "project", "compound") if request.GET.get(k)}
    form = NoticeForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            notice = services.publish_notice(user=request.user, **form.cleaned_data)
        except DomainError as exc:
            _fail(request, exc)
        else:
            messages.success(request, _("Notice published."))
            return redirect(notice)
    return render(request, "consultations/notice_form.html", {"form": form})


def _notice(request, pk: int) -> Notice:
    return get_object_or_404(
        Notice.objects.for_user(request.user).select_related("compound", "project", "division"), pk=pk
    )


def _notice_page(
    request, notice: Notice, *, unmasked=False, reveal_form=None, typed_objection=None, status=200
) -> HttpResponse:
    """The notice with its objections; objectors' contacts masked unless just revealed (and logged).
    `typed_objection`: (objection pk, bound form) of a refused handling, shown again as typed."""
    from communities.forms import RevealForm
    from communities.masking import mask_phone
    from communities.scoping import get_scope

    editable = Notice.objects.editable_by(request.user).filter(pk=notice.pk).exists()
    objections = list(notice.objections.select_related("handled_by"))
    for o in objections:
        if not unmasked:
            o.contact = mask_phone(o.contact)
        if editable:  # one form per objection, with its own ids (labels point at the right field)
            o.handle_form = HandleObjectionForm(auto_id=f"id_o{o.pk}_%s")
            if typed_objection and typed_objection[0] == o.pk:
                o.handle_form = typed_objection[1]
    response = render(
        request,
        "consultations/notice_detail.html",
        {
            "notice": notice,
            "objections": objections,
            "editable": editable,
            "handle_form": editable,
            "period_over": timezone.now() >= notice.ends_at,
            "pending": sum(1 for o in objections if o.status == choices.ObjectionStatus.PENDING),
            "public_url": absolute_url(notice.get_public_url()),
            "unmasked": unmasked,
            "sees_unmasked": get_scope(request.user).sees_unmasked and any(o.contact for o in objections),
            "reveal_form": reveal_form or RevealForm(),
            "reveal_url": reverse("consultations:notice_reveal", args=[notice.pk]),
            "reveal_label": _("Show full contacts"),
        },
        status=status,
    )
    if unmasked:
        add_never_cache_headers(response)
    return response


@login_required
def notice_detail(request: HttpRequest, pk: int, typed_objection=None) -> HttpResponse:
    return _notice_page(request, _notice(request, pk), typed_objection=typed_objection)


@login_required
@require_POST
def notice_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """Show objectors' full contacts, with a reason, recorded like every reveal."""
    from communities.forms import RevealForm
    from communities.scoping import get_scope
    from communities.services import reveal_personal_data

    notice = _notice(request, pk)
    if not get_scope(request.user).sees_unmasked:
        raise PermissionDenied(_("Your role does not allow seeing full phone and ID numbers."))
    form = RevealForm(request.POST)
    if not form.is_valid():
        return _notice_page(request, notice, reveal_form=form, status=400)
    reveal_personal_data(
        request.user,
        notice.objections.exclude(contact=""),
        reason=form.cleaned_data["reason"],
        fields="contact",
        object_type="objection",
        request=request,
    )
    return _notice_page(request, notice, unmasked=True)


@login_required
@require_POST
def objection_handle(request: HttpRequest, pk: int) -> HttpResponse:
    objection = get_object_or_404(
        NoticeObjection.objects.for_user(request.user).select_related("notice"), pk=pk
    )
    form = HandleObjectionForm(request.POST, auto_id=f"id_o{objection.pk}_%s")
    if form.is_valid():
        try:
            services.handle_objection(objection, user=request.user, **form.cleaned_data)
            messages.success(request, _("Objection handled."))
        except DomainError as exc:
            _fail(request, exc)
            if exc.field in form.fields:
                form.add_error(exc.field, exc.message)
            return notice_detail(request, objection.notice_id, typed_objection=(objection.pk, form))
    else:
        # refused: the notice page again, with what was typed kept in this objection's form
        messages.error(request, _("Say how the objection was handled."))
        return notice_detail(request, objection.notice_id, typed_objection=(objection.pk, form))
    return redirect(objection.notice)


@login_required
@require_POST
def notice_close(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(Notice.objects.for_user(request.user), pk=pk)
    try:
        services.close_notice(notice, user=request.user)
        messages.success(request, _("Notice closed."))
    except DomainError as exc:
        _fail(request, exc)
    return redirect(notice)


OBJECTION_LIMIT = 5  # per address per 10 minutes


def _rate_limited(request, notice) -> bool:
    """At most OBJECTION_LIMIT objections per address per 10 minutes. The count lives in the cache:
    shared by every process with Redis (REDIS_URL), per process without it (LocMemCache: a
    development server or a single process only). add + incr is atomic in Redis, so concurrent
    posts cannot slip past the limit the way get + set could (communities.throttling.count_in_window;
    with Redis down nothing is counted and the objection is taken)."""
    from communities.throttling import count_in_window

    ip = access.client_ip(request) or "-"
    return count_in_window(f"objection-rate:{ip}", 600) > OBJECTION_LIMIT


def notice_public(request: HttpRequest, slug: str) -> HttpResponse:
    """The notice board page residents reach by QR code: big type, no login; objections while open."""
    notice = get_object_or_404(Notice.objects.select_related("compound", "project"), slug=slug)
    form = ObjectionForm(request.POST or None)
    sent = request.GET.get("sent") == "1"
    if request.method == "POST":
        if _rate_limited(request, notice):
            messages.error(request, _("Too many objections from this connection: please try again later."))
        elif form.is_valid():
            try:
                services.submit_objection(notice, **form.cleaned_data)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                return redirect(reverse("consultations:notice_public", args=[slug]) + "?sent=1")
    response = render(
        request,
        "consultations/notice_public.html",
        {"notice": notice, "form": form, "sent": sent, "open": notice.is_open_for_objections()},
    )
    response["Cache-Control"] = "no-store"
    return response


@cache_control(max_age=3600, public=True)
def notice_qr(request: HttpRequest, slug: str) -> HttpResponse:
    import io

    import segno

    notice = get_object_or_404(Notice.objects.only("slug"), slug=slug)
    qr = segno.make(absolute_url(notice.get_public_url()), error="m")
    buffer = io.BytesIO()
    qr.save(buffer, kind="svg", scale=6, border=2)
    return HttpResponse(buffer.getvalue(), content_type="image/svg+xml")


@login_required
def notice_poster(request: HttpRequest, pk: int) -> HttpResponse:
    """The notice as an A4 poster for the board (PDF): title, text, period, issuer and a QR code to the
    public page. Never objections, objectors' contacts or staff notes."""
    from config.pdf import render_pdf
    from config.site import qr_png_data_uri

    notice = get_object_or_404(
        Notice.objects.for_user(request.user).select_related("compound", "project", "division"), pk=pk
    )
    public_url = absolute_url(notice.get_public_url())
    pdf = render_pdf(
        "consultations/notice_poster.html",
        {"notice": notice, "public_url": public_url, "qr": qr_png_data_uri(public_url, scale=6)},
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="notice-{notice.pk}.pdf"'
    return response


# --- exports ------------------------------------------------------------------------------------------


def _export(request, kind: str):
    from communities.access import ExportForbidden

    from .exports import start_export

    params = {k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken" and v}
    try:
        job = start_export(
            user=request.user,
            kind=kind,
            params=params,
            request=request,
            unmask=request.POST.get("unmask"),
            unmask_reason=request.POST.get("unmask_reason", ""),
        )
    except (ExportForbidden, services.Forbidden) as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:  # e.g. full numbers asked for without a reason: say so, nothing started
        messages.error(request, exc.message)
        back = "consultations:visit_list" if kind == "visit_ledger" else "consultations:demand_list"
        return redirect(reverse(back))
    return redirect(job.get_absolute_url())


@login_required
@require_POST
def visit_export(request: HttpRequest) -> HttpResponse:
    return _export(request, "visit_ledger")


@login_required
@require_POST
def demand_export(request: HttpRequest) -> HttpResponse:
    return _export(request, "demand_list")


@login_required
def meeting_photo(request: HttpRequest, pk: int) -> HttpResponse:
    """A meeting's photo, for those who can see the meeting; logged (communities.files)."""
    photo = get_object_or_404(
        MeetingPhoto.objects.filter(meeting__in=Meeting.objects.for_user(request.user)), pk=pk
    )
    return files.serve(
        request,
        photo.image,
        object_type="consultations.meetingphoto",
        object_id=photo.pk,
        cache="private, max-age=3600",
    )
