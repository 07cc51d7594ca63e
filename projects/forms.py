"""Page forms. Choice lists are limited to what the user may see or edit; rules stay in services."""

from django import forms
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communities.choices import DivisionLevel
from communities.files import private_file_input
from communities.forms import BootstrapFormMixin
from communities.models import Building, Compound, Division, Person

from . import choices
from .models import (
    BranchActivity,
    BranchMember,
    CatalogItem,
    CommandoTeam,
    FundingLine,
    Milestone,
    PartyBranch,
    PartyGroup,
    Programme,
    Project,
    ProjectParty,
    UtilityWork,
    WorkItem,
)
from .services import funding_refusal, has_progress_reports, typed_progress_refusal

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ProgrammeForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Programme
        fields = [
            "district",
            "year",
            "name",
            "compounds",
            "target_compounds",
            "target_households",
            "target_buildings",
            "target_investment",
            "note",
        ]
        widgets = {"compounds": forms.SelectMultiple(attrs={"size": 10})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = Division.objects.editable_by(user).filter(
            level=DivisionLevel.DISTRICT
        )
        self.fields["compounds"].queryset = (
            Compound.objects.editable_by(user).select_related("division").only("name", "division__name")
        )  # a province holds 5,602: what the labels show

    def clean(self):
        data = super().clean()
        district = data.get("district")
        if district:
            outside = [
                c.name for c in data.get("compounds", []) if not c.division.path.startswith(district.path)
            ]
            if outside:
                self.add_error(
                    "compounds", _("Not in the district: %(names)s") % {"names": "、".join(outside)}
                )
        return data


class ProjectForm(BootstrapFormMixin, forms.ModelForm):
    division = forms.ModelChoiceField(queryset=Division.objects.none(), label=_("Run by"))
    compounds = forms.ModelMultipleChoiceField(
        queryset=Compound.objects.none(), label=_("Compounds"), widget=forms.SelectMultiple(attrs={"size": 8})
    )

    class Meta:
        model = Project
        fields = [
            "name",
            "division",
            "compounds",
            "programme",
            "year",
            "category",
            "is_key_project",
            "responsible_leader",
            "lead_department",
            "implementation_plan",
            "schedule",
            "planned_start",
            "planned_end",
            "uses_maintenance_fund",
            "changes_common_parts",
            "description",
        ]
        widgets = {
            "implementation_plan": private_file_input("projects:project_plan"),
            "planned_start": DATE,
            "planned_end": DATE,
            "schedule": forms.Textarea(attrs={"rows": 3}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["division"].queryset = Division.objects.editable_by(user).filter(
            level__in=[DivisionLevel.STREET, DivisionLevel.COMMUNITY]
        )
        self.fields["compounds"].queryset = (
            Compound.objects.editable_by(user).select_related("division").only("name", "division__name")
        )  # a province holds 5,602: what the labels show
        self.fields["programme"].queryset = Programme.objects.for_user(user).select_related("district")
        self.fields["compounds"].label_from_instance = lambda c: f"{c.name}（{c.division.name}）"
        self.fields["compounds"].help_text = _("Hold Ctrl (⌘ on a Mac) to choose several compounds.")
        if self.instance.pk:
            self.fields["division"].disabled = True
            self.initial["compounds"] = list(self.instance.compounds.values_list("pk", flat=True))
        else:
            # the usual case: a street user creates for their own street this year
            self.initial.setdefault("year", timezone.localdate().year)
            top = self.fields["division"].queryset.order_by(Length("path"), "path").first()
            if top is not None:
                self.initial.setdefault("division", top.pk)


class GateExceptionForm(BootstrapFormMixin, forms.Form):
    gate = forms.CharField(widget=forms.HiddenInput, max_length=40)
    reason = forms.CharField(
        label=_("Reason for the exception"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("Shown on the project page and its public page, with who recorded it and when."),
    )


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=choices.ProjectStatus.choices)
    note = forms.CharField(required=False, max_length=500)


class WorkItemForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = WorkItem
        fields = [
            "catalog_item",
            "name",
            "quantity",
            "unit",
            "budget",
            "planned_start",
            "planned_end",
            "progress",
            "building",
            "stairwell_unit",
            "needs_home_entry",
            "booking_deadline",
            "note",
        ]
        widgets = {"planned_start": DATE, "planned_end": DATE, "booking_deadline": DATE}

    def __init__(self, *args, parent, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["catalog_item"].queryset = CatalogItem.objects.filter(is_active=True)
        # where the work is: an elevator retrofit names the building and unit it serves (its
        # construction waits for that unit's elevator ballot)
        self.fields["building"].queryset = Building.objects.filter(
            compound__in=parent.compounds.all()
        ).select_related("compound")
        self.fields["building"].label_from_instance = lambda b: f"{b.compound.name} {b.name}"
        self.fields["building"].help_text = _(
            "For work in one place, e.g. the building of an elevator retrofit."
        )
        self.fields["name"].required = False
        # once supervision has progress reports on the item, its progress follows them only
        self.progress_from_reports = has_progress_reports(self.instance)
        if self.progress_from_reports:
            field = self.fields["progress"]
            field.disabled = True
            field.help_text = _("Progress follows the supervision progress reports; it is not typed here.")

    def clean(self):
        data = super().clean()
        # a report recorded after this form was opened: a typed change is refused all the same
        if "progress" in self.changed_data and "progress" in data:
            refusal = typed_progress_refusal(self.instance, data["progress"], data.get("planned_start"))
            if refusal:
                self.add_error("progress", refusal)
        item = data.get("catalog_item")
        if item is not None:
            data["name"] = data.get("name") or item.name
            data["unit"] = data.get("unit") or item.unit
            self.instance.name, self.instance.unit = data["name"], data["unit"]
        if not data.get("name"):
            self.add_error("name", _("Name the work item or pick it from the catalog."))
        return data


class CatalogPickForm(forms.Form):
    catalog_items = forms.ModelMultipleChoiceField(
        queryset=CatalogItem.objects.filter(is_active=True),
        widget=forms.CheckboxSelectMultiple,
        label=_("Items"),
    )


class FundingLineForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = FundingLine
        fields = ["source", "planned", "received", "note"]

    def __init__(self, *args, parent, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.project = parent
        self.fields["note"].help_text = _("Needed when more was received than planned.")

    def clean(self):
        data = super().clean()
        if data.get("source"):
            refusal = funding_refusal(
                self.project,
                source=data["source"],
                planned=data.get("planned"),
                received=data.get("received"),
                note=data.get("note", ""),
                instance=self.instance,
            )
            if refusal:
                self.add_error(*refusal)
        return data


class ProjectPartyForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = ProjectParty
        fields = ["role", "name", "contact_person", "phone", "public_phone", "users"]

    def __init__(self, *args, parent, user, **kwargs):
        super().__init__(*args, **kwargs)
        from .services import contractor_candidates

        self.fields["users"].queryset = contractor_candidates(parent)
        self.fields["users"].required = False
        self.fields["name"].label = _("Company or unit")


class MilestoneForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Milestone
        fields = ["name", "planned_date", "actual_date", "note"]
        widgets = {"planned_date": DATE, "actual_date": DATE}

    def __init__(self, *args, parent, user, **kwargs):
        super().__init__(*args, **kwargs)


class UtilityWorkForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = UtilityWork
        fields = ["kind", "zone", "window_start", "window_end", "party", "note"]
        widgets = {"window_start": DATE, "window_end": DATE}

    def __init__(self, *args, parent, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party"].queryset = parent.parties.all()

    def clean(self):
        data = super().clean()
        if data.get("window_start") and data.get("window_end") and data["window_end"] < data["window_start"]:
            self.add_error("window_end", _("The window ends before it starts."))
        return data


# --- branches ----------------------------------------------------------------------------------------


class BranchForm(BootstrapFormMixin, forms.ModelForm):
    division = forms.ModelChoiceField(
        queryset=Division.objects.none(),
        label=_("Set up by"),
        required=False,
        help_text=_("For a joint branch: the street or community it belongs to."),
    )
    compounds = forms.ModelMultipleChoiceField(
        queryset=Compound.objects.none(),
        label=_("Compounds"),
        required=False,
        help_text=_("For a joint branch: the small compounds it covers."),
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    class Meta:
        model = PartyBranch
        fields = [
            "kind",
            "name",
            "project",
            "division",
            "compounds",
            "established_on",
            "dissolved_on",
            "note",
        ]
        widgets = {"established_on": DATE, "dissolved_on": DATE, "note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.editable_by(user)
        self.fields["division"].queryset = Division.objects.editable_by(user).filter(
            level__in=[DivisionLevel.STREET, DivisionLevel.COMMUNITY]
        )
        self.fields["compounds"].queryset = Compound.objects.editable_by(user)
        if self.instance.pk:
            for name in ("kind", "project", "division"):
                self.fields[name].disabled = True
            self.initial["compounds"] = list(self.instance.compounds.values_list("pk", flat=True))
            if self.instance.kind == choices.BranchKind.TEMPORARY:
                self.fields["compounds"].disabled = True
                self.fields["compounds"].help_text = _(
                    "A temporary branch covers its project's compounds: change them on the project."
                )


class BranchMemberForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = BranchMember
        fields = [
            "person",
            "name",
            "organization",
            "party_organization",
            "role",
            "phone",
            "public_contact",
            "joined_on",
        ]
        widgets = {"joined_on": DATE}

    def __init__(self, *args, parent, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = (
            Person.objects.for_user(user)
            .filter(is_party_member=True)
            .select_related("division")
            .order_by("division__path", "name")
        )
        self.fields["person"].label_from_instance = lambda p: " · ".join(
            x for x in (p.name, p.employer or p.party_organization, p.division.name) if x
        )
        self.fields["person"].help_text = _("A Party member from the registry (fills name and organisation).")
        self.fields["name"].required = False
        self.fields["name"].label = _("Full name")

    def clean(self):
        data = super().clean()
        person = data.get("person")
        if person is not None:
            for field, value in (
                ("name", person.name),
                ("organization", person.employer),
                ("party_organization", person.party_organization),
                ("phone", person.phone),
            ):
                if not data.get(field):
                    data[field] = value
                    setattr(self.instance, field, value)
        if not data.get("name"):
            self.add_error("name", _("Name the member or pick a person."))
        return data


class _BranchChildForm(BootstrapFormMixin, forms.ModelForm):
    member_fields: tuple[str, ...] = ()

    def __init__(self, *args, parent, user, **kwargs):
        super().__init__(*args, **kwargs)
        from .services import member_rank

        for name in self.member_fields:
            self.fields[name].queryset = parent.members.order_by(member_rank(), "name", "pk")


class PartyGroupForm(_BranchChildForm):
    member_fields = ("leader", "members")

    class Meta:
        model = PartyGroup
        fields = ["name", "building", "leader", "members"]
        widgets = {"members": forms.CheckboxSelectMultiple}

    def __init__(self, *args, parent, user, **kwargs):
        super().__init__(*args, parent=parent, user=user, **kwargs)
        self.fields["building"].queryset = Building.objects.filter(compound__in=parent.compounds.all())


class CommandoTeamForm(_BranchChildForm):
    member_fields = ("members",)

    class Meta:
        model = CommandoTeam
        fields = ["kind", "name", "task", "members"]
        widgets = {"members": forms.CheckboxSelectMultiple}


class BranchActivityForm(_BranchChildForm):
    member_fields = ("attendees",)

    class Meta:
        model = BranchActivity
        fields = [
            "kind",
            "theme_day_kind",
            "date",
            "topic",
            "location",
            "attendees",
            "attendance_count",
            "minutes",
        ]
        widgets = {
            "date": DATE,
            "attendees": forms.CheckboxSelectMultiple,
            "minutes": forms.Textarea(attrs={"rows": 5}),
        }

    def clean(self):
        data = super().clean()
        if data.get("theme_day_kind") and data.get("kind") != choices.ActivityKind.THEME_PARTY_DAY:
            self.add_error("theme_day_kind", _("Only a theme Party day has a theme."))
        attendees = data.get("attendees") or []
        if (data.get("attendance_count") or 0) < len(attendees):
            data["attendance_count"] = len(attendees)
            self.instance.attendance_count = len(attendees)
        return data


class BulkAssignForm(BootstrapFormMixin, forms.Form):
    member = forms.ModelChoiceField(queryset=BranchMember.objects.none(), label=_("Member"))
    building = forms.ModelChoiceField(queryset=Building.objects.none(), label=_("Building"))
    unit = forms.CharField(
        required=False, max_length=10, label=_("Unit"), help_text=_("Leave empty for the whole building.")
    )
    reassign = forms.BooleanField(
        required=False, label=_("Also move households already assigned to someone else")
    )

    def __init__(self, *args, branch, **kwargs):
        super().__init__(*args, **kwargs)
        from .services import member_rank

        self.fields["member"].queryset = branch.members.order_by(member_rank(), "name", "pk")
        self.fields["building"].queryset = Building.objects.filter(
            compound__in=branch.compounds.all()
        ).select_related("compound")
        self.fields["building"].label_from_instance = lambda b: f"{b.compound.name} {b.name}"
