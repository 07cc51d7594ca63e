from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communities.forms import BootstrapFormMixin
from communities.models import Building, Household

from . import choices, services
from .models import Ballot, BallotOption, Elector, RulePolicy


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class OptionForm(forms.Form):
    """One option: its text, and whether it counts as yes or is an abstention -- said by the creator."""

    label = forms.CharField(label=_("Option"), max_length=200, required=False)
    counts_as_yes = forms.BooleanField(label=_("Counts as yes"), required=False)
    is_abstention = forms.BooleanField(label=_("Abstention"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["label"].widget.attrs.update({"class": "form-control", "aria-label": _("Option")})
        for name in ("counts_as_yes", "is_abstention"):
            field = self.fields[name]
            field.widget.attrs.update({"class": "form-check-input", "aria-label": field.label})


OptionFormSet = forms.formset_factory(OptionForm, extra=0, max_num=30, absolute_max=30)
OPTION_ROWS = 6  # rows offered without JavaScript (a script adds more)


def default_option_rows(kind: str) -> list[dict]:
    """The kind's usual options with their flags, offered pre-filled (the creator may change them)."""
    return services.default_options(kind)


class BallotForm(BootstrapFormMixin, forms.Form):
    """Create a ballot for one compound (chosen first: ?compound=<id>), so scope lists stay short."""

    kind = forms.ChoiceField(label=_("Kind"), choices=choices.BallotKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    question = forms.CharField(label=_("Question"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    project = forms.ModelChoiceField(label=_("Project"), queryset=None, required=False)
    rule_policy = forms.ModelChoiceField(
        label=_("Rule policy"),
        queryset=RulePolicy.objects.none(),
        required=False,
        help_text=_("Empty: the policy in force for this compound's division (else the defaults)."),
    )
    rule = forms.ChoiceField(
        label=_("Rule"),
        choices=[("", _("The kind's usual rule")), *choices.Rule.choices],
        required=False,
    )
    scope_buildings = forms.MultipleChoiceField(
        label=_("Only these buildings"), required=False, widget=forms.CheckboxSelectMultiple
    )
    scope_units = forms.MultipleChoiceField(
        label=_("Only these stairwell units"), required=False, widget=forms.CheckboxSelectMultiple
    )
    occupied_households = forms.ModelMultipleChoiceField(
        label=_("Elevator: households whose part it occupies"),
        queryset=Household.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Their owners must consent in any case. Only households of the scope saved above are listed; "
            "after changing the scope, save, then tick them."
        ),
    )
    opens_at = forms.DateTimeField(label=_("Opens at"), widget=DateTimeLocalInput())
    closes_at = forms.DateTimeField(label=_("Closes at"), widget=DateTimeLocalInput())
    secret = forms.BooleanField(label=_("Secret ballot"), required=False)
    realtime_results = forms.BooleanField(label=_("Show results while open"), required=False)
    allow_change = forms.BooleanField(label=_("Online choice may be changed until close"), required=False)

    def __init__(self, *args, compound, user, ballot: Ballot | None = None, **kwargs):
        from projects.models import Project

        from .querysets import RulePolicyQuerySet  # noqa: F401  (documented queryset)

        self.ballot = ballot
        if ballot is not None:
            kwargs["initial"] = {**self._initial_from(ballot), **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)
        self.compound = compound
        self.fields["rule"].help_text = _("Each kind allows only some rules: %(rules)s") % {
            "rules": "; ".join(
                f"{choices.BallotKind(k).label} → {'、'.join(str(choices.Rule(r).label) for r in rs)}"
                for k, rs in choices.ALLOWED_RULES.items()
            )
        }
        if ballot is not None:
            option_rows = [
                {"label": o.label, "counts_as_yes": o.counts_as_yes, "is_abstention": o.is_abstention}
                for o in ballot.options.all()
            ]
        else:
            kind = self.initial.get("kind") or choices.BallotKind.RENOVATION_CONSENT
            option_rows = default_option_rows(kind)
        option_rows += [{}] * max(OPTION_ROWS - len(option_rows), 2)
        if self.is_bound:
            self.options_formset = OptionFormSet(self.data, prefix="opt")
        else:
            self.options_formset = OptionFormSet(prefix="opt", initial=option_rows)
        # a draft of a block project's ballot: its scope may be in any of its compounds
        self.extra_compounds = list(ballot.extra_compounds.all()) if ballot is not None else []
        compound_ids = [compound.pk, *(c.pk for c in self.extra_compounds)]
        self.fields["project"].queryset = Project.objects.for_user(user).filter(compounds=compound)
        self.fields["rule_policy"].queryset = RulePolicy.objects.for_user(user).filter(
            division_id__in=[int(p) for p in compound.division.path.strip("/").split("/") if p]
        )
        from .services import applicable_policy

        in_force = applicable_policy(compound)
        if in_force is not None and not self.is_bound:
            self.initial.setdefault("rule_policy", in_force.pk)
        self.fields["rule_policy"].empty_label = _("The policy in force (else the defaults)")
        buildings = list(
            Building.objects.filter(compound_id__in=compound_ids)
            .select_related("compound")
            .order_by("compound_id", "name")
        )
        self.buildings = {str(b.pk): b for b in buildings}

        def name(b):
            return f"{b.compound.name} {b.name}" if len(compound_ids) > 1 else b.name

        self.fields["scope_buildings"].choices = [(str(b.pk), name(b)) for b in buildings]
        self.fields["scope_units"].choices = [
            (f"{b.pk}:{u}", f"{name(b)} {u}单元") for b in buildings for u in range(1, b.unit_count + 1)
        ]
        if ballot is None or ballot.kind != choices.BallotKind.ELEVATOR_RETROFIT:
            # The scope is not known yet: the households are ticked when editing the draft, where only
            # the households of its stairwell unit(s) / buildings are offered.
            del self.fields["occupied_households"]
        else:
            field = self.fields["occupied_households"]
            field.queryset = Household.objects.filter(building__compound_id__in=compound_ids).select_related(
                "building"
            )
            field.label_from_instance = lambda h: h.label
            self._offer_occupied(services.scope_households(ballot))

    @staticmethod
    def _initial_from(ballot: Ballot) -> dict:
        return {
            "kind": ballot.kind,
            "title": ballot.title,
            "question": ballot.question,
            "project": ballot.project_id,
            "rule_policy": ballot.rule_policy_id,
            "rule": ballot.rule,
            "scope_buildings": [str(pk) for pk in ballot.scope_buildings.values_list("pk", flat=True)],
            "scope_units": [f"{u['building']}:{u['unit']}" for u in ballot.scope_units],
            "occupied_households": list(ballot.occupied_households.values_list("pk", flat=True)),
            "opens_at": timezone.localtime(ballot.opens_at),
            "closes_at": timezone.localtime(ballot.closes_at),
            "secret": ballot.secret,
            "realtime_results": ballot.realtime_results,
            "allow_change": ballot.allow_change,
        }

    def _offer_occupied(self, households) -> None:
        """List only the households the scope covers (the queryset still parses any of the compound's,
        so a stale tick is refused in clean() with its name rather than 'not a valid choice')."""
        field = self.fields["occupied_households"]
        rows = households.select_related("building").order_by("building__name", "unit", "floor", "room")
        field.choices = [(h.pk, h.label) for h in rows]

    def _scope(self) -> tuple[list, list]:
        data = self.cleaned_data
        buildings = [self.buildings[i] for i in data.get("scope_buildings") or []]
        units = []
        for value in data.get("scope_units") or []:
            building_id, unit = value.split(":", 1)
            units.append({"building": int(building_id), "unit": unit})
        return buildings, units

    def is_valid(self) -> bool:
        return all([super().is_valid(), self.options_formset.is_valid()])

    def option_rows(self) -> list[dict]:
        """The options typed, in order (empty rows skipped), with the flags the creator ticked."""
        rows = []
        for form in self.options_formset.forms:
            data = getattr(form, "cleaned_data", None) or {}
            label = (data.get("label") or "").strip()
            if label:
                rows.append(
                    {
                        "label": label,
                        "counts_as_yes": bool(data.get("counts_as_yes")),
                        "is_abstention": bool(data.get("is_abstention")),
                    }
                )
        return rows

    @property
    def options_errors(self) -> list[str]:
        errors = list(self.options_formset.non_form_errors())
        for form in self.options_formset.forms:
            errors += [e for field_errors in form.errors.values() for e in field_errors]
        return errors + list(getattr(self, "_option_errors", []))

    def add_option_error(self, message: str) -> None:
        self._option_errors = [*getattr(self, "_option_errors", []), message]

    def clean(self):
        data = super().clean()
        if "occupied_households" in self.fields and "scope_buildings" in data and "scope_units" in data:
            buildings, units = self._scope()
            kind = services._scope_kind(buildings, units)
            self._offer_occupied(
                Household.objects.filter(
                    building__compound_id__in=[self.compound.pk, *(c.pk for c in self.extra_compounds)]
                ).filter(services.scope_q(kind, [b.pk for b in buildings], units))
            )
            outside = services.occupied_outside_scope(
                self.compound,
                buildings,
                units,
                data.get("occupied_households") or [],
                self.extra_compounds,
            )
            if outside:
                self.add_error(
                    "occupied_households",
                    _("Not in the ballot's scope (choose their stairwell unit, or untick them): %(h)s")
                    % {"h": "、".join(h.label for h in outside)},
                )
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        buildings, units = self._scope()
        options = self.option_rows()
        kwargs = {
            "kind": data["kind"],
            "title": data["title"],
            "question": data["question"],
            "project": data["project"],
            "rule_policy": data["rule_policy"],
            "rule": data["rule"] or None,
            "scope_buildings": buildings,
            "scope_units": units,
            "options": options,
            "opens_at": data["opens_at"],
            "closes_at": data["closes_at"],
            "secret": data["secret"],
            "realtime_results": data["realtime_results"],
            "allow_change": data["allow_change"],
        }
        if self.ballot is None:
            kwargs["compound"] = self.compound
        else:
            if "occupied_households" in self.fields:
                kwargs["occupied_households"] = list(data["occupied_households"])
            if data["kind"] != choices.BallotKind.ELEVATOR_RETROFIT:
                kwargs["occupied_households"] = []  # only an elevator occupies households' parts
            if data["kind"] != self.ballot.kind and kwargs["rule"] == choices.DEFAULT_RULE[self.ballot.kind]:
                kwargs["rule"] = None  # the old kind's usual rule left as it was: take the new kind's
            current = [
                {"label": o.label, "counts_as_yes": o.counts_as_yes, "is_abstention": o.is_abstention}
                for o in self.ballot.options.all()
            ]
            if options == current:
                del kwargs["options"]  # unchanged: keep the rows (votes are not possible on a draft anyway)
        return kwargs


class CloseForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason for closing early"),
        max_length=500,
        required=False,
        help_text=_("Required before the closing time."),
    )


class StaffVoteForm(BootstrapFormMixin, forms.Form):
    """A paper ballot or a meeting vote in as few fields as possible."""

    elector = forms.ModelChoiceField(label=_("Household / owner"), queryset=Elector.objects.none())
    option = forms.ModelChoiceField(
        label=_("Choice"), queryset=BallotOption.objects.none(), widget=forms.RadioSelect
    )
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[
            (choices.VoteChannel.PAPER, _("Paper ballot")),
            (choices.VoteChannel.MEETING, _("At a meeting")),
        ],
        initial=choices.VoteChannel.PAPER,
    )
    paper_serial = forms.CharField(label=_("Paper serial"), max_length=40, required=False)
    photo = forms.FileField(
        label=_("Photo of the signed form"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    # A ballot of 20,000 electors must not send 20,000 options with its page: past this many, the list
    # shows the first matches of a search (the search box above it; htmx refreshes the list as one
    # types). Only what is SHOWN is cut: every elector of the ballot stays a valid choice.
    CHOICES_MAX = 200

    def __init__(self, *args, ballot: Ballot, search: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        # The list offers the electors who have not voted; one who has (another clerk was quicker) is
        # still accepted here, so the service refuses it saying when and how the first vote was cast.
        electors = ballot.electors.natural_order()
        field = self.fields["elector"]
        field.queryset = electors
        self.search = search.strip()
        shown = pending_electors(ballot, self.search, self.CHOICES_MAX + 1)
        self.truncated = len(shown) > self.CHOICES_MAX
        shown = shown[: self.CHOICES_MAX]
        chosen = self.data.get(self.add_prefix("elector")) if self.is_bound else self.initial.get("elector")
        if chosen and str(chosen).isdigit() and int(chosen) not in {e.pk for e in shown}:
            shown = [*electors.filter(pk=int(chosen)), *shown]  # keep the clerk's choice on a re-shown form
        field.choices = [("", field.empty_label), *((e.pk, field.label_from_instance(e)) for e in shown)]
        # the search box is offered once the list no longer holds everyone
        self.needs_search = self.truncated or bool(self.search)
        if self.needs_search:  # the page refreshes this list itself (htmx): no searchable widget on it
            field.widget.attrs["data-plain"] = ""
        self.fields["option"].queryset = ballot.options.all()
        self.fields["option"].empty_label = None
        if ballot.secret:  # no photo of a secret paper form (services._checked_paper_photo)
            del self.fields["photo"]


def pending_electors(ballot: Ballot, search: str = "", limit: int = StaffVoteForm.CHOICES_MAX) -> list:
    """Electors who have not voted yet, in natural order, matching `search` in their label; at most
    `limit` (the page shows a search box instead of the whole electorate)."""
    qs = ballot.electors.natural_order().filter(vote__isnull=True)
    if search:
        qs = qs.filter(label__icontains=search)
    return list(qs[:limit])


class RulePolicyForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = RulePolicy
        fields = [
            "division",
            "name",
            "effective_from",
            "consent_threshold_num",
            "consent_threshold_den",
            "consent_base",
            "satisfaction_threshold_num",
            "satisfaction_threshold_den",
            "satisfaction_base",
            "satisfaction_participation_num",
            "satisfaction_participation_den",
            "choice_threshold_num",
            "choice_threshold_den",
            "choice_base",
            "participation_num",
            "participation_den",
            "ordinary_pass_num",
            "ordinary_pass_den",
            "major_pass_num",
            "major_pass_den",
            "notice_days",
            "plan_notice_days",
            "deliberation_procedure",
            "door_to_door_required",
            "door_to_door_num",
            "door_to_door_den",
            "panel_residents",
            "note",
        ]
        widgets = {"effective_from": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, user, **kwargs):
        from communities.models import Division

        from .querysets import POLICY_EDITOR_ROLES

        super().__init__(*args, **kwargs)
        from communities.scoping import get_scope

        self.fields["division"].queryset = Division.objects.filter(
            get_scope(user).q("path", POLICY_EDITOR_ROLES)
        )
        # satisfaction is measured over those who answered (how many must answer: its participation)
        self.fields["satisfaction_base"].choices = [
            c for c in choices.ThresholdBase.choices if c[0] == choices.ThresholdBase.ANSWERED
        ]
