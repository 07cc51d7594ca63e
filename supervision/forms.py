from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from communities.forms import BootstrapFormMixin

from . import choices


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Several photos in one field; each is checked and resized by the service."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget",
            MultiplePhotoInput(attrs={"accept": "image/jpeg,image/png,image/webp", "capture": "environment"}),
        )
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", _("JPEG, PNG or WebP, up to 8 MB each."))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ProjectPhotoForm(BootstrapFormMixin, forms.Form):
    """Before / during / after photos of the works, from the project page."""

    kind = forms.ChoiceField(
        label=_("kind"),
        choices=[(k, choices.PhotoKind(k).label) for k in ("before", "during", "after")],
        widget=forms.RadioSelect,
        initial="before",
    )
    photos = MultiplePhotoField(label=_("photos"), required=True)
    caption = forms.CharField(label=_("caption"), max_length=200, required=False)
    taken_on = forms.DateField(label=_("taken on"), widget=DateInput(), initial=timezone.localdate)

    def clean_taken_on(self):
        taken_on = self.cleaned_data["taken_on"]
        if taken_on > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return taken_on


class InspectionForm(BootstrapFormMixin, forms.Form):
    work_item = forms.ModelChoiceField(queryset=None, required=False, label=_("work item"))
    result = forms.ChoiceField(
        choices=choices.InspectionResult.choices, widget=forms.RadioSelect, label=_("result")
    )
    findings = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label=_("findings"))
    photos = MultiplePhotoField(label=_("photos"))
    # one rectification order raised on the spot (optional)
    order_description = forms.CharField(required=False, label=_("what must be fixed"))
    order_party = forms.ModelChoiceField(queryset=None, required=False, label=_("responsible party"))
    order_deadline = forms.DateField(required=False, widget=DateInput(), label=_("deadline"))
    order_severity = forms.ChoiceField(
        choices=choices.Severity.choices, initial=choices.Severity.MAJOR, label=_("severity")
    )

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["work_item"].queryset = project.work_items.all()
        self.fields["order_party"].queryset = project.parties.all()

    def clean(self):
        data = super().clean()
        if data.get("order_description"):
            if data.get("result") != choices.InspectionResult.PROBLEMS:
                self.add_error(
                    "order_description", _("An inspection that passed raises no rectification orders.")
                )
            for name in ("order_party", "order_deadline"):
                if not data.get(name):
                    self.add_error(name, _("Needed for the rectification order."))
        return data


class ProgressForm(BootstrapFormMixin, forms.Form):
    work_item = forms.ModelChoiceField(queryset=None, label=_("work item"))
    percent = forms.IntegerField(min_value=0, max_value=100, label=_("progress (%)"))
    reported_on = forms.DateField(initial=timezone.localdate, widget=DateInput(), label=_("date"))
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label=_("note"))
    reason = forms.CharField(
        required=False,
        max_length=500,
        label=_("reason"),
        help_text=_(
            "Needed when the progress is lower than the last report, or 100% before the planned start."
        ),
    )
    photos = MultiplePhotoField(label=_("photos"))

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["work_item"].queryset = project.work_items.all()


class SubmitForm(BootstrapFormMixin, forms.Form):
    response = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label=_("what was done"))
    photos = MultiplePhotoField(label=_("evidence photos"))


class RejectForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label=_("reason for rejection"))


class ScheduleRoundForm(BootstrapFormMixin, forms.Form):
    scheduled_on = forms.DateField(initial=timezone.localdate, widget=DateInput(), label=_("scheduled on"))


class PanelVerdictForm(BootstrapFormMixin, forms.Form):
    verdict = forms.ChoiceField(
        choices=choices.Verdict.choices, widget=forms.RadioSelect, label=_("panel verdict")
    )
    signed = forms.TypedMultipleChoiceField(
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("signed by"),
        help_text=_("The verdict needs the signatures of more than half of the panel."),
    )
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label=_("panel notes"))

    def __init__(self, *args, seats=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["signed"].choices = [
            (
                m.pk,
                f"{m.get_role_display()}: {m.name}" + (f" ({m.get_verdict_display()})" if m.verdict else ""),
            )
            for m in seats
        ]


class CloseSurveyForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(
        required=False,
        max_length=500,
        label=_("reason for closing early"),
        help_text=_("Needed when the survey closes before its closing time; kept on the ballot."),
    )


class PanelSeatForm(BootstrapFormMixin, forms.Form):
    role = forms.ChoiceField(choices=choices.PanelRole.choices, label=_("represents"))
    name = forms.CharField(max_length=100, label=_("name"))
    organization = forms.CharField(max_length=200, required=False, label=pgettext_lazy("panel", "unit"))
    verdict = forms.ChoiceField(
        choices=[("", "—"), *choices.Verdict.choices], required=False, label=_("opinion")
    )


class OrderForm(BootstrapFormMixin, forms.Form):
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label=_("what must be fixed"))
    responsible_party = forms.ModelChoiceField(queryset=None, label=_("responsible party"))
    deadline = forms.DateField(widget=DateInput(), label=_("deadline"))
    severity = forms.ChoiceField(
        choices=choices.Severity.choices, initial=choices.Severity.MAJOR, label=_("severity")
    )

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible_party"].queryset = project.parties.all()


class FilingForm(BootstrapFormMixin, forms.Form):
    filed_on = forms.DateField(initial=timezone.localdate, widget=DateInput(), label=_("filed on"))
    reference = forms.CharField(required=False, max_length=100, label=_("filing reference"))


class HandoverForm(BootstrapFormMixin, forms.Form):
    to = forms.ChoiceField(choices=choices.HandoverTo.choices, label=_("handed over to"))
    recipient = forms.CharField(max_length=200, label=_("recipient"))
    handed_over_on = forms.DateField(
        initial=timezone.localdate, widget=DateInput(), label=_("handed over on")
    )


class DisputeForm(BootstrapFormMixin, forms.Form):
    parties = forms.CharField(max_length=300, label=_("parties"))
    issue = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label=_("issue"))
    mediator = forms.ModelChoiceField(queryset=None, required=False, label=_("mediating Party member"))

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        from django.db.models import Q

        from projects.models import BranchMember

        self.fields["mediator"].queryset = (
            BranchMember.objects.filter(
                Q(branch__project=project) | Q(branch__compounds__in=project.compounds.all())
            )
            .select_related("branch")
            .distinct()
        )


class DisputeUpdateForm(BootstrapFormMixin, forms.Form):
    status = forms.ChoiceField(choices=choices.DisputeStatus.choices, label=_("status"))
    resolution = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label=_("resolution")
    )


class TeamForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(
        max_length=200, required=False, label=_("name"), help_text=_("Leave empty for the usual name.")
    )


class TeamMemberAddForm(forms.Form):
    """One tap on a candidate: who, as what. The service checks the person belongs to the project."""

    person = forms.IntegerField(required=False)
    branch_member = forms.IntegerField(required=False)
    role = forms.ChoiceField(choices=choices.TeamMemberRole.choices, initial=choices.TeamMemberRole.MEMBER)
