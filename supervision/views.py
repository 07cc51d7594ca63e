"""Supervision pages. Reads start from scoped querysets (outside scope: 404); writes call services and
show their refusals next to the form."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Max, OuterRef, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from communities import files
from communities.errors import DomainError
from communities.jobs import start_job
from communities.paging import page_for
from communities.querysets import count_of

from . import filters, forms, services
from . import permissions as perms
from .choices import OPEN_RECTIFICATION_STATUSES, RoundStatus, TeamMemberRole
from .models import (
    AcceptanceRound,
    Dispute,
    Inspection,
    PanelMember,
    Photo,
    Rectification,
    SupervisionTeam,
    SupervisionTeamMember,
)


def _project(request, pk):
    from projects.models import Project

    return get_object_or_404(Project.objects.for_user(request.user).select_related("division"), pk=pk)


def _fail(request, form, exc: DomainError):
    if exc.status_code == 403:
        # visible but not the user's to change: 403 with the reason, like the API (not a 200 form)
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(exc.message) from exc
    if form is not None and exc.field and exc.field in form.fields:
        form.add_error(exc.field, exc.message)
    elif form is not None:
        form.add_error(None, exc.message)
    else:
        messages.error(request, exc.message)


# --- overview -----------------------------------------------------------------------------------------


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    """The street's overview: projects with their open and overdue orders, schedule and disputes."""
    from projects.models import Project

    today = timezone.localdate()
    # counted per project as subqueries: only the order's own count is read for every project, the
    # rest for the page's rows (grouped over the joins of all of them, 1.6 s for a province)
    open_orders = Rectification.objects.filter(project=OuterRef("pk"), status__in=OPEN_RECTIFICATION_STATUSES)
    disputes = Dispute.objects.filter(project=OuterRef("pk"))
    projects = (
        Project.objects.for_user(request.user)
        .select_related("division")
        .with_totals()
        .annotate(
            open_orders=count_of(open_orders),
            overdue_orders=count_of(open_orders.filter(deadline__lt=today)),
            open_disputes=count_of(disputes.exclude(status__in=["resolved", "unresolved"])),
            dispute_count=count_of(disputes),
        )
        .order_by("-overdue_orders", "name", "pk")
    )
    page, query = page_for(request, projects, 50)
    rows = [(p, services.schedule_status(p, today)) for p in page]
    overdue = (
        Rectification.objects.for_user(request.user)
        .overdue(today)
        .select_related("project", "responsible_party")
        .order_by("deadline")[:50]
    )
    disputes_by_community = (
        Dispute.objects.for_user(request.user)
        .values("compound__division__name")
        .annotate(total=Count("pk"), open=Count("pk", filter=~Q(status__in=["resolved", "unresolved"])))
        .order_by("compound__division__name")
    )
    return render(
        request,
        "supervision/overview.html",
        {
            "rows": rows,
            "page_obj": page,
            "query": query,
            "overdue": overdue,
            "today": today,
            "disputes_by_community": disputes_by_community,
        },
    )


# --- inspections --------------------------------------------------------------------------------------


@login_required
def inspection_list(request: HttpRequest) -> HttpResponse:
    qs = (
        Inspection.objects.for_user(request.user)
        .select_related("project", "work_item")
        .annotate(photo_count=Count("photos"))
        .order_by("-inspected_on", "-pk")
    )
    f = filters.InspectionFilter(request.GET, queryset=qs)
    page, query = page_for(request, f.qs, 30)
    return render(
        request, "supervision/inspection_list.html", {"filter": f, "page_obj": page, "query": query}
    )


@login_required
def inspection_new(request: HttpRequest, project_pk: int) -> HttpResponse:
    project = _project(request, project_pk)
    if not perms.can_inspect(request.user, project):
        raise _forbidden()
    form = forms.InspectionForm(request.POST or None, request.FILES or None, project=project)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        orders = []
        if data.get("order_description"):
            orders.append(
                services.OrderSpec(
                    description=data["order_description"],
                    responsible_party=data["order_party"],
                    deadline=data["order_deadline"],
                    severity=data["order_severity"],
                    work_item=data.get("work_item"),
                )
            )
        try:
            inspection = services.record_inspection(
                user=request.user,
                project=project,
                work_item=data.get("work_item"),
                findings=data["findings"],
                result=data["result"],
                photos=data["photos"],
                orders=orders,
            )
        except DomainError as exc:
            _fail(request, form, exc)
        else:
            messages.success(request, _("Inspection recorded."))
            return redirect(inspection.get_absolute_url() + "?saved=1")
    return render(request, "supervision/inspection_form.html", {"form": form, "project": project})


