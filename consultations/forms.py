"""Page forms. They validate input; the services enforce the rules."""

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communities.forms import BootstrapFormMixin
from communities.photos import validate_photo

from . import choices
from .models import Meeting, Notice, Opinion


class BigRadioSelect(forms.RadioSelect):
    """Radio buttons drawn as big touch targets (Bootstrap btn-check)."""

    template_name = "consultations/widgets/big_radio.html"


class VisitForm(BootstrapFormMixin, forms.Form):
    household = forms.ModelChoiceField(queryset=None, label=_("Household"))
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=choices.Channel.choices,
        widget=BigRadioSelect,
        initial=choices.Channel.DOOR,
    )
    attitude = forms.ChoiceField(
        label=_("Attitude to the project"), choices=choices.Attitude.choices, widget=BigRadioSelect
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    # one token per form shown: a double tap on a slow network saves the visit once
    submission = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)

    def __init__(self, *args, households, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["household"].queryset = households
        self.fields["household"].label_from_instance = lambda h: f"{h.building.name} {h.unit}单元 {h.room}"


class OpinionRowForm(BootstrapFormMixin, forms.Form):
    category = forms.ChoiceField(
        label=_("Category"), choices=[("", "—"), *list(choices.OpinionCategory.choices)], required=False
    )
    content = forms.CharField(
        label=_("Opinion"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )

    def clean(self):
        data = super().clean()
        if data.get("content", "").strip() and not data.get("category"):
            self.add_error("category", _("Choose a category for this opinion."))
        return data


OpinionRowFormSet = forms.formset_factory(OpinionRowForm, extra=2, max_num=10)


class OpinionForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Opinion
        fields = ["compound", "household", "project", "source", "category", "content"]
        widgets = {"content": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from communities.models import Compound, Household
        from projects.models import Project

        self.fields["compound"].queryset = Compound.objects.for_user(user)
        self.fields["household"].queryset = Household.objects.for_user(user).select_related("building")
        self.fields["household"].widget = forms.NumberInput(attrs={"class": "form-control"})
        self.fields["household"].help_text = _("Optional: the household's number in the registry.")
        self.fields["project"].queryset = Project.objects.for_user(user)


class TransitionForm(BootstrapFormMixin, forms.Form):
    to = forms.ChoiceField(label=_("Move to"), choices=choices.OpinionStatus.choices)
    reason = forms.CharField(
        label=_("Reason (when declining, or resolving before its work item is finished)"),
        required=False,
        max_length=500,
    )
    work_item = forms.ModelChoiceField(label=_("Work item (when planning)"), queryset=None, required=False)
    merged_into = forms.ModelChoiceField(
        label=_("Duplicate of (when merging)"), queryset=None, required=False
    )
    answer = forms.CharField(
        label=_("Official answer"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, opinion, user, **kwargs):
        super().__init__(*args, **kwargs)
        from projects.models import WorkItem

        self.fields["to"].choices = [(s, choices.OpinionStatus(s).label) for s in opinion.allowed_next]
        self.fields["work_item"].queryset = (
            WorkItem.objects.for_user(user)
            .filter(project__compounds=opinion.compound_id)
            .select_related("project")
            .order_by("-project__year", "project__name", "pk")
        )
        # the same work (雨污分流改造) recurs in several projects: name the project too
        self.fields["work_item"].label_from_instance = lambda w: f"{w.name} · {w.project.name}"
        self.fields["merged_into"].queryset = (
            Opinion.objects.for_user(user)
            .filter(compound_id=opinion.compound_id)
            .exclude(pk=opinion.pk)
            .exclude(status__in=[choices.OpinionStatus.MERGED, choices.OpinionStatus.DECLINED])
        )


class AnswerForm(BootstrapFormMixin, forms.Form):
    answer = forms.CharField(
        label=_("Official answer"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class RatingForm(BootstrapFormMixin, forms.Form):
    rating = forms.ChoiceField(
        label=_("Resident's rating"), choices=choices.Rating.choices, widget=BigRadioSelect
    )


class MeetingForm(BootstrapFormMixin, forms.ModelForm):
    photo = forms.ImageField(label=_("Photo"), required=False, validators=[validate_photo])

    class Meta:
        model = Meeting
        fields = [
            "kind",
            "title",
            "compound",
            "project",
            "held_at",
            "place",
            "host",
            "households_present",
            "people_present",
            "topics",
            "minutes",
            "decisions",
        ]
        widgets = {
            "held_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "topics": forms.Textarea(attrs={"rows": 2}),
            "minutes": forms.Textarea(attrs={"rows": 4}),
            "decisions": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from communities.models import Compound
        from projects.models import Project

        self.fields["compound"].queryset = Compound.objects.for_user(user)
        self.fields["project"].queryset = Project.objects.for_user(user)

    def clean(self):
        data = super().clean()
        if not data.get("compound") and not data.get("project"):
            raise forms.ValidationError(_("Say which compound or project the meeting was for."))
        households, people = data.get("households_present") or 0, data.get("people_present") or 0
        if people and households > people:
            # said here in words, before the database constraint's name would be shown
            self.add_error("people_present", _("More households than people present: check the attendance."))
        return data


class PhotoForm(BootstrapFormMixin, forms.Form):
    image = forms.ImageField(label=_("Photo"), validators=[validate_photo])
    caption = forms.CharField(label=_("Caption"), required=False, max_length=200)


class NoticeForm(BootstrapFormMixin, forms.ModelForm):
    period_days = forms.IntegerField(
        label=_("Notice period (days)"),
        required=False,
        min_value=1,
        max_value=90,
        help_text=_("Empty: the default of the place (7 days unless a notice policy says otherwise)."),
    )

    class Meta:
        model = Notice
        fields = ["kind", "title", "body", "compound", "project", "period_days"]
        widgets = {"body": forms.Textarea(attrs={"rows": 8})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from communities.models import Compound
        from projects.models import Project

        self.fields["compound"].queryset = Compound.objects.editable_by(user)
        self.fields["project"].queryset = Project.objects.editable_by(user)
        # say what "empty" means here: the notice policy of the user's own division
        from communities.models import Division
        from communities.scoping import get_scope

        from .querysets import EDITOR_ROLES
        from .services import default_notice_days

        paths = get_scope(user).paths(EDITOR_ROLES)
        if len(paths) == 1:
            division = Division.objects.filter(path=paths[0]).first()
            if division is not None:
                days = default_notice_days(division)
                self.fields["period_days"].widget.attrs["placeholder"] = str(days)
                self.fields["period_days"].help_text = _(
                    "Empty: %(days)d days, the default for %(place)s (notice policy)."
                ) % {"days": days, "place": division.name}

    def clean(self):
        data = super().clean()
        if not data.get("compound") and not data.get("project"):
            raise forms.ValidationError(_("Say which compound or project the notice is for."))
        return data


class ObjectionForm(forms.Form):
    text = forms.CharField(
        label=_("Your objection"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5, "class": "form-control"}),
    )
    name = forms.CharField(
        label=_("Name (optional)"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    contact = forms.CharField(
        label=_("Phone or other contact (optional)"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )


class HandleObjectionForm(BootstrapFormMixin, forms.Form):
    status = forms.ChoiceField(
        label=_("Outcome"),
        choices=[(s, choices.ObjectionStatus(s).label) for s in choices.HANDLED_OBJECTION_STATUSES],
    )
    handling = forms.CharField(
        label=_("How it was handled"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )


class DeliberationForm(BootstrapFormMixin, forms.Form):
    procedure = forms.ModelChoiceField(label=_("Procedure"), queryset=None)
    title = forms.CharField(label=_("Matter"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    compound = forms.ModelChoiceField(label=_("Compound"), queryset=None, required=False)
    project = forms.ModelChoiceField(label=_("Project"), queryset=None, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from communities.models import Compound
        from projects.models import Project

        from .models import DeliberationProcedure

        self.fields["procedure"].queryset = DeliberationProcedure.objects.for_user(user).filter(
            is_active=True
        )
        self.fields["compound"].queryset = Compound.objects.editable_by(user)
        self.fields["project"].queryset = Project.objects.editable_by(user)

    def clean(self):
        data = super().clean()
        if not data.get("compound") and not data.get("project"):
            raise forms.ValidationError(_("Say which compound or project the matter concerns."))
        return data


class StepForm(BootstrapFormMixin, forms.Form):
    """Record a step with the meeting or notice that did it.

    What is VALID is every meeting and notice the user may see (the service then checks it belongs to
    the matter's place and project); what is SHOWN is a short list: the records of the matter's project
    (or compound), newest first, narrowed by `search`. Cutting the valid choices to a few hundred rows
    made every choice invalid once (「选择一个有效的选项」), so the cut is on the list shown only."""

    SHOWN = 30

    meeting = forms.ModelChoiceField(label=_("Meeting"), queryset=None, required=False)
    notice = forms.ModelChoiceField(label=_("Notice"), queryset=None, required=False)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, deliberation, user, step=None, search: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        meetings = Meeting.objects.for_user(user)
        notices = Notice.objects.for_user(user)
        self.fields["meeting"].queryset = meetings
        self.fields["notice"].queryset = notices
        shown_meetings = self._near(meetings, deliberation, search, "title").order_by("-held_at", "-pk")
        shown_notices = self._near(notices, deliberation, search, "title").order_by("-starts_at", "-pk")
        self._show("meeting", shown_meetings, lambda m: f"{timezone.localtime(m.held_at):%Y-%m-%d} {m.title}")
        self._show("notice", shown_notices, lambda n: f"{timezone.localtime(n.starts_at):%Y-%m-%d} {n.title}")
        if step is not None and step.kind == choices.StepKind.MEETING:
            del self.fields["notice"]
            self.fields["meeting"].required = True
        elif step is not None and step.kind == choices.StepKind.NOTICE:
            del self.fields["meeting"]
            self.fields["notice"].required = True

    @staticmethod
    def _near(qs, deliberation, search: str, field: str):
        """The matter's own records: of its project (or its project's compounds), else its compound,
        else its place; a search looks through everything valid."""
        search = (search or "").strip()[:50]
        if search:
            return qs.filter(**{f"{field}__icontains": search})
        if deliberation.project_id:
            return qs.filter(
                Q(project_id=deliberation.project_id)
                | Q(project__isnull=True, compound__in=deliberation.project.compounds.all())
            )
        if deliberation.compound_id:
            return qs.filter(compound_id=deliberation.compound_id)
        return qs.filter(division__path__startswith=deliberation.division.path)

    def _show(self, name: str, shown, label) -> None:
        rows = list(shown[: self.SHOWN])
        chosen = self.data.get(self.add_prefix(name)) if self.is_bound else None
        if chosen and str(chosen).isdigit() and all(str(r.pk) != str(chosen) for r in rows):
            extra = self.fields[name].queryset.filter(pk=chosen).first()
            if extra is not None:
                rows.insert(0, extra)
        self.fields[name].widget.choices = [("", "---------"), *((r.pk, label(r)) for r in rows)]
