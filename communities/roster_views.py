"""Roster pages: download the template, upload a file (a background job), export a compound's roster."""

from __future__ import annotations

from pathlib import Path

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from . import access, roster
from .errors import DomainError
from .forms import BootstrapFormMixin
from .jobs import start_job
from .models import BackgroundJob, Compound
from .scoping import get_scope

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ALLOWED_SUFFIXES = (".xlsx", ".xls", ".ods", ".csv")
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


def validate_roster_file(upload) -> None:
    if Path(upload.name).suffix.lower() not in ALLOWED_SUFFIXES:
        raise forms.ValidationError(_("Upload an Excel (.xlsx) or CSV file."))
    if upload.size > MAX_UPLOAD_BYTES:
        raise forms.ValidationError(_("The file is larger than 20 MB; split it into several files."))


class RosterImportForm(BootstrapFormMixin, forms.Form):
    compound = forms.ModelChoiceField(
        label=_("Compound"),
        queryset=Compound.objects.none(),
        empty_label=_("Choose…"),
        help_text=_("Only compounds you may edit are listed."),
    )
    file = forms.FileField(
        label=_("Roster file"),
        validators=[validate_roster_file],
        help_text=_("The roster template filled in, as .xlsx or .csv (UTF-8 or GB18030)."),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(ALLOWED_SUFFIXES)}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["compound"].queryset = (
            Compound.objects.editable_by(user)
            .select_related("division")
            .only("name", "division__name")  # a province's 5,602 compounds: what the label shows
            .order_by("division__name", "name")
        )
        self.fields["compound"].label_from_instance = lambda c: f"{c.division.name} · {c.name}"


@login_required
@require_GET
def roster_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(roster.build_template(), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, "花名册导入模板.xlsx")
    return response


@login_required
def roster_import(request: HttpRequest) -> HttpResponse:
    scope = get_scope(request.user)
    if not scope.is_staff_user:
        raise PermissionDenied
    initial = {}
    if "compound" in request.GET:
        try:
            wanted = int(request.GET["compound"])
        except ValueError as exc:
            raise Http404 from exc
        compound = get_object_or_404(Compound.objects.for_user(request.user), pk=wanted)
        if not Compound.objects.editable_by(request.user).filter(pk=compound.pk).exists():
            raise PermissionDenied
        initial["compound"] = compound
    form = RosterImportForm(request.POST or None, request.FILES or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        job = start_job(
            kind="roster_import",
            handler="communities.roster.import_roster",
            user=request.user,
            params={"compound": form.cleaned_data["compound"].pk, "language": get_language()},
            input_file=form.cleaned_data["file"],
        )
        return redirect(job.get_absolute_url())
    recent = BackgroundJob.objects.filter(created_by=request.user, kind="roster_import")[:5]
    return render(
        request,
        "communities/roster_import.html",
        {
            "form": form,
            "recent": recent,
            "columns": [(c, roster.COLUMN_HINTS.get(c.key, "")) for c in roster.COLUMNS],
        },
    )


@login_required
@require_POST
def roster_export(request: HttpRequest, pk: int) -> HttpResponse:
    compound = get_object_or_404(Compound.objects.for_user(request.user), pk=pk)
    if not get_scope(request.user).sees_residents:
        raise PermissionDenied
    try:
        full = access.full_numbers_params(
            request.user, unmask=request.POST.get("unmask"), reason=request.POST.get("unmask_reason", "")
        )
    except access.ExportForbidden as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:  # full numbers asked for without a reason: say so, nothing started
        messages.error(request, exc.message)
        return redirect(compound)
    job = start_job(
        kind="roster_export",
        handler="communities.roster.export_roster",
        user=request.user,
        params={"compound": compound.pk, "language": get_language(), **full},
    )
    return redirect(job.get_absolute_url())