def _forbidden():
    from django.core.exceptions import PermissionDenied

    return PermissionDenied(_("You may read this but not change it."))


@login_required
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = get_object_or_404(
        Inspection.objects.for_user(request.user)
        .select_related("project", "work_item", "team_member__person", "team_member__branch_member")
        .prefetch_related("photos"),
        pk=pk,
    )
    orders = (
        Rectification.objects.for_user(request.user)
        .filter(inspection=inspection)
        .select_related("responsible_party")
    )
    return render(request, "supervision/inspection_detail.html", {"inspection": inspection, "orders": orders})


# --- progress -----------------------------------------------------------------------------------------


@login_required
def progress_new(request: HttpRequest, project_pk: int) -> HttpResponse:
    project = _project(request, project_pk)
    if not perms.can_report_progress(request.user, project):
        raise _forbidden()
    form = forms.ProgressForm(request.POST or None, request.FILES or None, project=project)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.report_progress(
                user=request.user,
                work_item=data["work_item"],
                percent=data["percent"],
                reported_on=data["reported_on"],
                note=data["note"],
                reason=data["reason"],
                photos=data["photos"],
            )
        except DomainError as exc:
            _fail(request, form, exc)
        else:
            messages.success(request, _("Progress reported."))
            return redirect("supervision:project", project.pk)
    return render(request, "supervision/progress_form.html", {"form": form, "project": project})


@login_required
def photo_new(request: HttpRequest, project_pk: int) -> HttpResponse:
    """Before / during / after photos from the project page, checked and stored by the same service as
    the API (type, size, resize). A refused upload stores nothing and keeps the other fields."""
    project = _project(request, project_pk)
    if not (perms.can_inspect(request.user, project) or perms.can_report_progress(request.user, project)):
        raise _forbidden()
    form = forms.ProjectPhotoForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.add_photos(
                user=request.user,
                project=project,
                uploads=data["photos"],
                kind=data["kind"],
                caption=data["caption"],
                taken_on=data["taken_on"],
            )
        except DomainError as exc:
            if exc.status_code == 403:
                _fail(request, form, exc)
            form.add_error(exc.field if exc.field in form.fields else "photos", exc.message)
        else:
            messages.success(request, _("%(n)s photos added.") % {"n": len(data["photos"])})
            if request.POST.get("back") == "supervision":
                return redirect("supervision:project", project.pk)
            return redirect(project.get_absolute_url() + "#supervision")
    return render(request, "supervision/photo_form.html", {"form": form, "project": project})


# --- rectifications -----------------------------------------------------------------------------------


@login_required
def rectification_list(request: HttpRequest) -> HttpResponse:
    qs = Rectification.objects.for_user(request.user).select_related("project", "responsible_party")
    f = filters.RectificationFilter(request.GET, queryset=qs)
    page, query = page_for(request, f.qs, 30)
    return render(
        request,
        "supervision/rectification_list.html",
        {"filter": f, "page_obj": page, "query": query, "today": timezone.localdate()},
    )


