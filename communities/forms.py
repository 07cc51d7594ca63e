"""Page forms. BootstrapFormMixin gives every field Bootstrap's classes and marks invalid ones.

Registry forms take the acting user: every foreign-key choice list is limited to what that user may edit,
so nothing outside their scope can be chosen. Rules beyond one field come from communities.services
(`*_problems`) and are shown as field errors before anything is saved.
"""

import copy
from typing import Any

from django import forms
from django.db.models import Q, Subquery
from django.utils.translation import gettext_lazy as _

from . import choices, services
from .filters import CompoundFilter
from .masking import mask_id_number, mask_phone
from .models import Building, Compound, Division, Household, Ownership, Person
from .scoping import get_scope


class BootstrapFormMixin:
    """Bootstrap classes on every widget; fields with errors get `is-invalid` when the errors appear.
    (Marking happens in add_error, not in __init__: reading `self.errors` in __init__ would validate
    the form before a subclass has narrowed its choice querysets.)"""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            elif isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
                css = ""
            else:
                css = "form-control"
            if css:
                widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()

    def add_error(self, field, error):
        super().add_error(field, error)
        for name in self._errors or {}:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                classes = attrs.get("class", "").split()
                if "is-invalid" not in classes:
                    attrs["class"] = " ".join([*classes, "is-invalid"])


class DivisionChoiceField(forms.ModelChoiceField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("empty_label", _("Choose…"))
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: Division) -> str:
        parent = getattr(obj, "parent", None)
        return f"{parent.name} · {obj.name}" if parent is not None else obj.name


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        return f"{obj.name} · {mask_phone(obj.phone)}" if obj.phone else obj.name


class RuleCheckedForm(BootstrapFormMixin, forms.ModelForm):
    """A ModelForm that asks the service layer which rules the edited record would break, and shows
    them on the fields at fault (fields with errors then skip Django's generic constraint messages)."""

    problems = None  # a services.*_problems function

    def candidate(self):
        obj = copy.copy(self.instance)
        # a private relation cache, so trying values never touches the form's own instance
        obj._state = copy.copy(self.instance._state)
        obj._state.fields_cache = dict(self.instance._state.fields_cache)
        for name, value in self.cleaned_data.items():
            if name in {f.name for f in self._meta.model._meta.fields}:
                setattr(obj, name, value)
        return obj

    def clean(self):
        cleaned = super().clean()
        problems_fn = type(self).problems
        if problems_fn is not None:
            for field, message in problems_fn(self.candidate()).items():
                if field in self.errors:
                    continue
                self.add_error(field if field in self.fields else None, message)
        return cleaned


class CompoundForm(RuleCheckedForm):
    problems = staticmethod(services.compound_problems)
    division = DivisionChoiceField(queryset=Division.objects.none(), label=_("community"))

    class Meta:
        model = Compound
        fields = [
            "division",
            "name",
            "address",
            "year_built",
            "renovation_need",
            "management_mode",
            "has_owners_committee",
            "latitude",
            "longitude",
            "note",
        ]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["division"].queryset = services.editable_communities(user).select_related("parent")
        self.fields["year_built"].widget.attrs.update(inputmode="numeric")


