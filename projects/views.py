"""Pages: desktop pages for street staff, branch pages usable on phones, and the public project page."""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Prefetch, ProtectedError, RestrictedError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from communities import files
from communities.errors import DomainError
from communities.masking import mask_phone
from communities.paging import page_for
from communities.scoping import get_scope

from . import choices, forms, gates, services
from .filters import ProjectFilter
from .models import (
    BranchActivity,
    BranchMember,
    CatalogGroup,
    CatalogItem,
    CatalogScheme,
    CommandoTeam,
    FundingLine,
    GateException,
    Milestone,
    PartyBranch,
    PartyGroup,
    Programme,
    Project,
    ProjectParty,
    UtilityWork,
    WorkItem,
)


def _can_edit(obj, user) -> bool:
    return type(obj).objects.editable_by(user).filter(pk=obj.pk).exists()


def _require_edit(obj, user) -> None:
    if not _can_edit(obj, user):
        raise PermissionDenied(_("You may read this but not change it."))


def _show_phones(request, objects, object_type: str) -> None:
    """Set `shown_phone` on each member or party: in full for roles that see unmasked data (the view
    is logged), masked for everyone else."""
    unmasked = services.sees_contact_phones(request.user)
    for o in objects:
        o.shown_phone = o.phone if unmasked else mask_phone(o.phone)
        o.phone_unmasked = unmasked
    if unmasked:
        services.record_contact_phones_shown(request.user, object_type, objects, request=request)


# --- programmes --------------------------------------------------------------------------------------


@login_required
def programme_list(request: HttpRequest) -> HttpResponse:
    programmes = (
        Programme.objects.for_user(request.user)
        .select_related("district")
        .annotate(
            compound_count=Count("compounds", distinct=True), project_count=Count("projects", distinct=True)
        )
    )
    can_create = get_scope(request.user).has_role("district_admin")
    return render(
        request, "projects/programme_list.html", {"programmes": programmes, "can_create": can_create}
    )


@login_required
def programme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    programme = get_object_or_404(Programme.objects.for_user(request.user).select_related("district"), pk=pk)
    projects = (
        Project.objects.for_user(request.user)
        .filter(programme=programme)
        .select_related("division")
        .with_totals()
    )
    compounds = programme.compounds.select_related("division").annotate(
        household_count=Count("buildings__households", distinct=True)
    )
    funding = services.funding_totals(FundingLine.objects.filter(project__in=projects.values("pk")))
    return render(
        request,
        "projects/programme_detail.html",
        {
            "programme": programme,
            "projects": projects,
            "compounds": compounds,
            "household_total": sum(c.household_count for c in compounds),
            "funding": funding,
            "can_edit": _can_edit(programme, request.user),
        },
    )


@login_required
def programme_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    instance = None
    if pk:
        instance = get_object_or_404(Programme.objects.for_user(request.user), pk=pk)
        _require_edit(instance, request.user)
    elif not get_scope(request.user).has_role("district_admin"):
        raise PermissionDenied
    form = forms.ProgrammeForm(request.POST or None, instance=instance, user=request.user)
    if request.method == "POST" and form.is_valid():
        programme = form.save()
        messages.success(request, _("Programme saved."))
        return redirect(programme)
    title = _("Edit programme") if instance else _("New programme")
    return render(
        request,
        "projects/form.html",
        {"form": form, "title": title, "back": reverse("projects:programme_list")},
    )


# --- projects ----------------------------------------------------------------------------------------


@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    qs = (
        Project.objects.for_user(request.user)
        .select_related("division", "programme")
        .prefetch_related("compounds")
        .with_totals()
    )
    filterset = ProjectFilter(request.GET or None, queryset=qs, request=request)
    from django import forms as djforms

    from communities.models import Division

    divisions = Division.objects.for_user(request.user).exclude(level="community").order_by("path")[:200]
    filterset.form.fields["division"].widget = djforms.Select(
        choices=[("", "---------")] + [(d.pk, d.name) for d in divisions]
    )
    for field in filterset.form.fields.values():
        field.widget.attrs["class"] = (
            "form-select form-select-sm"
            if isinstance(field.widget, djforms.Select)
            else "form-control form-control-sm"
        )
    page, query = page_for(request, filterset.qs, 50)
    scope = get_scope(request.user)
    return render(
        request,
        "projects/project_list.html",
        {
            "filter": filterset,
            "page_obj": page,
            "query": query,
            "can_create": scope.has_role("district_admin", "street_staff", "community_secretary"),
            "can_export": scope.is_staff_user or scope.has_role("viewer"),
        },
    )