@login_required
def rectification_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_object_or_404(
        Rectification.objects.for_user(request.user)
        .select_related(
            "project__division", "responsible_party", "inspection", "acceptance_round", "work_item"
        )
        .prefetch_related("photos", "reminders"),
        pk=pk,
    )
    submit_form = forms.SubmitForm()
    reject_form = forms.RejectForm()
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "start":
                services.start_rectification(user=request.user, order=order)
            elif action == "submit":
                submit_form = forms.SubmitForm(request.POST, request.FILES)
                if not submit_form.is_valid():
                    raise _Invalid
                services.submit_rectification(
                    user=request.user,
                    order=order,
                    response=submit_form.cleaned_data["response"],
                    photos=submit_form.cleaned_data["photos"],
                )
            elif action == "verify":
                services.verify_rectification(user=request.user, order=order)
            elif action == "reject":
                reject_form = forms.RejectForm(request.POST)
                if not reject_form.is_valid():
                    raise _Invalid
                services.reject_rectification(
                    user=request.user, order=order, reason=reject_form.cleaned_data["reason"]
                )
            else:
                raise Http404
        except _Invalid:
            pass
        except DomainError as exc:
            _fail(
                request,
                submit_form if action == "submit" else reject_form if action == "reject" else None,
                exc,
            )
        else:
            messages.success(request, _("Rectification order updated."))
            return redirect(order.get_absolute_url())
    order.refresh_from_db()
    history = list(
        Rectification.pgh_event_model.objects.filter(pgh_obj_id=order.pk)
        .select_related("pgh_context")
        .order_by("pgh_id")
    )
    actors = _actors(e.pgh_context.metadata.get("user") for e in history if e.pgh_context)
    for event in history:
        event.actor = actors.get(event.pgh_context.metadata.get("user")) if event.pgh_context else ""
    context = {
        "order": order,
        "submit_form": submit_form,
        "reject_form": reject_form,
        "can_work": perms.can_work_on_order(request.user, order),
        "can_verify": perms.can_verify_order(request.user, order),
        "history": history,
    }
    return render(request, "supervision/rectification_detail.html", context)


class _Invalid(Exception):
    pass


def _actors(user_ids) -> dict:
    """Who made each change in an audit history: {user id: full name or username}, one query."""
    from django.contrib.auth import get_user_model

    ids = {i for i in user_ids if i}
    return {u.pk: u.display_name for u in get_user_model().objects.filter(pk__in=ids)}


@login_required
@require_POST
def rectification_export(request: HttpRequest) -> HttpResponse:
    params = {k: request.POST.get(k) for k in ("project", "status", "overdue") if request.POST.get(k)}
    job = start_job(
        kind="rectification_ledger",
        handler="supervision.exports.rectification_ledger",
        user=request.user,
        params=params,
    )
    return redirect(job.get_absolute_url())


# --- project: supervision & acceptance ------------------------------------------------------------------