class BuildingForm(RuleCheckedForm):
    problems = staticmethod(services.building_problems)

    class Meta:
        model = Building
        fields = ["name", "unit_count", "floor_count", "year_built", "has_elevator"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("unit_count", "floor_count", "year_built"):
            self.fields[name].widget.attrs.update(inputmode="numeric")


class HouseholdForm(RuleCheckedForm):
    problems = staticmethod(services.household_problems)

    class Meta:
        model = Household
        fields = ["building", "unit", "floor", "room", "exclusive_area", "area_source", "is_vacant", "note"]

    def __init__(self, *args, user, compound: Compound, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["building"].queryset = Building.objects.editable_by(user).filter(compound=compound)
        self.fields["building"].empty_label = None
        self.fields["exclusive_area"].widget.attrs.update(inputmode="decimal", step="0.01", min="0.01")
        self.fields["floor"].widget.attrs.update(inputmode="numeric")
        self.fields["area_source"].choices = [("", _("Not given")), *choices.AreaSource.choices]

    def clean_exclusive_area(self):
        area = self.cleaned_data.get("exclusive_area")
        if area is not None and area <= 0:
            raise forms.ValidationError(_("The area must be more than 0 m²."), code="area_positive")
        return area


class PersonForm(RuleCheckedForm):
    problems = staticmethod(services.person_problems)
    division = DivisionChoiceField(queryset=Division.objects.none(), label=_("registered in"))

    class Meta:
        model = Person
        fields = [
            "name",
            "phone",
            "id_number",
            "division",
            "is_party_member",
            "party_organization",
            "employer",
            "is_organization",
            "is_developer",
            "note",
        ]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["division"].queryset = (
            Division.objects.editable_by(user)
            .filter(level__in=[choices.DivisionLevel.COMMUNITY, choices.DivisionLevel.STREET])
            .select_related("parent")
        )
        self.fields["phone"].widget.attrs.update(type="tel", inputmode="tel", autocomplete="off")
        self.fields["id_number"].widget.attrs.update(autocomplete="off", spellcheck="false")
        if self.instance.pk and not self.is_bound:
            # never put full numbers into a page: editing keeps them unless a new value is typed
            for name in ("phone", "id_number"):
                if getattr(self.instance, name):
                    self.initial[name] = ""
        if self.instance.pk:
            order = list(self.fields)
            for name, label in (
                ("phone", _("Delete the recorded phone number")),
                ("id_number", _("Delete the recorded ID number")),
            ):
                if not getattr(self.instance, name):
                    continue
                self.fields[name].help_text = _("Leave empty to keep the current number.")
                current = getattr(self.instance, name)
                self.fields[name].widget.attrs["placeholder"] = (
                    mask_phone(current) if name == "phone" else mask_id_number(current)
                )
                self.fields[f"clear_{name}"] = forms.BooleanField(
                    label=label,
                    required=False,
                    widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
                )
                order.insert(order.index(name) + 1, f"clear_{name}")
            self.order_fields(order)

    def _keep_or_new(self, name):
        value = (self.cleaned_data.get(name) or "").strip()
        clear = self.fields.get(f"clear_{name}")
        if clear is not None and clear.widget.value_from_datadict(
            self.data, self.files, self.add_prefix(f"clear_{name}")
        ):
            if value:
                raise forms.ValidationError(
                    _("Either type a new number or tick “delete”, not both."), code="clear_and_new"
                )
            return ""
        if not value and self.instance.pk:
            return getattr(self.instance, name)
        return value

    def clean_phone(self):
        from .validators import normalize_phone

        return normalize_phone(self._keep_or_new("phone"))

    def clean_id_number(self):
        return self._keep_or_new("id_number").upper()


class ResidentForm(PersonForm):
    """A new person together with their relation to one household."""

    kind = forms.ChoiceField(label=_("relation"), choices=choices.OwnershipKind.choices)
    since = forms.DateField(label=_("since"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        link = Ownership(kind=cleaned.get("kind") or "", since=cleaned.get("since"))
        link.person = self.candidate()
        for field, message in services.ownership_problems(link).items():
            if field in self.fields and field not in self.errors:
                self.add_error(field, message)
        return cleaned


class OwnershipForm(RuleCheckedForm):
    problems = staticmethod(services.ownership_problems)
    person = PersonChoiceField(
        queryset=Person.objects.none(), label=_("person"), empty_label=_("Choose a person")
    )

    class Meta:
        model = Ownership
        fields = ["person", "kind", "since"]
        widgets = {"since": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    CHOICES = 50  # a community can hold thousands of people: the list shows this many, search finds others

    def __init__(self, *args, user, household: Household, q: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        community = household.building.compound.division
        near = Q(division__path__startswith=community.path) | Q(division_id=community.parent_id)
        candidates = Person.objects.editable_by(user).filter(near).order_by("name", "pk")
        q = (q or "").strip()
        if q:
            # a name, or the last digits of a phone number (what a masked number shows)
            match = Q(name__icontains=q)
            if q.isdigit():
                match |= Q(phone__endswith=q)
            candidates = candidates.filter(match)
        shown = Q(pk__in=Subquery(candidates.values("pk")[: self.CHOICES]))
        posted = str(self.data.get(self.add_prefix("person"), "")) if self.is_bound else ""
        if posted.isdigit():
            shown |= Q(pk=int(posted))  # still checked against the candidates: never outside them
        if self.instance.pk:
            shown |= Q(pk=self.instance.person_id)
            self.fields["person"].disabled = True
        self.fields["person"].queryset = candidates.filter(shown)
        self.search = {"q": q, "limit": self.CHOICES}


class RevealForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        help_text=_("Why you need the full numbers; this is recorded."),
    )


class CompoundListFilter(CompoundFilter):
    """The compound list's filter form: the community choices are only those in the user's scope.

    A province holds thousands of communities: past `COMMUNITY_CHOICES` of them in the area shown,
    the form offers the area instead (the scope's top, then the area chosen with its parents and its
    children), and the communities once the area holds few enough."""

    COMMUNITY_CHOICES = 300

    def __init__(self, data=None, queryset=None, *, user, **kwargs):
        super().__init__(data, queryset, **kwargs)
        self.user = user

    def _area(self) -> Division | None:
        """The area asked for (`?division=`), when it lies in the user's scope."""
        value = str(self.data.get("division", "")) if self.data else ""
        if not value.isdigit():
            return None
        return Division.objects.for_user(self.user).filter(pk=int(value)).first()

    def _area_choices(self, area: Division | None) -> list[tuple[Any, str]]:
        visible = Division.objects.for_user(self.user)
        if area is None:
            scope = get_scope(self.user)
            tops = (
                visible.filter(parent__isnull=True)
                if scope.is_superuser
                else visible.filter(path__in=scope.paths())
            )
            return [("", _("All areas"))] + [(d.pk, d.name) for d in tops.order_by("path")]
        above = area.ancestors().filter(pk__in=visible.values("pk"))  # itself included
        children = visible.filter(parent=area).order_by("path")
        return (
            [("", _("All areas"))]
            + [(d.pk, d.name) for d in above]
            + [(d.pk, f"\u3000{d.name}") for d in children]
        )

    @property
    def form(self):
        if not hasattr(self, "_form"):
            form = super().form
            area = self._area()
            communities = (
                Division.objects.for_user(self.user)
                .filter(level=choices.DivisionLevel.COMMUNITY)
                .select_related("parent")
                .order_by("path")
            )
            if area is not None:
                communities = communities.filter(path__startswith=area.path)
            listed = list(communities[: self.COMMUNITY_CHOICES + 1])
            self.narrowing = len(listed) > self.COMMUNITY_CHOICES
            if self.narrowing:
                form.fields.pop("community")
                form.fields["division"] = forms.TypedChoiceField(
                    label=_("Administrative area"),
                    required=False,
                    coerce=int,
                    choices=self._area_choices(area),
                    help_text=_("Narrow the area down to choose a community."),
                )
            else:
                form.fields["community"] = forms.TypedChoiceField(
                    label=_("Community"),
                    required=False,
                    coerce=int,
                    choices=[("", _("All communities"))]
                    + [(d.pk, DivisionChoiceField.label_from_instance(None, d)) for d in listed],
                )
                form.fields["division"].widget = forms.HiddenInput()
            form.fields["q"].widget.attrs.update(placeholder=_("Name or address"), type="search")
            for name in ("year_built_min", "year_built_max"):
                form.fields[name].widget.attrs.update(inputmode="numeric", placeholder="1990")
            form.fields.pop("has_owners_committee", None)
            for field in form.fields.values():
                css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
                field.widget.attrs["class"] = css
            self._form = form
        return self._form