@login_required
def project_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    instance = None
    if pk:
        instance = get_object_or_404(Project.objects.for_user(request.user), pk=pk)
        _require_edit(instance, request.user)
    elif not get_scope(request.user).has_role("district_admin", "street_staff", "community_secretary"):
        raise PermissionDenied
    form = forms.ProjectForm(
        request.POST or None, request.FILES or None, instance=instance, user=request.user
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        compounds = data.pop("compounds")
        division = data.pop("division")
        if data.get("implementation_plan") is False:  # "clear" ticked
            data["implementation_plan"] = ""
        elif data.get("implementation_plan") is None:
            data.pop("implementation_plan")
        try:
            if instance:
                project = services.update_project(instance, user=request.user, compounds=compounds, **data)
            else:
                project = services.create_project(
                    user=request.user, division=division, compounds=compounds, **data
                )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Project saved."))
            return redirect(project)
    title = _("Edit project") if instance else _("New project")
    back = instance.get_absolute_url() if instance else reverse("projects:project_list")
    return render(
        request, "projects/form.html", {"form": form, "title": title, "back": back, "multipart": True}
    )


def _project_for_page(request: HttpRequest, pk: int) -> Project:
    return get_object_or_404(
        Project.objects.for_user(request.user).select_related("division", "programme").with_totals(), pk=pk
    )


@login_required
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _project_page(request, _project_for_page(request, pk))


def _project_page(request: HttpRequest, project: Project, typed: dict | None = None) -> HttpResponse:
    """The project page; `typed`: a refused transition's fields, shown again as they were typed."""
    zones = services.dig_zones(project.utility_works.select_related("party"))
    conflicts = [c for z in zones for c in z.conflicts]
    branches = project.branches.prefetch_related("members").annotate(
        member_count=Count("members", distinct=True)
    )
    can_edit = _can_edit(project, request.user)
    gate = _gate_context(request, project)
    parties = list(project.parties.prefetch_related("users"))
    _show_phones(request, parties, "projects.projectparty")
    return render(
        request,
        "projects/project_detail.html",
        {
            "project": project,
            "compounds": project.compounds.select_related("division").annotate(
                household_count=Count("buildings__households", distinct=True)
            ),
            # `demands` is the reverse relation from consultations.Opinion (shown by its partial)
            "work_items": project.work_items.select_related("catalog_item").prefetch_related(
                "demands__household__building", "demands__compound"
            ),
            "funding": services.funding_totals(project.funding_lines.all()),
            "funding_lines": project.funding_lines.all(),
            "parties": parties,
            "milestones": project.milestones.all(),
            "zones": zones,
            "conflicts": conflicts,
            "calendar": services.dig_calendar(zones),
            "branches": branches,
            "coverages": [(b, services.coverage(b)) for b in branches]
            if get_scope(request.user).sees_residents
            else [],
            "changes": project.status_changes.select_related("by")[:20],
            "next_steps": services.allowed_transitions(project, gate["checklist"]) if can_edit else [],
            "can_edit": can_edit,
            "missing_five_ones": services.missing_five_ones(project),
            "typed": typed or {},
            # links to residents' records (ballots, notices, opinions, coverage) only for the roles that
            # may open them: a contractor is shown the facts, not links that answer 404
            "hide_consultation_links": not get_scope(request.user).sees_residents,
            "programme_visible": project.programme_id is not None
            and Programme.objects.for_user(request.user).filter(pk=project.programme_id).exists(),
            **gate,
        },
    )


def _gate_context(request, project) -> dict:
    """The residents' decisions checklist, the district exceptions (all, withdrawn ones too) and
    whether this user may record one (district admins only: nobody else sees the form)."""
    exceptions = list(project.gate_exceptions.select_related("withdrawn_by"))
    for e in exceptions:
        e.label = gates.label(e.gate)
    return {
        "checklist": services.project_checklist(project),
        "gate_exceptions": exceptions,
        "may_except": services.may_record_gate_exceptions(request.user, project),
    }


@login_required
def gate_exception(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a district exception to one gate item (district admins over the project). A refused
    one is shown again with what was typed."""
    project = get_object_or_404(Project.objects.for_user(request.user).select_related("division"), pk=pk)
    if not services.may_record_gate_exceptions(request.user, project):
        raise PermissionDenied(_("Only the district's administrators may record an exception to a gate."))
    form = forms.GateExceptionForm(request.POST or None, initial={"gate": request.GET.get("gate", "")})
    if request.method == "POST" and form.is_valid():
        try:
            services.record_gate_exception(
                project, form.cleaned_data["gate"], request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(
                request, _("Exception recorded: it is shown on the project and its public page.")
            )
            return redirect(project.get_absolute_url() + "#gate-checklist")
    gate_key = form.data.get("gate") if form.is_bound else form.initial.get("gate")
    return render(
        request,
        "projects/gate_exception_form.html",
        {"project": project, "form": form, "gate_label": gates.label(gate_key or "")},
    )


@login_required
@require_POST
def gate_exception_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    exception = get_object_or_404(
        GateException.objects.for_user(request.user).select_related("project__division"), pk=pk
    )
    try:
        services.withdraw_gate_exception(exception, request.user, reason=request.POST.get("reason", ""))
    except services.Forbidden as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Exception withdrawn (it stays in the history)."))
    return redirect(exception.project.get_absolute_url() + "#gate-checklist")


@login_required
@require_POST
def project_transition(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_object_or_404(Project.objects.for_user(request.user), pk=pk)
    form = forms.TransitionForm(request.POST)
    if form.is_valid():
        try:
            services.transition_project(
                project, form.cleaned_data["to"], request.user, form.cleaned_data["note"]
            )
        except services.Forbidden as exc:
            raise PermissionDenied(exc.message) from exc
        except DomainError as exc:
            # refused: the page again, with what was typed kept in its field
            messages.error(request, exc.message)
            return _project_page(request, _project_for_page(request, pk), typed=form.cleaned_data)
        else:
            project.refresh_from_db()
            messages.success(request, _("Status: %(status)s") % {"status": project.get_status_display()})
    return redirect(project)


def _delete(request: HttpRequest, instance) -> bool:
    """Delete a project's or branch's row; when other records depend on it (a party that rectification
    orders are addressed to, a member on a supervision team) say so instead of answering 500."""
    try:
        with transaction.atomic():
            instance.delete()
    except (ProtectedError, RestrictedError) as exc:
        blocking = exc.protected_objects if isinstance(exc, ProtectedError) else exc.restricted_objects
        names = sorted({str(o._meta.verbose_name) for o in blocking if hasattr(o, "_meta")})
        messages.error(
            request,
            _("This cannot be deleted while other records depend on it: %(names)s.")
            % {"names": ", ".join(names) or "-"},
        )
        return False
    return True


def _confirm_delete(request: HttpRequest, instance, *, parent, back: str, done: str) -> HttpResponse:
    """GET: what will be deleted (and what goes with it, or what prevents it); POST: delete."""
    from config.deletion import preview_deletion

    if request.method == "POST":
        if not _delete(request, instance):
            return redirect(request.path)
        messages.success(request, _("Deleted."))
        return redirect(done)
    return render(
        request,
        "confirm_delete.html",
        {
            "title": _("Delete %(what)s") % {"what": instance._meta.verbose_name},
            "subtitle": str(parent),
            "preview": preview_deletion(instance),
            "back": back,
        },
    )


CHILD_KINDS = {
    "work-items": (WorkItem, forms.WorkItemForm, _("work item")),
    "funding": (FundingLine, forms.FundingLineForm, _("funding line")),
    "parties": (ProjectParty, forms.ProjectPartyForm, _("party")),
    "milestones": (Milestone, forms.MilestoneForm, _("milestone")),
    "utility-works": (UtilityWork, forms.UtilityWorkForm, _("utility work")),
}


def _edited_fields(form, obj) -> list[str]:
    """The model columns the form changed (typed, or derived in its clean), plus auto_now timestamps,
    for `save(update_fields=...)`."""
    columns = {f.name: f for f in obj._meta.concrete_fields if not f.primary_key}
    names = [
        n
        for n in form.fields
        if n in columns
        and (n in form.changed_data or columns[n].value_from_object(obj) != form.initial.get(n))
    ]
    names += [n for n, f in columns.items() if getattr(f, "auto_now", False) and n not in names]
    return names


@login_required
def project_child_form(request: HttpRequest, pk: int, kind: str, item_pk: int | None = None) -> HttpResponse:
    """Add or edit one of a project's work items, funding lines, parties, milestones, utility works."""
    if kind not in CHILD_KINDS:
        from django.http import Http404

        raise Http404
    model, form_class, label = CHILD_KINDS[kind]
    project = get_object_or_404(Project.objects.for_user(request.user), pk=pk)
    _require_edit(project, request.user)
    instance = get_object_or_404(model.objects.filter(project=project), pk=item_pk) if item_pk else None
    if request.method == "POST" and request.POST.get("delete") and instance is not None:
        # deleting always goes through the confirmation page
        return redirect("projects:project_child_delete", pk=project.pk, kind=kind, item_pk=instance.pk)
    form = form_class(request.POST or None, instance=instance, parent=project, user=request.user)
    if request.method == "POST" and form.is_valid():
        obj = form.save(commit=False)
        obj.project = project
        if instance is None:
            obj.save()
        else:
            # only the edited fields: the instance was read before the form was filled in, and a full
            # save would write its stale values (a work item's progress set by a report meanwhile)
            obj.save(update_fields=_edited_fields(form, obj))
        form.save_m2m()
        messages.success(request, _("Saved."))
        return redirect(project.get_absolute_url() + f"#{kind}")
    title = (_("Edit %(what)s") if instance else _("Add %(what)s")) % {"what": label}
    return render(
        request,
        "projects/form.html",
        {
            "form": form,
            "title": title,
            "subtitle": project.name,
            "back": project.get_absolute_url(),
            "delete_url": reverse("projects:project_child_delete", args=[project.pk, kind, instance.pk])
            if instance is not None
            else "",
        },
    )


@login_required
def project_child_delete(request: HttpRequest, pk: int, kind: str, item_pk: int) -> HttpResponse:
    if kind not in CHILD_KINDS:
        from django.http import Http404

        raise Http404
    model = CHILD_KINDS[kind][0]
    project = get_object_or_404(Project.objects.for_user(request.user), pk=pk)
    _require_edit(project, request.user)
    instance = get_object_or_404(model.objects.filter(project=project), pk=item_pk)
    back = reverse("projects:project_child_edit", args=[project.pk, kind, instance.pk])
    return _confirm_delete(
        request, instance, parent=project, back=back, done=project.get_absolute_url() + f"#{kind}"
    )


@login_required
def work_items_from_catalog(request: HttpRequest, pk: int) -> HttpResponse:
    """Pick several items from the national catalog or Wuning's 三清四改五提升 groups at once."""
    project = get_object_or_404(Project.objects.for_user(request.user), pk=pk)
    _require_edit(project, request.user)
    form = forms.CatalogPickForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        created = services.add_work_items(project, request.user, form.cleaned_data["catalog_items"])
        messages.success(
            request, _("%(n)s work items added: fill in quantities and budgets.") % {"n": len(created)}
        )
        return redirect(project.get_absolute_url() + "#work-items")
    items = list(CatalogItem.objects.filter(is_active=True))
    by_category = [
        (label, [i for i in items if i.category == value]) for value, label in choices.CatalogCategory.choices
    ]
    schemes = CatalogScheme.objects.prefetch_related(
        Prefetch("groups", queryset=CatalogGroup.objects.prefetch_related("items"))
    )
    return render(
        request,
        "projects/catalog_pick.html",
        {
            "project": project,
            "form": form,
            "by_category": by_category,
            "schemes": schemes,
            "present": set(
                project.work_items.exclude(catalog_item=None).values_list("catalog_item_id", flat=True)
            ),
        },
    )


@login_required
def catalog(request: HttpRequest) -> HttpResponse:
    items = CatalogItem.objects.all()
    by_category = [
        (label, [i for i in items if i.category == value]) for value, label in choices.CatalogCategory.choices
    ]
    schemes = CatalogScheme.objects.prefetch_related(
        Prefetch("groups", queryset=CatalogGroup.objects.prefetch_related("items"))
    )
    return render(request, "projects/catalog.html", {"by_category": by_category, "schemes": schemes})


@login_required
@require_POST
def ledger_export(request: HttpRequest) -> HttpResponse:
    """Start the project ledger (台账) export as a background job; its page shows a progress bar."""
    from communities.jobs import start_job

    scope = get_scope(request.user)
    if not (scope.is_staff_user or scope.has_role("viewer")):
        raise PermissionDenied
    params = {
        k: request.POST.get(k)
        for k in ("division", "year", "status", "category", "programme")
        if request.POST.get(k)
    }
    job = start_job(
        kind="project_ledger", handler="projects.exports.project_ledger", user=request.user, params=params
    )
    return redirect(job.get_absolute_url())


# --- public page -------------------------------------------------------------------------------------


def _public_project(pk: int) -> Project:
    return get_object_or_404(Project.objects.select_related("division").with_totals(), pk=pk)


def project_public(request: HttpRequest, pk: int) -> HttpResponse:
    """What residents are entitled to see, without login: parties, budget by source, schedule,
    progress and branch contacts. No personal data: no residents, no private phones, no ID numbers."""
    project = _public_project(pk)
    branches = project.branches.prefetch_related(
        Prefetch("members", queryset=BranchMember.objects.order_by(services.member_rank(), "name", "pk"))
    )
    contacts = [
        {"branch": b.name, "name": m.name, "role": m.get_role_display(), "contact": m.public_contact}
        for b in branches
        for m in b.members.all()
        if m.role
        in (choices.MemberRole.SECRETARY, choices.MemberRole.FIRST_SECRETARY, choices.MemberRole.COMMITTEE)
    ]
    return render(
        request,
        "projects/project_public.html",
        {
            "project": project,
            "compounds": project.compounds.all(),
            "parties": project.parties.all(),
            "funding": services.funding_totals(project.funding_lines.all()),
            "milestones": project.milestones.all(),
            "work_items": project.work_items.all(),
            "contacts": contacts,
            "public_url": request.build_absolute_uri(project.get_public_url()),
            **_public_gates(project),
        },
    )


def _public_gates(project) -> dict:
    """What residents decided and how it bound the project, for the public page: the plan-approval
    items with their state, and every district exception with its reason (no staff links)."""
    checklist = [
        s for s in services.project_checklist(project) if s.to_status == choices.ProjectStatus.APPROVED
    ]
    exceptions = list(project.gate_exceptions.all())
    for e in exceptions:
        e.label = gates.label(e.gate)
    return {"public_checklist": checklist[0].items if checklist else [], "public_exceptions": exceptions}


def project_qr(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """A QR code to the public page, for the notice board (SVG to print, PNG to share)."""
    import segno

    project = _public_project(pk)
    qr = segno.make(request.build_absolute_uri(project.get_public_url()), error="m")
    out = io.BytesIO()
    if fmt == "svg":
        qr.save(out, kind="svg", scale=8, border=2)
        content_type = "image/svg+xml"
    else:
        qr.save(out, kind="png", scale=10, border=2)
        content_type = "image/png"
    response = HttpResponse(out.getvalue(), content_type=content_type)
    response["Cache-Control"] = "public, max-age=86400"
    return response


# --- branches ----------------------------------------------------------------------------------------


@login_required
def branch_list(request: HttpRequest) -> HttpResponse:
    branches = (
        PartyBranch.objects.for_user(request.user)
        .select_related("project", "division")
        .prefetch_related("members")
        .with_counts()
        .order_by("-established_on", "name", "pk")
    )
    page, query = page_for(request, branches, 50)
    return render(
        request,
        "projects/branch_list.html",
        {
            "page_obj": page,
            "query": query,
            "can_create": get_scope(request.user).has_role(
                "district_admin", "street_staff", "community_secretary"
            ),
        },
    )


@login_required
def branch_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    instance = None
    if pk:
        instance = get_object_or_404(PartyBranch.objects.for_user(request.user), pk=pk)
        _require_edit(instance, request.user)
    initial = {}
    if request.GET.get("project"):
        initial = {"project": request.GET["project"], "kind": choices.BranchKind.TEMPORARY}
        p = Project.objects.for_user(request.user).filter(pk=request.GET["project"]).first()
        if p:
            initial["name"] = _("%(project)s temporary Party branch") % {"project": p.name}
    form = forms.BranchForm(request.POST or None, instance=instance, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if instance:
                branch = services.update_branch(
                    instance,
                    user=request.user,
                    compounds=data.get("compounds") if instance.kind == choices.BranchKind.JOINT else None,
                    **{k: data.get(k) for k in ("name", "established_on", "dissolved_on", "note")},
                )
            else:
                branch = services.setup_branch(
                    user=request.user,
                    kind=data["kind"],
                    name=data["name"],
                    project=data.get("project"),
                    division=data.get("division"),
                    compounds=data.get("compounds"),
                    established_on=data.get("established_on"),
                    note=data.get("note", ""),
                )
        except services.Forbidden as exc:
            raise PermissionDenied(exc.message) from exc
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Branch saved."))
            return redirect(branch)
    title = _("Edit branch") if instance else _("Set up a Party branch")
    back = instance.get_absolute_url() if instance else reverse("projects:branch_list")
    return render(request, "projects/form.html", {"form": form, "title": title, "back": back})


@login_required
def branch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    branch = get_object_or_404(
        PartyBranch.objects.for_user(request.user).select_related("project", "division"), pk=pk
    )
    scope = get_scope(request.user)
    members = list(branch.members.order_by(services.member_rank(), "name", "pk"))
    _show_phones(request, members, "projects.branchmember")
    context = {
        "branch": branch,
        "members": members,
        "secretary": next((m for m in members if m.role == choices.MemberRole.SECRETARY), None),
        "first_secretary": next((m for m in members if m.role == choices.MemberRole.FIRST_SECRETARY), None),
        "compounds": branch.compounds.all(),
        "groups": branch.groups.select_related("building", "leader").prefetch_related("members"),
        "teams": branch.teams.prefetch_related("members"),
        "activities": branch.activities.prefetch_related("attendees")[:30],
        "can_edit": _can_edit(branch, request.user),
        "sees_residents": scope.sees_residents,
    }
    if scope.sees_residents:
        context["coverage"] = services.coverage(branch)
    return render(request, "projects/branch_detail.html", context)


BRANCH_CHILD_KINDS = {
    "members": (BranchMember, forms.BranchMemberForm, _("member")),
    "groups": (PartyGroup, forms.PartyGroupForm, _("Party group")),
    "teams": (CommandoTeam, forms.CommandoTeamForm, _("commando team or model post")),
    "activities": (BranchActivity, forms.BranchActivityForm, _("branch activity")),
}


@login_required
def branch_child_form(request: HttpRequest, pk: int, kind: str, item_pk: int | None = None) -> HttpResponse:
    if kind not in BRANCH_CHILD_KINDS:
        from django.http import Http404

        raise Http404
    model, form_class, label = BRANCH_CHILD_KINDS[kind]
    branch = get_object_or_404(PartyBranch.objects.for_user(request.user), pk=pk)
    _require_edit(branch, request.user)
    instance = get_object_or_404(model.objects.filter(branch=branch), pk=item_pk) if item_pk else None
    if request.method == "POST" and request.POST.get("delete") and instance is not None:
        return redirect("projects:branch_child_delete", pk=branch.pk, kind=kind, item_pk=instance.pk)
    initial = {}
    if kind == "activities" and request.GET.get("kind"):
        initial = {"kind": request.GET["kind"], "theme_day_kind": request.GET.get("theme", "")}
    form = form_class(
        request.POST or None, instance=instance, parent=branch, user=request.user, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            if kind == "members" and instance is None:
                data = {k: v for k, v in form.cleaned_data.items() if k != "person"}
                services.add_member(branch, request.user, person=form.cleaned_data.get("person"), **data)
            else:
                obj = form.save(commit=False)
                obj.branch = branch
                obj.save()
                form.save_m2m()
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Saved."))
            return redirect(branch.get_absolute_url() + f"#{kind}")
    title = (_("Edit %(what)s") if instance else _("Add %(what)s")) % {"what": label}
    return render(
        request,
        "projects/form.html",
        {
            "form": form,
            "title": title,
            "subtitle": branch.name,
            "back": branch.get_absolute_url(),
            "delete_url": reverse("projects:branch_child_delete", args=[branch.pk, kind, instance.pk])
            if instance is not None
            else "",
            "persist": kind == "activities",
        },
    )


@login_required
def branch_child_delete(request: HttpRequest, pk: int, kind: str, item_pk: int) -> HttpResponse:
    if kind not in BRANCH_CHILD_KINDS:
        from django.http import Http404

        raise Http404
    model = BRANCH_CHILD_KINDS[kind][0]
    branch = get_object_or_404(PartyBranch.objects.for_user(request.user), pk=pk)
    _require_edit(branch, request.user)
    instance = get_object_or_404(model.objects.filter(branch=branch), pk=item_pk)
    back = reverse("projects:branch_child_edit", args=[branch.pk, kind, instance.pk])
    return _confirm_delete(
        request, instance, parent=branch, back=back, done=branch.get_absolute_url() + f"#{kind}"
    )


@login_required
@require_POST
def branch_groups_per_building(request: HttpRequest, pk: int) -> HttpResponse:
    branch = get_object_or_404(PartyBranch.objects.for_user(request.user), pk=pk)
    try:
        created = services.groups_per_building(branch, request.user)
    except services.Forbidden as exc:
        raise PermissionDenied(exc.message) from exc
    messages.success(request, _("%(n)s Party groups set up, one per building.") % {"n": len(created)})
    return redirect(branch.get_absolute_url() + "#groups")


def _branch_for_households(request, pk) -> PartyBranch:
    branch = get_object_or_404(PartyBranch.objects.for_user(request.user), pk=pk)
    if not get_scope(request.user).sees_residents:
        raise PermissionDenied
    return branch


@login_required
def branch_assign(request: HttpRequest, pk: int) -> HttpResponse:
    """Assign a whole building, or one unit of it, to a member in one step (分户包干)."""
    branch = _branch_for_households(request, pk)
    _require_edit(branch, request.user)
    initial = {k: request.GET[k] for k in ("building", "unit", "member") if request.GET.get(k)}
    form = forms.BulkAssignForm(request.POST or None, branch=branch, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            r = services.bulk_assign(
                branch,
                d["member"],
                request.user,
                building=d["building"],
                unit=d["unit"] or None,
                reassign=d["reassign"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _(
                    "%(assigned)s households assigned to %(member)s, %(moved)s moved, "
                    "%(unchanged)s left as they were."
                )
                % {**r, "member": d["member"].name},
            )
            return redirect(reverse("projects:branch_assign", args=[branch.pk]))
    return render(
        request,
        "projects/branch_assign.html",
        {"branch": branch, "form": form, "coverage": services.coverage(branch)},
    )


@login_required
def branch_unassigned(request: HttpRequest, pk: int) -> HttpResponse:
    branch = _branch_for_households(request, pk)
    page, query = page_for(request, services.unassigned_households(branch), 200)
    for h in page.object_list:
        h.building_unit = (h.building_id, h.unit)  # the page groups households by stairwell
    return render(
        request,
        "projects/branch_unassigned.html",
        {"branch": branch, "page_obj": page, "query": query, "can_edit": _can_edit(branch, request.user)},
    )


@login_required
def project_plan(request: HttpRequest, pk: int) -> HttpResponse:
    """The implementation plan, for those who can see the project; logged (communities.files)."""
    project = get_object_or_404(Project.objects.for_user(request.user), pk=pk)
    return files.serve(
        request,
        project.implementation_plan,
        object_type="projects.project",
        object_id=project.pk,
        fields="implementation_plan",
        filename=f"project-{project.pk}-plan{files.safe_extension(project.implementation_plan.name)}",
    )