@login_required
def project_supervision(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything supervision knows about one project, with the acceptance history and actions."""
    project = _project(request, pk)
    schedule_form = forms.ScheduleRoundForm(request.POST or None)
    if request.method == "POST" and schedule_form.is_valid():
        try:
            acceptance = services.schedule_round(
                user=request.user, project=project, scheduled_on=schedule_form.cleaned_data["scheduled_on"]
            )
        except DomainError as exc:
            _fail(request, schedule_form, exc)
        else:
            messages.success(request, _("Acceptance round %(n)s scheduled.") % {"n": acceptance.number})
            return redirect(acceptance.get_absolute_url())
    can_schedule = (
        perms.can_run_acceptance(request.user, project)
        and project.status in ("under_construction", "rework")
        and not AcceptanceRound.objects.filter(project=project, status__in=["scheduled", "voting"]).exists()
    )
    return render(
        request,
        "supervision/project.html",
        {
            "project": project,
            "schedule_form": schedule_form,
            "can_run_acceptance": can_schedule,
            "work_items": project.work_items.annotate(
                last_report=Max("progress_reports__reported_on"),
                open_orders=Count(
                    "rectifications",
                    filter=Q(rectifications__status__in=OPEN_RECTIFICATION_STATUSES),
                    distinct=True,
                ),
            ).order_by("pk"),
            "open_orders": Rectification.objects.for_user(request.user)
            .filter(project=project, status__in=OPEN_RECTIFICATION_STATUSES)
            .select_related("responsible_party", "work_item")
            .order_by("deadline", "pk")[:20],
            "today": timezone.localdate(),
            "blocking_orders": services.blocking_orders(project).count() if can_schedule else 0,
            "can_inspect": perms.can_inspect(request.user, project),
            "can_report": perms.can_report_progress(request.user, project),
            "can_dispute": perms.can_record_dispute(request.user, project),
        },
    )


@login_required
def team_member_remove(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    """GET asks to confirm; POST takes the member off the team (their inspections stay)."""
    from config.deletion import preview_deletion

    project = _project(request, pk)
    if not perms.can_manage_team(request.user, project):
        raise _forbidden()
    member = get_object_or_404(SupervisionTeamMember.objects.filter(team__project=project), pk=member_pk)
    back = reverse("supervision:team", args=[project.pk])
    if request.method == "POST":
        name = member.name
        try:
            services.remove_team_member(user=request.user, member=member)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("%(name)s left the team.") % {"name": name})
        return redirect(back)
    preview = preview_deletion(member)
    preview.target = member.name
    return render(
        request,
        "confirm_delete.html",
        {
            "title": _("Remove from the team"),
            "subtitle": project.name,
            "preview": preview,
            "question": _("Remove %(name)s from the resident supervision team?") % {"name": member.name},
            "note": _("The inspections this supervisor recorded stay on the project."),
            "button": _("Remove"),
            "back": back,
        },
    )


@login_required
def team(request: HttpRequest, pk: int) -> HttpResponse:
    """The project's resident supervision team: set it up, add residents and Party members, remove."""
    from communities.models import Person
    from projects.models import BranchMember

    project = _project(request, pk)
    can_manage = perms.can_manage_team(request.user, project)
    team_obj = SupervisionTeam.objects.filter(project=project).first()
    query = (request.GET.get("q") or "").strip()[:50]
    creating = request.method == "POST" and request.POST.get("action") == "create"
    team_form = forms.TeamForm(request.POST if creating else None)
    if request.method == "POST":
        if not can_manage:
            raise _forbidden()
        action = request.POST.get("action")
        try:
            if action == "create":
                if not team_form.is_valid():
                    raise _Invalid
                services.create_team(user=request.user, project=project, name=team_form.cleaned_data["name"])
                messages.success(request, _("Resident supervision team set up."))
            elif action == "add" and team_obj is not None:
                add = forms.TeamMemberAddForm(request.POST)
                if not add.is_valid():
                    raise _Invalid
                data = add.cleaned_data
                person = branch_member = None
                if data.get("person"):
                    person = get_object_or_404(Person.objects.for_user(request.user), pk=data["person"])
                if data.get("branch_member"):
                    branch_member = get_object_or_404(
                        BranchMember.objects.for_user(request.user).select_related("branch"),
                        pk=data["branch_member"],
                    )
                member = services.add_team_member(
                    user=request.user,
                    team=team_obj,
                    person=person,
                    branch_member=branch_member,
                    role=data["role"],
                )
                messages.success(request, _("%(name)s joined the team.") % {"name": member.name})
            elif action == "join" and team_obj is not None:
                member = services.join_team(user=request.user, team=team_obj)
                messages.success(request, _("%(name)s joined the team.") % {"name": member.name})
            elif action == "remove" and team_obj is not None:
                # removing goes through the confirmation page
                member = get_object_or_404(team_obj.members.all(), pk=request.POST.get("member"))
                return redirect("supervision:team_member_remove", pk=project.pk, member_pk=member.pk)
            else:
                raise Http404
        except _Invalid:
            pass
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            url = reverse("supervision:team", args=[project.pk])
            return redirect(f"{url}?{urlencode({'q': query})}" if query else url)
    members = []
    residents, branch_members = [], []
    if team_obj is not None:
        members = list(
            team_obj.members.select_related("person", "branch_member__branch", "user")
            .annotate(inspection_count=Count("inspections"))
            .order_by("role", "pk")
        )
        if can_manage:
            residents, branch_members = services.team_candidates(
                user=request.user, project=project, query=query
            )
    mine = services.own_branch_member(request.user, project) if can_manage and team_obj is not None else None
    return render(
        request,
        "supervision/team.html",
        {
            "project": project,
            "team": team_obj,
            "members": members,
            "can_manage": can_manage,
            "can_join": mine is not None and not any(m.branch_member_id == mine.pk for m in members),
            "own_member": mine,
            "team_form": team_form,
            "query": query,
            "residents": residents,
            "branch_members": branch_members,
            "roles": TeamMemberRole.choices,
        },
    )


@login_required
def acceptance_detail(request: HttpRequest, pk: int) -> HttpResponse:
    acceptance = get_object_or_404(
        AcceptanceRound.objects.for_user(request.user)
        .select_related("project__division", "ballot")
        .prefetch_related(
            Prefetch("panel", queryset=PanelMember.objects.order_by("role", "pk")),
            Prefetch("rectifications", queryset=Rectification.objects.select_related("responsible_party")),
        ),
        pk=pk,
    )
    project = acceptance.project
    can_run = perms.can_run_acceptance(request.user, project)
    seats = list(acceptance.panel.all())
    verdict_form = forms.PanelVerdictForm(seats=seats)
    close_form = forms.CloseSurveyForm(prefix="close")
    seat_form = forms.PanelSeatForm(prefix="seat")
    order_form = forms.OrderForm(project=project, prefix="order")
    filing_form = forms.FilingForm(prefix="filing")
    handover_form = forms.HandoverForm(prefix="handover")
    if request.method == "POST":
        if not can_run:
            raise _forbidden()
        action = request.POST.get("action")
        form = None
        try:
            if action == "seat":
                form = seat_form = forms.PanelSeatForm(request.POST, prefix="seat")
                if not form.is_valid():
                    raise _Invalid
                services.add_panel_seat(user=request.user, acceptance=acceptance, **form.cleaned_data)
            elif action == "verdict":
                form = verdict_form = forms.PanelVerdictForm(request.POST, seats=seats)
                if not form.is_valid():
                    raise _Invalid
                services.record_panel_verdict(user=request.user, acceptance=acceptance, **form.cleaned_data)
            elif action == "open":
                services.open_satisfaction_survey(user=request.user, acceptance=acceptance)
            elif action == "close":
                form = close_form = forms.CloseSurveyForm(request.POST, prefix="close")
                if not form.is_valid():
                    raise _Invalid
                services.close_round(
                    user=request.user, acceptance=acceptance, reason=form.cleaned_data["reason"]
                )
            elif action == "order":
                form = order_form = forms.OrderForm(request.POST, project=project, prefix="order")
                if not form.is_valid():
                    raise _Invalid
                services.raise_rectification(
                    user=request.user,
                    project=project,
                    acceptance_round=acceptance,
                    spec=services.OrderSpec(**form.cleaned_data),
                )
            elif action == "file":
                form = filing_form = forms.FilingForm(request.POST, prefix="filing")
                if not form.is_valid():
                    raise _Invalid
                services.file_acceptance(user=request.user, acceptance=acceptance, **form.cleaned_data)
            elif action == "handover":
                form = handover_form = forms.HandoverForm(request.POST, prefix="handover")
                if not form.is_valid():
                    raise _Invalid
                services.hand_over(user=request.user, acceptance=acceptance, **form.cleaned_data)
            else:
                raise Http404
        except _Invalid:
            pass
        except DomainError as exc:
            _fail(request, form, exc)
        else:
            messages.success(request, _("Acceptance round updated."))
            return redirect(acceptance.get_absolute_url())
    from . import ballot_link

    survey = [(ballot, None) for ballot in ballot_link.round_ballots(acceptance)]
    if acceptance.status == RoundStatus.VOTING:
        from consultations.ballots.services import turnout as ballot_turnout

        survey = [(ballot, ballot_turnout(ballot)) for ballot, _none in survey]
    panel = services.panel_status(acceptance) if not acceptance.panel_verdict else None
    return render(
        request,
        "supervision/acceptance_detail.html",
        {
            "acceptance": acceptance,
            "project": project,
            "can_run": can_run,
            "panel": panel,
            "panel_refusal": panel.refusal() if panel else None,
            "survey_results": ballot_link.survey_results(acceptance) if acceptance.closed_at else [],
            "answers_only": services.failed_for_answers_only(acceptance),
            "closes_early": acceptance.status == RoundStatus.VOTING
            and services.survey_closes_early(acceptance),
            "close_form": close_form,
            "verdict_form": verdict_form,
            "seat_form": seat_form,
            "order_form": order_form,
            "filing_form": filing_form,
            "handover_form": handover_form,
            "survey": survey,
            "is_latest": not AcceptanceRound.objects.filter(
                project=project, number__gt=acceptance.number
            ).exists(),
        },
    )


@login_required
def acceptance_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The acceptance report as an A4 PDF: project and parties, the technical panel with its verdict
    and signature lines, the satisfaction figures and why the round passed or not, orders raised."""
    from config.pdf import render_pdf
    from config.site import absolute_url

    from . import ballot_link

    acceptance = get_object_or_404(
        AcceptanceRound.objects.for_user(request.user)
        .select_related("project__division")
        .prefetch_related(
            Prefetch("panel", queryset=PanelMember.objects.order_by("role", "pk")),
            Prefetch("rectifications", queryset=Rectification.objects.select_related("responsible_party")),
        ),
        pk=pk,
    )
    project = acceptance.project
    pdf = render_pdf(
        "supervision/acceptance_report.html",
        {
            "acceptance": acceptance,
            "project": project,
            "compounds": project.compounds.all(),
            "parties": project.parties.all(),
            "survey_results": ballot_link.survey_results(acceptance) if acceptance.closed_at else [],
            "page_url": absolute_url(acceptance.get_absolute_url()),
            "printed_at": timezone.localtime(),
        },
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="acceptance-{project.pk}-{acceptance.number}.pdf"'
    return response


# --- disputes -----------------------------------------------------------------------------------------


@login_required
def dispute_list(request: HttpRequest) -> HttpResponse:
    qs = Dispute.objects.for_user(request.user).select_related("project", "compound", "mediator")
    f = filters.DisputeFilter(request.GET, queryset=qs)
    page, query = page_for(request, f.qs, 30)
    counts = f.qs.order_by().values("project__name").annotate(total=Count("pk")).order_by("-total")[:20]
    return render(
        request,
        "supervision/dispute_list.html",
        {"filter": f, "page_obj": page, "query": query, "counts": counts},
    )


@login_required
def dispute_new(request: HttpRequest, project_pk: int) -> HttpResponse:
    project = _project(request, project_pk)
    if not perms.can_record_dispute(request.user, project):
        raise _forbidden()
    form = forms.DisputeForm(request.POST or None, project=project)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_dispute(user=request.user, project=project, **form.cleaned_data)
        except DomainError as exc:
            _fail(request, form, exc)
        else:
            messages.success(request, _("Dispute recorded."))
            return redirect("supervision:dispute_list")
    return render(request, "supervision/dispute_form.html", {"form": form, "project": project})


@login_required
def dispute_detail(request: HttpRequest, pk: int) -> HttpResponse:
    dispute = get_object_or_404(
        Dispute.objects.for_user(request.user).select_related("project__division", "mediator", "compound"),
        pk=pk,
    )
    form = forms.DisputeUpdateForm(
        request.POST or None, initial={"status": dispute.status, "resolution": dispute.resolution}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_dispute(user=request.user, dispute=dispute, **form.cleaned_data)
        except DomainError as exc:
            _fail(request, form, exc)
        else:
            messages.success(request, _("Dispute updated."))
            return redirect("supervision:dispute_detail", dispute.pk)
    return render(request, "supervision/dispute_detail.html", {"dispute": dispute, "form": form})


# --- photos -------------------------------------------------------------------------------------------


@login_required
def photo_file(request: HttpRequest, pk: int) -> HttpResponse:
    """A photo, for those who can see its project (contractors: evidence of their own orders too);
    every view of it is logged (communities.files.serve)."""
    photo = get_object_or_404(Photo.objects.for_user(request.user), pk=pk)
    return files.serve(
        request,
        photo.image,
        object_type="supervision.photo",
        object_id=photo.pk,
        fields=photo.kind,
        cache="private, max-age=3600",
    )


def photo_public(request: HttpRequest, pk: int) -> HttpResponse:
    """Public before/during/after photos of the works (no login; marked public, no people's data)."""
    photo = get_object_or_404(
        Photo.objects.filter(is_public=True, kind__in=["before", "during", "after"]), pk=pk
    )
    return files.serve(
        request,
        photo.image,
        object_type="supervision.photo",
        object_id=photo.pk,
        log=False,
        cache="public, max-age=86400",
    )
