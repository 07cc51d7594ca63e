"""Ballot writes that carry the rules of DESIGN.md §4. Pages, API, admin, tasks, demo and other apps
(supervision's acceptance rounds) call these functions; each is atomic and takes the acting user
(None = the system, e.g. Celery beat opening a ballot on time).

Stable API for other apps:
    create_ballot(*, user, kind, title, compound, options, opens_at, closes_at, ...) -> Ballot
    open_ballot(ballot, user) -> Ballot
    close_ballot(ballot, user, reason="") -> Ballot
    tally(ballot) -> TallyResult            (see consultations.ballots.tally; `.passed`)
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from communities import ratios
from communities.bulk import copy_insert
from communities.choices import OWNER_KINDS
from communities.errors import Conflict, DomainError
from communities.models import Building, Compound, Household, Ownership
from communities.scoping import get_scope
from projects.gates import GateItem, listing

from . import choices
from .models import Ballot, BallotOption, Elector, RulePolicy, Vote
from .querysets import VOTE_ENTRY_ROLES
from .tally import TallyResult, compute_tally

log = logging.getLogger(__name__)

# Codes: 8 characters from an alphabet without look-alikes (no 0/O, 1/I/L): 31^8 ≈ 8.5e11 codes.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
RECEIPT_LENGTH = 10

# An option given as plain text ("弃权") is an abstention by that word; it is NEVER a yes by its wording
# (choices.STANDARD_YES_WORDING is only offered: the creator says which options count as yes).
ABSTAIN_LABELS = {"弃权", "abstain", "abstention"}


# --- helpers ------------------------------------------------------------------------------------------


def _require_edit(user, compound: Compound) -> None:
    if user is None:
        return  # the system
    if not get_scope(user).can_edit(compound.division.path):
        raise PermissionDenied(_("You may not run ballots here."))


def _require_vote_entry(user, ballot: Ballot) -> None:
    if user is None or not get_scope(user).covers(ballot.compound.division.path, VOTE_ENTRY_ROLES):
        raise PermissionDenied(_("You may not enter votes for this ballot."))


def _when(dt: datetime) -> str:
    return date_format(timezone.localtime(dt), "Y-m-d H:i")


def new_code(length: int = CODE_LENGTH) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def normalize_code(raw: str | None) -> str:
    """What a person typed or a QR code carried: case, spaces and dashes do not matter."""
    return "".join(ch for ch in (raw or "").upper() if ch.isalnum())[:32]


def format_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}" if len(code) == CODE_LENGTH else code


def hash_code(ballot_id: int, code: str) -> str:
    """HMAC-SHA256 keyed with SECRET_KEY and bound to the ballot: fast enough to look up, useless for
    another ballot, and a stolen database does not reveal codes (the key is not in it)."""
    message = f"{ballot_id}:{normalize_code(code)}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def applicable_policy(compound: Compound, on=None) -> RulePolicy | None:
    on = on or timezone.localdate()
    return RulePolicy.objects.applicable_to(compound.division, on).first()


# --- create -------------------------------------------------------------------------------------------


def default_options(kind: str) -> list[dict]:
    """The kind's usual options, their yes and abstention flags said explicitly (offered on the page,
    used by the API and other apps when no options are given)."""
    if kind == choices.BallotKind.ACCEPTANCE_SATISFACTION:
        return [
            {"label": "满意", "counts_as_yes": True, "is_abstention": False},
            {"label": "基本满意", "counts_as_yes": True, "is_abstention": False},
            {"label": "不满意", "counts_as_yes": False, "is_abstention": False},
        ]
    if kind == choices.BallotKind.PLAN_CHOICE:
        return []
    return [
        {"label": "同意", "counts_as_yes": True, "is_abstention": False},
        {"label": "不同意", "counts_as_yes": False, "is_abstention": False},
        {"label": "弃权", "counts_as_yes": False, "is_abstention": True},
    ]


def _option_dicts(kind: str, options: Iterable | None) -> list[dict]:
    out = []
    for item in options or []:
        if isinstance(item, BallotOption):
            item = {
                "label": item.label,
                "counts_as_yes": item.counts_as_yes,
                "is_abstention": item.is_abstention,
            }
        if isinstance(item, str):
            label = item.strip()
            item = {"label": label, "counts_as_yes": False, "is_abstention": label.lower() in ABSTAIN_LABELS}
        label = str(item.get("label", "")).strip()
        if not label:
            continue
        out.append(
            {
                "label": label[:200],
                "counts_as_yes": bool(item.get("counts_as_yes")),
                "is_abstention": bool(item.get("is_abstention")),
            }
        )
    return out or default_options(kind)


def _quoted(labels: Iterable[str]) -> str:
    return "、".join(f"“{label}”" for label in labels)


def options_refusal(kind: str, options: Sequence[dict]) -> str | None:
    """Why these options cannot make a ballot of `kind` (None: they can). Every kind but a plan choice
    says explicitly which options count as yes: at least one, and at least one that does not. A plan
    choice has none (its leading plan is measured against the threshold) and needs two plans."""
    if any(o.get("counts_as_yes") and o.get("is_abstention") for o in options):
        return _("An option cannot both count as yes and be an abstention.")
    yes = [o["label"] for o in options if o.get("counts_as_yes")]
    if kind == choices.BallotKind.PLAN_CHOICE:
        if yes:
            return _(
                "A plan choice has no options that count as yes: its leading plan is measured against "
                "the threshold. Untick “counts as yes” for %(options)s."
            ) % {"options": _quoted(yes)}
        if len([o for o in options if not o.get("is_abstention")]) < 2:
            return _("A plan choice needs at least two plans (an abstention is not a plan).")
        return None
    if not yes:
        usual = [
            o["label"]
            for o in options
            if not o.get("is_abstention") and o["label"].lower().startswith(choices.STANDARD_YES_WORDING)
        ]
        hint = (
            _("%(options)s reads like agreement: tick it if it means yes.") % {"options": _quoted(usual)}
            if usual
            else _("Usual wording: %(words)s.") % {"words": _quoted(choices.STANDARD_YES_WORDING[:5])}
        )
        return _(
            "No option is marked to count as yes: say which options mean agreement (tick “counts as "
            "yes”). %(hint)s"
        ) % {"hint": hint}
    if len(yes) == len(options):
        return _("Every option counts as yes: at least one option must not count as yes (e.g. “不同意”).")
    return None


def rule_refusal(kind: str, rule: str) -> str | None:
    """Why a ballot of `kind` may not use `rule` (None: it may). DESIGN.md §7: the kind fixes the rules."""
    allowed = choices.ALLOWED_RULES.get(kind, ())
    if rule in allowed:
        return None
    return _("A ballot of kind %(kind)s may only use: %(rules)s.") % {
        "kind": choices.BallotKind(kind).label,
        "rules": "、".join(str(choices.Rule(r).label) for r in allowed),
    }


def _compound_ids(compound: Compound, extra_compounds: Iterable[Compound] = ()) -> list[int]:
    return [compound.pk, *(c.pk for c in extra_compounds if c.pk != compound.pk)]


def _normalize_units(
    compound: Compound, scope_units: Iterable, extra_compounds: Iterable[Compound] = ()
) -> list[dict]:
    units = []
    building_ids = set(
        Building.objects.filter(compound_id__in=_compound_ids(compound, extra_compounds)).values_list(
            "pk", flat=True
        )
    )
    for item in scope_units or []:
        if isinstance(item, dict):
            building, unit = item.get("building"), item.get("unit")
        else:
            building, unit = item
        building_id = building.pk if isinstance(building, Building) else int(building)
        if building_id not in building_ids:
            raise DomainError(
                _("A stairwell unit in the scope is not in this compound."), field="scope_units"
            )
        unit = str(unit).strip()
        if not unit:
            raise DomainError(_("Name the stairwell unit, e.g. 2."), field="scope_units")
        if {"building": building_id, "unit": unit} not in units:
            units.append({"building": building_id, "unit": unit})
    return units


def scope_q(scope_kind: str, building_ids: Iterable[int], units: Iterable[dict]) -> Q:
    """Households (of the ballot's compounds) a scope covers, as a filter on Household."""
    if scope_kind == choices.ScopeKind.UNITS:
        q = Q(pk__in=[])
        for item in units:
            q |= Q(building_id=item["building"], unit=item["unit"])
        return q
    if scope_kind == choices.ScopeKind.BUILDINGS:
        return Q(building_id__in=list(building_ids))
    return Q()


def scope_households(ballot: Ballot):
    """The households a ballot's scope covers, read from the registry (used when opening)."""
    building_ids = (
        list(ballot.scope_buildings.values_list("pk", flat=True))
        if ballot.scope_kind == choices.ScopeKind.BUILDINGS
        else []
    )
    return Household.objects.filter(building__compound_id__in=ballot.compound_ids()).filter(
        scope_q(ballot.scope_kind, building_ids, ballot.scope_units)
    )


def _scope_kind(buildings: list, units: list) -> str:
    if units:
        return choices.ScopeKind.UNITS
    return choices.ScopeKind.BUILDINGS if buildings else choices.ScopeKind.COMPOUND


def occupied_outside_scope(
    compound: Compound,
    buildings: list,
    units: list,
    occupied: Iterable,
    extra_compounds: Iterable[Compound] = (),
) -> list:
    """The households among `occupied` that the scope (buildings/units of `compound` and
    `extra_compounds`) does not cover."""
    occupied = list(occupied or [])
    if not occupied:
        return []
    kind = _scope_kind(buildings, units)
    inside = set(
        Household.objects.filter(
            building__compound_id__in=_compound_ids(compound, extra_compounds),
            pk__in=[h.pk for h in occupied],
        )
        .filter(scope_q(kind, [b.pk for b in buildings], units))
        .values_list("pk", flat=True)
    )
    return [h for h in occupied if h.pk not in inside]


def _prepare(
    *,
    user,
    compound: Compound,
    extra_compounds: Sequence[Compound] = (),
    kind: str,
    title: str,
    question: str,
    project,
    scope_buildings,
    scope_units,
    secret: bool,
    rule_policy: RulePolicy | None,
    rule: str | None,
    realtime_results: bool,
    allow_change: bool,
    opens_at,
    closes_at,
    options,
    occupied_households,
) -> tuple[dict, list, list | None, list]:
    """Check a ballot's settings (create and draft edits share this) and return
    (model fields, scope buildings, option rows or None = keep, occupied households)."""
    if kind not in choices.BallotKind.values:
        raise DomainError(_("Unknown kind of ballot."), field="kind")
    if not (title or "").strip():
        raise DomainError(_("A ballot needs a title."), field="title")
    if opens_at is None or closes_at is None or closes_at <= opens_at:
        raise DomainError(_("The ballot must close after it opens."), field="closes_at")
    rule = rule or choices.DEFAULT_RULE[kind]
    if rule not in choices.Rule.values:
        raise DomainError(_("Unknown rule."), field="rule")
    refusal = rule_refusal(kind, rule)
    if refusal:
        raise DomainError(refusal, field="rule")
    if secret and rule in choices.ART278_RULES:
        raise DomainError(
            _(
                "Owners' decisions under art. 278 are counted by area, which needs each choice with its "
                "owner's area; that would identify the owner, so these ballots are recorded (signed), "
                "not secret."
            ),
            field="secret",
        )
    if secret and realtime_results:
        raise DomainError(
            _("A secret ballot never shows results before it closes."), field="realtime_results"
        )
    if secret and allow_change:
        raise DomainError(
            _("A secret ballot cannot let a choice be changed: the choice is not linked to anyone."),
            field="allow_change",
        )
    if project is not None:
        from projects.models import Project

        if user is not None and not Project.objects.for_user(user).filter(pk=project.pk).exists():
            raise DomainError(_("Choose a project you can see."), field="project")
        if not project.compounds.filter(pk=compound.pk).exists():
            raise DomainError(_("The project does not cover this compound."), field="project")
        covered = set(project.compounds.values_list("pk", flat=True))
        outside = [c for c in extra_compounds if c.pk not in covered]
        if outside:
            raise DomainError(
                _("The project does not cover %(compounds)s.")
                % {"compounds": "、".join(c.name for c in outside)},
                field="extra_compounds",
            )
    compound_ids = set(_compound_ids(compound, extra_compounds))
    buildings = list(scope_buildings or [])
    for b in buildings:
        if b.compound_id not in compound_ids:
            raise DomainError(_("A building in the scope is not in this compound."), field="scope_buildings")
    units = _normalize_units(compound, scope_units, extra_compounds)
    scope_kind = _scope_kind(buildings, units)
    if kind == choices.BallotKind.ELEVATOR_RETROFIT and scope_kind == choices.ScopeKind.COMPOUND:
        raise DomainError(
            _("An elevator ballot is scoped to the stairwell unit (or building) the elevator serves."),
            field="scope_units",
        )
    option_rows = None
    if options is not None:
        option_rows = _option_dicts(kind, options)
        if len(option_rows) < 2:
            raise DomainError(_("A ballot needs at least two options."), field="options")
        if len({o["label"] for o in option_rows}) != len(option_rows):
            raise DomainError(_("Two options have the same text."), field="options")
        refusal = options_refusal(kind, option_rows)
        if refusal:
            raise DomainError(refusal, field="options")
    occupied = list(occupied_households or [])
    if occupied and secret:
        raise DomainError(
            _("The owners whose part the elevator occupies must consent by name: not in a secret ballot."),
            field="secret",
        )
    outside = occupied_outside_scope(compound, buildings, units, occupied, extra_compounds)
    if outside:
        raise DomainError(
            _(
                "A household whose part the elevator occupies must be in the ballot's scope; "
                "not in it: %(households)s."
            )
            % {"households": "、".join(h.label for h in outside)},
            field="occupied_households",
        )

    if rule_policy is None:
        policy = applicable_policy(compound)
    else:
        policy = rule_policy
        ancestors = {int(p) for p in compound.division.path.strip("/").split("/") if p}
        if policy.division_id not in ancestors:
            raise DomainError(
                _("This rule policy belongs to another division than the compound's."), field="rule_policy"
            )
    source = policy or RulePolicy()  # no policy in force: the defaults of DESIGN.md §4
    th_num, th_den, th_base = source.threshold_for(kind)
    th_base = choices.REQUIRED_BASE.get(kind, th_base)
    if rule == choices.Rule.ART278_ORDINARY:
        pass_num, pass_den, inclusive = source.ordinary_pass_num, source.ordinary_pass_den, False
    else:
        pass_num, pass_den, inclusive = source.major_pass_num, source.major_pass_den, True
    participation = (source.participation_num, source.participation_den)
    if kind == choices.BallotKind.ACCEPTANCE_SATISFACTION and rule == choices.Rule.THRESHOLD:
        # how many must answer for the survey to count (DESIGN.md §7), copied like every rule number
        participation = (source.satisfaction_participation_num, source.satisfaction_participation_den)
    fields = {
        "kind": kind,
        "title": title.strip()[:200],
        "question": (question or "").strip(),
        "project": project,
        "scope_kind": scope_kind,
        "scope_units": units,
        "opens_at": opens_at,
        "closes_at": closes_at,
        "secret": secret,
        "realtime_results": realtime_results,
        "allow_change": allow_change,
        "rule_policy": policy,
        "rule_policy_label": str(policy) if policy else _("Defaults (no rule policy in force)"),
        "rule": rule,
        "threshold_num": th_num,
        "threshold_den": th_den,
        "threshold_base": th_base,
        "participation_num": participation[0],
        "participation_den": participation[1],
        "pass_num": pass_num,
        "pass_den": pass_den,
        "pass_inclusive": inclusive,
        "notice_days": source.notice_days,
    }
    return fields, buildings, option_rows, occupied


@transaction.atomic
def create_ballot(
    *,
    user,
    kind: str,
    title: str,
    compound: Compound,
    options: Sequence | None = None,
    opens_at: datetime,
    closes_at: datetime,
    project=None,
    scope_buildings: Iterable[Building] = (),
    scope_units: Iterable = (),
    secret: bool = False,
    rule_policy: RulePolicy | None = None,
    rule: str | None = None,
    realtime_results: bool = False,
    allow_change: bool = False,
    question: str = "",
    occupied_households: Iterable[Household] = (),
    extra_compounds: Iterable[Compound] = (),
) -> Ballot:
    """A draft ballot. The rule numbers are copied from `rule_policy` (default: the policy in force for the
    compound's division, else the model defaults), so later policy edits never change this ballot.

    `extra_compounds`: a block project's ballot also asks the households of these compounds (each one the
    user may edit and, with a project, one the project covers); `compound` stays the primary one that
    scopes the ballot. The scope's buildings and units may be in any of the ballot's compounds."""
    _require_edit(user, compound)
    extras = []
    for extra in extra_compounds or ():
        if extra.pk != compound.pk and extra.pk not in {c.pk for c in extras}:
            extras.append(extra)
    for extra in extras:
        if user is not None and not get_scope(user).can_edit(extra.division.path):
            raise PermissionDenied(_("You may not run ballots in %(compound)s.") % {"compound": extra.name})
    fields, buildings, option_rows, occupied = _prepare(
        user=user,
        compound=compound,
        extra_compounds=extras,
        kind=kind,
        title=title,
        question=question,
        project=project,
        scope_buildings=scope_buildings,
        scope_units=scope_units,
        secret=secret,
        rule_policy=rule_policy,
        rule=rule,
        realtime_results=realtime_results,
        allow_change=allow_change,
        opens_at=opens_at,
        closes_at=closes_at,
        options=options or [],
        occupied_households=occupied_households,
    )
    ballot = Ballot.objects.create(compound=compound, created_by=user, **fields)
    if extras:
        ballot.extra_compounds.set(extras)
    if buildings:
        ballot.scope_buildings.set(buildings)
    BallotOption.objects.bulk_create(
        BallotOption(ballot=ballot, position=i + 1, **row) for i, row in enumerate(option_rows)
    )
    if occupied:
        ballot.occupied_households.set(occupied)
    return ballot


# --- drafts: edit and delete ----------------------------------------------------------------------------

DRAFT_EDITABLE = frozenset(
    {
        "kind",
        "title",
        "question",
        "project",
        "scope_buildings",
        "scope_units",
        "secret",
        "rule_policy",
        "rule",
        "realtime_results",
        "allow_change",
        "opens_at",
        "closes_at",
        "options",
        "occupied_households",
    }
)
RULE_FIELDS = (
    "rule_policy",
    "rule_policy_label",
    "threshold_num",
    "threshold_den",
    "threshold_base",
    "participation_num",
    "participation_den",
    "pass_num",
    "pass_den",
    "pass_inclusive",
    "notice_days",
)


def _locked_draft(ballot: Ballot, user, refusal: str) -> Ballot:
    locked = (
        Ballot.objects.select_for_update(of=("self",)).select_related("compound__division").get(pk=ballot.pk)
    )
    _require_edit(user, locked.compound)
    if locked.status != choices.BallotStatus.DRAFT:
        raise Conflict(refusal % {"status": locked.get_status_display()})
    return locked


@transaction.atomic
def update_draft_ballot(ballot: Ballot, user, **changes) -> Ballot:
    """Change a ballot while it is a draft (nobody has voted and the electorate is not frozen).

    `changes` holds any of DRAFT_EDITABLE (same meaning as create_ballot's arguments; `options` replaces
    all options, `rule_policy=None` means the policy in force). The rule numbers are copied again only
    if the kind, the rule or the rule policy changes. Refused (409) once the ballot is open or closed."""
    unknown = set(changes) - DRAFT_EDITABLE
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    locked = _locked_draft(
        ballot,
        user,
        _(
            "This ballot is already %(status)s: its electorate is frozen and votes may have been cast, "
            "so it can no longer be edited. Close it and create a new ballot if needed."
        ),
    )
    if "kind" in changes and changes["kind"] != locked.kind and "rule" not in changes:
        changes["rule"] = None  # the new kind's usual rule
    current = {
        "kind": locked.kind,
        "title": locked.title,
        "question": locked.question,
        "project": locked.project,
        "scope_buildings": list(locked.scope_buildings.all()),
        "scope_units": locked.scope_units,
        "secret": locked.secret,
        "rule_policy": locked.rule_policy,
        "rule": locked.rule,
        "realtime_results": locked.realtime_results,
        "allow_change": locked.allow_change,
        "opens_at": locked.opens_at,
        "closes_at": locked.closes_at,
        "options": None,  # keep
        "occupied_households": list(locked.occupied_households.all()),
    }
    merged = {**current, **changes}
    if "options" in changes and not changes["options"]:
        merged["options"] = []  # empty: the kind's default options
    fields, buildings, option_rows, occupied = _prepare(
        user=user,
        compound=locked.compound,
        extra_compounds=list(locked.extra_compounds.all()),
        **merged,
    )
    if option_rows is None and merged["kind"] != locked.kind:
        # keep the options, but check they still make sense for the new kind (its yes options)
        kept = [
            {"label": o.label, "counts_as_yes": o.counts_as_yes, "is_abstention": o.is_abstention}
            for o in locked.options.all()
        ]
        if len(kept) < 2:
            raise DomainError(_("A ballot needs at least two options."), field="options")
        refusal = options_refusal(merged["kind"], kept)
        if refusal:
            raise DomainError(refusal, field="options")
    same_rule = (
        fields["kind"] == locked.kind
        and fields["rule"] == locked.rule
        and (fields["rule_policy"].pk if fields["rule_policy"] else None) == locked.rule_policy_id
    )
    if same_rule:
        for name in RULE_FIELDS:
            fields.pop(name, None)
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.save(update_fields=[*fields, "updated_at"])
    locked.scope_buildings.set(buildings)
    locked.occupied_households.set(occupied)
    if option_rows is not None:
        locked.options.all().delete()
        BallotOption.objects.bulk_create(
            BallotOption(ballot=locked, position=i + 1, **row) for i, row in enumerate(option_rows)
        )
    return locked


@transaction.atomic
def delete_draft_ballot(ballot: Ballot, user) -> None:
    """Delete a draft. An opened ballot is a record and is never deleted (409)."""
    from django.db.models import ProtectedError

    locked = _locked_draft(
        ballot,
        user,
        _("This ballot is already %(status)s: an opened ballot is a record and cannot be deleted."),
    )
    try:
        with transaction.atomic():
            locked.delete()
    except ProtectedError as exc:
        raise Conflict(
            _("This draft is the survey of an acceptance round; remove it there instead.")
        ) from exc


# --- open: freeze the electorate ------------------------------------------------------------------------


class _Part:
    """A household (exclusive part) as the electorate check reads it: the values it needs, no model
    instances (20,000 households with their buildings and compounds took 1.8 s to build as models)."""

    __slots__ = ("area_source", "building_name", "compound_name", "exclusive_area", "pk", "room", "unit")
    FIELDS = (
        "pk",
        "unit",
        "room",
        "exclusive_area",
        "area_source",
        "building__name",
        "building__compound__name",
    )

    def __init__(self, pk, unit, room, exclusive_area, area_source, building_name, compound_name):
        self.pk, self.unit, self.room = pk, unit, room
        self.exclusive_area, self.area_source = exclusive_area, area_source
        self.building_name, self.compound_name = building_name, compound_name


def _building_name(h: _Part, several: bool) -> str:
    """The building's name; on a ballot over several compounds, with its compound's (two compounds may
    each have a 1栋)."""
    return f"{h.compound_name} {h.building_name}"[:50] if several else h.building_name


def _household_label(h: _Part, several: bool = False) -> str:
    return f"{_building_name(h, several)} {h.unit}单元 {h.room}"


@dataclass
class CountingNote:
    """One counting choice the electorate makes, with the parts (or electors) it concerns. Frozen on
    the ballot at opening (`Ballot.counting_notes`); the result and its notice carry it."""

    key: str
    text: str
    items: list[str]
    blocking: bool = False

    def to_dict(self) -> dict:
        return {"key": self.key, "text": self.text, "items": self.items, "blocking": self.blocking}


@dataclass
class ElectorateCheck:
    electors: list[Elector]  # unsaved
    notes: list[CountingNote]

    @property
    def area(self) -> Decimal:
        return sum((e.area for e in self.electors), Decimal("0"))

    @property
    def households(self) -> int:
        return sum(len(e.household_ids) for e in self.electors)

    def note(self, key: str) -> CountingNote | None:
        return next((n for n in self.notes if n.key == key), None)

    @property
    def missing_area(self) -> CountingNote | None:
        return self.note("missing_area")


def build_electorate(ballot: Ballot) -> list[Elector]:
    """The frozen electorate (unsaved); see electorate_check for the rules and the choices they make."""
    return electorate_check(ballot).electors


def electorate_check(ballot: Ballot) -> ElectorateCheck:
    """The electorate a ballot would freeze now, and the counting choices it makes (shown before
    opening, kept with the result). Household ballots: one elector per household. Owners' decisions
    (art. 278): one elector per owner, per the SPC interpretation on building ownership arts. 8-9:

    - an exclusive part counts as one owner, whoever and however many hold it (co-owners once);
    - the same owner (the same set of owners) of several parts counts once, with the total area;
    - all parts held by the developer (a Person with is_developer) count as one owner together;
    - a part with no owner on record counts as one owner of its own;
    - an owner who holds one part alone and another with someone else is in two owner sets, and each
      set counts as one owner (so that person is counted in each): listed, so it is seen.

    Area = the household's exclusive_area as registered (its area_source says register / survey /
    contract); a part without an area counts 0 m² and is marked "missing": an owners' decision does
    not open with one until it is fixed or accepted with a reason.
    """
    several = len(ballot.compound_ids()) > 1
    households = [
        _Part(*values)
        for values in scope_households(ballot)
        .order_by("building__compound_id", "building__name", "unit", "room")
        .values_list(*_Part.FIELDS)
    ]
    occupied = set(ballot.occupied_households.values_list("pk", flat=True))
    if not ballot.is_owners_decision:
        electors = [
            Elector(
                ballot=ballot,
                household_ids=[h.pk],
                label=_household_label(h, several),
                building_name=_building_name(h, several),
                unit=h.unit,
                room=h.room,
                part_count=1,
                area=h.exclusive_area or Decimal("0"),
                area_source=h.area_source if h.exclusive_area is not None else "missing",
                has_veto=h.pk in occupied,
            )
            for h in households
        ]
        return ElectorateCheck(electors, [])

    owners: dict[int, list[tuple[int, bool]]] = defaultdict(list)
    for hid, pid, is_dev in Ownership.objects.filter(
        household__in=[h.pk for h in households], kind__in=OWNER_KINDS
    ).values_list("household_id", "person_id", "person__is_developer"):
        if (pid, is_dev) not in owners[hid]:
            owners[hid].append((pid, is_dev))
    groups: dict[tuple, list[_Part]] = {}
    for h in households:
        holders = owners.get(h.pk, [])
        developers = sorted(pid for pid, is_dev in holders if is_dev)
        if developers:
            key = ("developer", developers[0])
        elif holders:
            key = ("owners", *sorted(pid for pid, _ in holders))
        else:
            key = ("household", h.pk)
        groups.setdefault(key, []).append(h)
    electors = []
    for key, parts in groups.items():
        first = parts[0]
        sources = sorted({(p.area_source if p.exclusive_area is not None else "missing") for p in parts})
        electors.append(
            Elector(
                ballot=ballot,
                person_id=key[1] if key[0] in ("developer", "owners") else None,
                household_ids=[p.pk for p in parts],
                label=("、".join(_household_label(p, several) for p in parts))[:500],
                building_name=_building_name(first, several),
                unit=first.unit,
                room=("、".join(p.room for p in parts))[:100],
                part_count=len(parts),
                area=sum((p.exclusive_area or Decimal("0") for p in parts), Decimal("0")),
                area_source=",".join(sources)[:40],
                is_developer=key[0] == "developer",
                has_veto=any(p.pk in occupied for p in parts),
            )
        )
    return ElectorateCheck(electors, _counting_notes(groups, owners, several))


def _counting_notes(groups: dict[tuple, list[_Part]], owners: dict, several: bool) -> list[CountingNote]:
    def labels(parts):
        return "、".join(_household_label(p, several) for p in parts)

    parts = [p for members in groups.values() for p in members]
    notes = []
    missing = [_household_label(p, several) for p in parts if p.exclusive_area is None]
    if missing:
        notes.append(
            CountingNote(
                "missing_area",
                _("%(n)s parts have no exclusive area on record and count 0 m²") % {"n": len(missing)},
                missing,
                blocking=True,
            )
        )
    alone = [
        _household_label(members[0], several) for key, members in groups.items() if key[0] == "household"
    ]
    if alone:
        notes.append(
            CountingNote(
                "no_owner",
                _("%(n)s parts have no owner on record; each counts as one owner of its own")
                % {"n": len(alone)},
                alone,
            )
        )
    multi = [labels(members) for key, members in groups.items() if key[0] == "owners" and len(members) > 1]
    if multi:
        notes.append(
            CountingNote(
                "several_parts",
                _("%(n)s owners hold several parts; each counts once, with the total area")
                % {"n": len(multi)},
                multi,
            )
        )
    shared = [
        _household_label(p, several)
        for key, members in groups.items()
        if key[0] == "owners"
        for p in members
        if len(owners.get(p.pk, [])) > 1
    ]
    if shared:
        notes.append(
            CountingNote(
                "co_owners",
                _("%(n)s parts have co-owners; the co-owners of a part count once together")
                % {"n": len(shared)},
                shared,
            )
        )
    for key, members in groups.items():
        if key[0] == "developer":
            notes.append(
                CountingNote(
                    "developer",
                    _("The developer's %(n)s unsold parts count as one owner together") % {"n": len(members)},
                    [labels(members)],
                )
            )
    sets_of: dict[int, list[tuple]] = defaultdict(list)
    for key in groups:
        if key[0] == "owners":
            for pid in key[1:]:
                sets_of[pid].append(key)
    repeated = [" / ".join(labels(groups[k]) for k in keys) for keys in sets_of.values() if len(keys) > 1]
    if repeated:
        notes.append(
            CountingNote(
                "several_owner_sets",
                _(
                    "%(n)s owners appear in more than one owner set (e.g. alone for one part and with a "
                    "co-owner for another); each set counts as one owner, so they are counted in each"
                )
                % {"n": len(repeated)},
                repeated,
            )
        )
    return notes


def rule_text(ballot: Ballot) -> str:
    """The rule in words, with its numbers (shown on the opening confirmation and by the API)."""
    if ballot.is_owners_decision:
        text = _(
            "%(rule)s: owners holding at least %(p)s (%(pp)s) of the exclusive area and at least %(p)s of "
            "the owners take part; it passes with %(cmp)s %(s)s (%(sp)s) of the participating area and "
            "of the participating owners"
        ) % {
            "rule": choices.Rule(ballot.rule).label,
            "p": ballot.participation_share,
            "pp": ratios.percent_short(ballot.participation_share),
            "cmp": _("at least") if ballot.pass_inclusive else _("more than"),
            "s": ballot.pass_share,
            "sp": ratios.percent_short(ballot.pass_share),
        }
    else:
        text = _("%(rule)s: yes reaches %(t)s (%(tp)s) of %(base)s") % {
            "rule": choices.Rule(ballot.rule).label,
            "t": ballot.threshold,
            "tp": ratios.percent_short(ballot.threshold),
            "base": choices.ThresholdBase(ballot.threshold_base).label,
        }
        if ballot.answer_participation is not None:
            text += _("; valid only when at least %(p)s (%(pp)s) of all eligible households answer") % {
                "p": ballot.answer_participation,
                "pp": ratios.percent_short(ballot.answer_participation),
            }
        if ballot.kind == choices.BallotKind.PLAN_CHOICE:
            text += _("; the leading plan is measured (a tie has no leader)")
    return text


def opening_refusals(
    ballot: Ballot, *, check: ElectorateCheck | None = None, missing_area_reason: str = ""
) -> list[str]:
    """Every reason a draft cannot open now (empty: it can). The draft page and the opening
    confirmation show them before anyone tries; open_ballot refuses with the first (API: 409)."""
    if ballot.status != choices.BallotStatus.DRAFT:
        return [_("This ballot is already %(status)s.") % {"status": ballot.get_status_display()}]
    refusals = []
    if timezone.now() >= ballot.closes_at:
        refusals.append(_("The closing time has passed; change it before opening."))
    refusal = rule_refusal(ballot.kind, ballot.rule)
    if refusal:
        refusals.append(refusal)
    options = [
        {"label": o.label, "counts_as_yes": o.counts_as_yes, "is_abstention": o.is_abstention}
        for o in ballot.options.all()
    ]
    if len(options) < 2:
        refusals.append(_("A ballot needs at least two options."))
    else:
        refusal = options_refusal(ballot.kind, options)
        if refusal:
            refusals.append(refusal)
    check = check or electorate_check(ballot)
    if not check.electors:
        refusals.append(_("The scope has no households: there is nobody to vote."))
    missing = check.missing_area
    if missing is not None and ballot.is_owners_decision and not (missing_area_reason or "").strip():
        refusals.append(
            _(
                "%(n)s parts in the scope have no exclusive area on record (%(parts)s); an owners' decision "
                "would count them as 0 m². Enter their areas, or accept counting them as 0 m² with a reason."
            )
            % {"n": len(missing.items), "parts": "、".join(missing.items[:10])}
        )
    return refusals


def opening_refusal(ballot: Ballot, **kwargs) -> str | None:
    refusals = opening_refusals(ballot, **kwargs)
    return refusals[0] if refusals else None


@transaction.atomic
def open_ballot(
    ballot: Ballot,
    user=None,
    *,
    confirmed_yes: Iterable[int] | None = None,
    missing_area_reason: str = "",
) -> Ballot:
    """Open a draft ballot and freeze its electorate (user None: opened on time by Celery beat).

    `confirmed_yes`: the ids of the options the person opening it saw counting as yes (the page's
    confirmation, the API's `yes_options`); refused if the ballot says otherwise now.
    `missing_area_reason`: an owners' decision with parts without an area opens only with one; it is
    recorded on the ballot and carried by the result and its notice."""
    ballot = Ballot.objects.select_for_update().select_related("compound__division").get(pk=ballot.pk)
    _require_edit(user, ballot.compound)
    if ballot.status != choices.BallotStatus.DRAFT:
        raise Conflict(_("This ballot is already %(status)s.") % {"status": ballot.get_status_display()})
    if confirmed_yes is not None:
        yes = [o for o in ballot.options.all() if o.counts_as_yes]
        if {int(i) for i in confirmed_yes} != {o.pk for o in yes}:
            names = dict(ballot.options.values_list("pk", "label"))
            raise Conflict(
                _(
                    "The options that count as yes are %(yes)s, not the ones confirmed (%(confirmed)s). "
                    "Check the options and confirm again."
                )
                % {
                    "yes": _quoted(o.label for o in yes) or _("none"),
                    "confirmed": _quoted(names.get(int(i), f"#{i}") for i in confirmed_yes) or _("none"),
                },
                code="yes_options_changed",
            )
    missing_area_reason = (missing_area_reason or "").strip()[:1000]
    check = electorate_check(ballot)
    refusals = opening_refusals(ballot, check=check, missing_area_reason=missing_area_reason)
    if refusals:
        raise Conflict(refusals[0], code="opening_refused")
    now = timezone.now()
    electors = check.electors
    notes = [n.to_dict() for n in check.notes]
    update = ["status", "opened_at", "opens_at", "electorate_size", "eligible_area", "counting_notes"]
    if check.missing_area is not None and missing_area_reason:
        who = user.display_name if user is not None else _("the system")
        for note in notes:
            if note["key"] == "missing_area":
                note["accepted"] = _("accepted by %(who)s on %(when)s: %(reason)s") % {
                    "who": who,
                    "when": _when(now),
                    "reason": missing_area_reason,
                }
        ballot.missing_area_reason = missing_area_reason
        ballot.missing_area_accepted_by = user
        ballot.missing_area_accepted_at = now
        update += ["missing_area_reason", "missing_area_accepted_by", "missing_area_accepted_at"]
    copy_insert(Elector, electors)  # COPY: 20,000 electors in a fraction of bulk_create's time
    ballot.status = choices.BallotStatus.OPEN
    ballot.opened_at = now
    if ballot.opens_at > now:
        ballot.opens_at = now  # opened early by hand: the record says when voting really began
    ballot.electorate_size = len(electors)
    ballot.eligible_area = check.area
    ballot.counting_notes = notes
    ballot.save(update_fields=[*update, "updated_at"])
    return ballot


# --- credentials --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedCode:
    elector_id: int
    code: str

    @property
    def display(self) -> str:
        return format_code(self.code)


CODES_BATCH = 2000


def issue_codes(
    ballot: Ballot,
    user=None,
    *,
    elector_ids: Iterable[int] | None = None,
    reissue: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> list[IssuedCode]:
    """Give electors a code; returns the plain codes (only here: the database keeps their hash).
    Without `reissue`, electors that already have a code are skipped. A reissued code voids the old one.

    All or nothing (one transaction), written in batches of one UPDATE each, telling `progress(done,
    total)` after each. The electors are locked FOR NO KEY UPDATE, not FOR UPDATE: a vote arriving
    meanwhile (its foreign key takes KEY SHARE on the elector) does not wait for the whole issue."""
    if user is not None:
        _require_edit(user, ballot.compound)
    if ballot.status != choices.BallotStatus.OPEN:
        raise Conflict(_("Codes are issued while the ballot is open."))
    with transaction.atomic():
        qs = Elector.objects.select_for_update(no_key=True).filter(ballot=ballot).natural_order()
        if elector_ids is not None:
            qs = qs.filter(pk__in=list(elector_ids))
        if not reissue:
            qs = qs.filter(code_hash="")
        ids = list(qs.values_list("pk", flat=True))
        now = timezone.now()
        issued: list[IssuedCode] = []
        seen: set[str] = set()
        for pk in ids:
            code = new_code()
            while code in seen:
                code = new_code()
            seen.add(code)
            issued.append(IssuedCode(pk, code))
        table = Elector._meta.db_table
        with connection.cursor() as cursor:
            for start in range(0, len(issued), CODES_BATCH):
                batch = issued[start : start + CODES_BATCH]
                cursor.execute(
                    f"UPDATE {table} e SET code_hash = v.h, code_issued_at = %s,"
                    " code_version = e.code_version + 1"
                    " FROM unnest(%s::bigint[], %s::varchar[]) AS v(id, h) WHERE e.id = v.id",
                    [now, [i.elector_id for i in batch], [hash_code(ballot.pk, i.code) for i in batch]],
                )
                if progress is not None:
                    progress(start + len(batch), len(issued))
    return issued


def reissue_code(elector: Elector, user) -> IssuedCode:
    """A lost slip: a new code for this elector; the old one stops working at once."""
    ballot = elector.ballot
    if Vote.objects.filter(elector=elector).exists():
        raise Conflict(_("This elector has already voted; a new code would not be of use."))
    return issue_codes(ballot, user, elector_ids=[elector.pk], reissue=True)[0]


def code_pauses(ballot: Ballot, user) -> list:
    """The addresses paused on this ballot for wrong codes (editors of the ballot only: addresses
    are personal data)."""
    from . import throttling

    _require_editor(user, ballot)
    return throttling.CODES.paused(ballot.pk)


def lift_code_pause(ballot: Ballot, user, address: str) -> bool:
    """Staff lift the pause an address earned with wrong codes on this ballot (a resident who mistyped,
    a community office's shared network) and forget its wrong codes there. False: nothing was paused."""
    from . import throttling

    _require_editor(user, ballot)
    lifted = throttling.CODES.lift(address, ballot.pk)
    log.info("ballot %s: %s lifted the wrong-code pause of %s (%s)", ballot.pk, user, address, lifted)
    return lifted


def _require_editor(user, ballot: Ballot) -> None:
    if not Ballot.objects.editable_by(user).filter(pk=ballot.pk).exists():
        raise PermissionDenied(_("You may read this but not change it."))


def find_elector(code: str, ballot_id: int | None = None) -> Elector | None:
    """The elector a code belongs to: in one ballot, or (no ballot given) among all open ballots."""
    code = normalize_code(code)
    if len(code) != CODE_LENGTH:
        return None
    if ballot_id is not None:
        return Elector.objects.filter(ballot_id=ballot_id, code_hash=hash_code(ballot_id, code)).first()
    open_ids = list(Ballot.objects.filter(status=choices.BallotStatus.OPEN).values_list("pk", flat=True))
    if not open_ids:
        return None
    hashes = [hash_code(bid, code) for bid in open_ids]
    return Elector.objects.filter(code_hash__in=hashes, ballot_id__in=open_ids).first()


# --- votes --------------------------------------------------------------------------------------------


@dataclass
class VoteOutcome:
    vote_id: int
    receipt: str
    changed: bool
    ballot_id: int
    option_id: int


def _first_vote_message(vote: Vote) -> str:
    how = choices.VoteChannel(vote.channel).label
    if vote.paper_serial:
        how = f"{how} ({_('serial')} {vote.paper_serial})"
    return _("This elector has already voted: %(how)s on %(when)s. One vote per elector.") % {
        "how": how,
        "when": _when(vote.cast_at),
    }


def _lock_open_ballot(ballot_id: int) -> Ballot:
    """Read the ballot under FOR KEY SHARE: closing takes FOR UPDATE, so a vote and a close never
    interleave -- a vote either commits before the close tallies, or sees the ballot closed."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT status, secret, allow_change, closes_at FROM ballots_ballot WHERE id = %s FOR KEY SHARE",
            [ballot_id],
        )
        row = cursor.fetchone()
    return _check_open(ballot_id, row)


def _check_open(ballot_id: int, row) -> Ballot:
    if row is None:
        raise DomainError(_("No such ballot."), code="not_found")
    status, secret, allow_change, closes_at = row[:4]
    if status == choices.BallotStatus.DRAFT:
        raise Conflict(_("Voting has not opened yet."), code="not_open")
    if status == choices.BallotStatus.CLOSED or timezone.now() >= closes_at:
        # closed early: the actual closing time, not the scheduled one (read only on this refusal)
        closed_at = None
        if status == choices.BallotStatus.CLOSED:
            closed_at = Ballot.objects.filter(pk=ballot_id).values_list("closed_at", flat=True).first()
        when = min(closed_at, closes_at) if closed_at else closes_at
        raise Conflict(_("Voting closed on %(when)s.") % {"when": _when(when)}, code="closed")
    return Ballot(pk=ballot_id, status=status, secret=secret, allow_change=allow_change, closes_at=closes_at)


def _insert_vote(
    *,
    ballot: Ballot,
    elector_id: int,
    option_id: int,
    channel: str,
    paper_serial: str = "",
    photo=None,
    entered_by=None,
) -> VoteOutcome:
    """Inside the caller's transaction, with the ballot locked by _lock_open_ballot. The UNIQUE elector
    column decides a race: INSERT ... ON CONFLICT DO NOTHING, then whoever lost reads the first vote."""
    now = timezone.now()
    receipt = new_code(RECEIPT_LENGTH)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ballots_vote (ballot_id, elector_id, option_id, secret, channel, cast_at,"
            " change_count, paper_serial, photo, entered_by_id, receipt)"
            " VALUES (%s, %s, %s, %s, %s, %s, 0, %s, '', %s, %s)"
            " ON CONFLICT (elector_id) DO NOTHING RETURNING id",
            [
                ballot.pk,
                elector_id,
                None if ballot.secret else option_id,
                ballot.secret,
                channel,
                now,
                paper_serial,
                entered_by.pk if entered_by is not None else None,
                receipt,
            ],
        )
        row = cursor.fetchone()
        if row is not None:
            if ballot.secret:
                cursor.execute(
                    "INSERT INTO ballots_ballotboxentry (id, ballot_id, option_id)"
                    " VALUES (gen_random_uuid(), %s, %s)",
                    [ballot.pk, option_id],
                )
            if photo:
                vote = Vote.objects.get(pk=row[0])
                vote.photo.save(photo.name, photo, save=True)
            return VoteOutcome(row[0], receipt, False, ballot.pk, option_id)
    existing = Vote.objects.get(elector_id=elector_id)
    if (
        channel == choices.VoteChannel.ONLINE
        and existing.channel == choices.VoteChannel.ONLINE
        and ballot.allow_change
        and not ballot.secret
    ):
        if existing.option_id == option_id:
            return VoteOutcome(existing.pk, existing.receipt, False, ballot.pk, option_id)
        existing.option_id = option_id
        existing.changed_at = now
        existing.change_count += 1
        existing.save(update_fields=["option", "changed_at", "change_count"])  # audited by pghistory
        return VoteOutcome(existing.pk, existing.receipt, True, ballot.pk, option_id)
    if existing.channel != choices.VoteChannel.ONLINE and channel == choices.VoteChannel.ONLINE:
        raise Conflict(
            _first_vote_message(existing) + " " + _("A paper or meeting vote is final."), code="already_voted"
        )
    raise Conflict(_first_vote_message(existing), code="already_voted")


def _check_option(option_id: int, ballot_id: int) -> None:
    if not BallotOption.objects.filter(pk=option_id, ballot_id=ballot_id).exists():
        raise DomainError(_("Choose one of this ballot's options."), field="option")


_OPTION_BALLOT: dict[int, int] = {}


def option_ballot_id(option_id: int) -> int | None:
    """The ballot of an option (never changes, so it is remembered per process)."""
    ballot_id = _OPTION_BALLOT.get(option_id)
    if ballot_id is None:
        ballot_id = BallotOption.objects.filter(pk=option_id).values_list("ballot_id", flat=True).first()
        if ballot_id is not None:
            if len(_OPTION_BALLOT) > 100_000:
                _OPTION_BALLOT.clear()
            _OPTION_BALLOT[option_id] = ballot_id
    return ballot_id


def cast_online_vote(*, code: str, option_id: int, ballot_id: int | None = None) -> VoteOutcome:
    """A resident votes with the code from their slip. Raises InvalidCode for an unknown code (callers
    count it against the guessing limits), Conflict for a second vote or a closed ballot."""
    option = option_ballot_id(option_id)
    if option is None or (ballot_id is not None and option != ballot_id):
        raise DomainError(_("Choose one of this ballot's options."), field="option")
    ballot_id = option
    code_hash = hash_code(ballot_id, code) if len(normalize_code(code)) == CODE_LENGTH else ""
    receipt = new_code(RECEIPT_LENGTH)
    # The common case in ONE statement (atomic on its own): lock the ballot row (FOR KEY SHARE, see
    # _lock_open_ballot), find the elector by hash, insert the vote unless the elector has one (the
    # UNIQUE elector column decides races), and for a secret ballot drop the choice in the box.
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH b AS (SELECT id, status, secret, allow_change, closes_at FROM ballots_ballot"
            "  WHERE id = %(ballot)s FOR KEY SHARE),"
            " e AS (SELECT id FROM ballots_elector WHERE ballot_id = %(ballot)s AND code_hash = %(hash)s"
            "  AND code_hash <> ''),"
            " ins AS (INSERT INTO ballots_vote (ballot_id, elector_id, option_id, secret, channel, cast_at,"
            "  change_count, paper_serial, photo, entered_by_id, receipt)"
            "  SELECT b.id, e.id, CASE WHEN b.secret THEN NULL ELSE %(option)s END, b.secret, 'online',"
            "  %(now)s, 0, '', '', NULL, %(receipt)s FROM b, e"
            "  WHERE b.status = 'open' AND b.closes_at > %(now)s"
            "  ON CONFLICT (elector_id) DO NOTHING RETURNING id, secret),"
            " box AS (INSERT INTO ballots_ballotboxentry (id, ballot_id, option_id)"
            "  SELECT gen_random_uuid(), %(ballot)s, %(option)s FROM ins WHERE ins.secret)"
            " SELECT b.status, b.secret, b.allow_change, b.closes_at, e.id, (SELECT id FROM ins)"
            " FROM b LEFT JOIN e ON true",
            {
                "ballot": ballot_id,
                "hash": code_hash,
                "option": option_id,
                "now": timezone.now(),
                "receipt": receipt,
            },
        )
        row = cursor.fetchone()
    if row is not None and row[5] is not None:
        return VoteOutcome(row[5], receipt, False, ballot_id, option_id)
    ballot = _check_open(ballot_id, row)
    if row[4] is None:
        raise InvalidCode(_("This code is not valid for this ballot. Check the slip and try again."))
    # the elector has a vote already (committed: ON CONFLICT waited for any racing insert); without
    # changes allowed, refuse at once with when/how -- no second lock or insert on this hot path
    if not ballot.allow_change or ballot.secret:
        existing = Vote.objects.filter(elector_id=row[4]).only("channel", "cast_at", "paper_serial").first()
        if existing is not None:
            message = _first_vote_message(existing)
            if existing.channel != choices.VoteChannel.ONLINE:
                message += " " + _("A paper or meeting vote is final.")
            raise Conflict(message, code="already_voted")
    # or change an online choice (audited)
    with transaction.atomic():
        ballot = _lock_open_ballot(ballot_id)
        return _insert_vote(
            ballot=ballot, elector_id=row[4], option_id=option_id, channel=choices.VoteChannel.ONLINE
        )


class InvalidCode(DomainError):
    code = "invalid_code"


def _checked_paper_photo(ballot: Ballot, photo):
    """A photo of the signed form: only on a recorded ballot (on a secret ballot the form shows the
    choice, and a photo kept on the voter's row would link the two), and only a real photo (checked
    by content, resized, metadata stripped, stored under a random name)."""
    if not photo:
        return None
    if ballot.secret:
        raise DomainError(
            _(
                "This ballot is secret: no photo of the paper form is kept, because it would link the "
                "voter to the choice. Put the paper form in the sealed ballot box instead."
            ),
            field="photo",
        )
    from django.core.exceptions import ValidationError

    from communities.photos import validate_and_resize

    try:
        return validate_and_resize(photo)
    except ValidationError as exc:
        raise DomainError(exc.messages[0], field="photo") from exc


def record_staff_vote(
    *,
    user,
    elector: Elector,
    option: BallotOption,
    channel: str = choices.VoteChannel.PAPER,
    paper_serial: str = "",
    photo=None,
) -> VoteOutcome:
    """Staff enter a paper ballot (serial required, photo optional) or a vote given at a meeting.
    Final: it cannot be changed online afterwards."""
    ballot = Ballot.objects.select_related("compound__division").get(pk=elector.ballot_id)
    _require_vote_entry(user, ballot)
    if channel not in (choices.VoteChannel.PAPER, choices.VoteChannel.MEETING):
        raise DomainError(_("Staff enter paper or meeting votes."), field="channel")
    paper_serial = (paper_serial or "").strip()[:40]
    if channel == choices.VoteChannel.PAPER and not paper_serial:
        raise DomainError(_("Enter the serial number printed on the paper ballot."), field="paper_serial")
    if option.ballot_id != ballot.pk:
        raise DomainError(_("Choose one of this ballot's options."), field="option")
    photo = _checked_paper_photo(ballot, photo)
    try:
        with transaction.atomic():
            locked = _lock_open_ballot(ballot.pk)
            return _insert_vote(
                ballot=locked,
                elector_id=elector.pk,
                option_id=option.pk,
                channel=channel,
                paper_serial=paper_serial,
                photo=photo,
                entered_by=user,
            )
    except IntegrityError as exc:
        if "vote_paper_serial_unique" in str(exc):
            first = (
                Vote.objects.filter(ballot=ballot, paper_serial=paper_serial)
                .select_related("elector")
                .first()
            )
            raise Conflict(
                _("Paper ballot %(serial)s was already entered on %(when)s.")
                % {"serial": paper_serial, "when": _when(first.cast_at) if first else "?"},
                field="paper_serial",
            ) from exc
        raise


# --- close, mix, tally --------------------------------------------------------------------------------


def mix_ballot_box(ballot_id: int) -> int:
    """Rewrite a secret ballot's box in one statement: fresh random keys, random physical order, and
    every row carrying the same transaction id. Rows written in a vote's transaction could otherwise be
    matched to its participation row by the system columns (xmin, ctid). Run at close and by beat while
    open. Returns the number of entries."""
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH old AS (DELETE FROM ballots_ballotboxentry WHERE ballot_id = %s RETURNING option_id) "
            "INSERT INTO ballots_ballotboxentry (id, ballot_id, option_id) "
            "SELECT gen_random_uuid(), %s, option_id FROM old ORDER BY random()",
            [ballot_id, ballot_id],
        )
        return cursor.rowcount


def tally(ballot: Ballot) -> TallyResult:
    """The exact, explained result (integers and fractions). Staff pages show it only when
    `ballot.choices_visible`."""
    return compute_tally(ballot)


@transaction.atomic
def close_ballot(ballot: Ballot, user=None, reason: str = "", *, now: datetime | None = None) -> Ballot:
    """Close a ballot: on time (beat, user None) or early by staff with a recorded reason. Stores the
    tally on the ballot and publishes the result as a notice."""
    ballot = Ballot.objects.select_for_update().select_related("compound__division").get(pk=ballot.pk)
    _require_edit(user, ballot.compound)
    if ballot.status != choices.BallotStatus.OPEN:
        raise Conflict(_("Only an open ballot can be closed."))
    now = now or timezone.now()
    early = now < ballot.closes_at
    reason = (reason or "").strip()
    if early and not reason:
        raise DomainError(_("Say why the ballot closes before its closing time."), field="reason")
    ballot.status = choices.BallotStatus.CLOSED
    # on time (beat runs once a minute): voting stopped at closes_at already (every vote checks it)
    ballot.closed_at = now if early else ballot.closes_at
    ballot.closed_by = user
    ballot.closed_early = early
    ballot.close_reason = reason[:500]
    if ballot.secret:
        mix_ballot_box(ballot.pk)
    result = compute_tally(ballot)
    ballot.result = result.to_dict()
    ballot.passed = result.passed
    ballot.save(
        update_fields=[
            "status",
            "closed_at",
            "closed_by",
            "closed_early",
            "close_reason",
            "result",
            "passed",
            "updated_at",
        ]
    )
    publish_result(ballot, user or ballot.created_by, result)
    return ballot


def publish_result(ballot: Ballot, user, result: TallyResult | None = None):
    """Publish the result as a notice (公示) through consultations.services.publish_notice, for the
    ballot's rule-policy notice period. A failure to publish never undoes the close: it is logged
    and can be retried from the ballot page."""
    from consultations import choices as notice_choices
    from consultations.services import publish_notice

    result = result or compute_tally(ballot)
    if user is None:
        log.warning("ballot %s: nobody to publish the result as", ballot.pk)
        return None
    try:
        with transaction.atomic():
            notice = publish_notice(
                project=ballot.project,
                compound=ballot.compound,
                title=_("Result: %(title)s") % {"title": ballot.title},
                body=result.as_text(),
                user=user,
                period_days=ballot.notice_days,
                kind=notice_choices.NoticeKind.RESULT,
            )
    except (DomainError, PermissionDenied) as exc:
        log.warning("ballot %s: result not published: %s", ballot.pk, exc)
        return None
    if hasattr(Ballot, "result_notice"):
        Ballot.objects.filter(pk=ballot.pk).update(result_notice=notice)
        ballot.result_notice = notice
    return notice


# --- turnout ------------------------------------------------------------------------------------------


def turnout(ballot: Ballot) -> dict:
    """Live turnout for staff (never the choices): by building and unit, by headcount and area."""
    from django.db.models import Count, Sum

    from .querysets import natural

    rows = [
        {
            "building_name": r["building_name"],
            "unit": r["unit"],
            "electors": r["n"],
            "voted": r["n_voted"],
            "area": r["area_sum"] or Decimal("0"),
            "voted_area": r["voted_area_sum"] or Decimal("0"),
        }
        for r in Elector.objects.filter(ballot=ballot)
        .values("building_name", "unit")
        .annotate(
            n=Count("pk"),
            n_voted=Count("vote"),
            area_sum=Sum("area"),
            voted_area_sum=Sum("area", filter=Q(vote__isnull=False)),
        )
        .order_by(*natural("building_name"), *natural("unit"))
    ]
    total = {
        "electors": sum(r["electors"] for r in rows),
        "voted": sum(r["voted"] for r in rows),
        "area": sum((r["area"] or Decimal("0") for r in rows), Decimal("0")),
        "voted_area": sum((r["voted_area"] or Decimal("0") for r in rows), Decimal("0")),
    }
    line = ballot.participation_share if ballot.is_owners_decision else ballot.answer_participation
    for r in [*rows, total]:
        r["voted_area"] = r["voted_area"] or Decimal("0")
        headcount, area = ratios.share(r["voted"], r["electors"]), ratios.share(r["voted_area"], r["area"])
        if line is None:
            # no line beside them: rounded down, so they never show a line not reached (never 100% early)
            r["percent"], r["area_percent"] = ratios.percent_floor(headcount), ratios.percent_floor(area)
        else:
            # read against the participation line (66.67% at exactly 2/3, 66.65% below it, never 67%)
            r["percent"] = ratios.shown_against(headcount, line)[0]
            r["area_percent"] = ratios.shown_against(area, line)[0]
        r["bar"] = int(headcount * 100) if headcount is not None else 0
    return {"rows": rows, "total": total, "requirement": _turnout_requirement(ballot, total)}


def _turnout_requirement(ballot: Ballot, total: dict) -> dict | None:
    """Turnout against the participation the rule needs (owners' decisions, satisfaction surveys), with
    the distance to it, shown the same way as the result will be."""
    from .tally import Condition

    if ballot.is_owners_decision:
        share = ballot.participation_share
        conditions = {
            "headcount": Condition(
                "participation_headcount",
                _("Participation by number of owners"),
                total["voted"],
                total["electors"],
                share,
                True,
                unit="owners",
            ),
            "area": Condition(
                "participation_area",
                _("Participation by exclusive area"),
                total["voted_area"],
                total["area"],
                share,
                True,
                unit="m2",
            ),
        }
    elif ballot.answer_participation is not None:
        conditions = {
            "headcount": Condition(
                "answer_participation",
                _("Answers among all eligible households"),
                total["voted"],
                total["electors"],
                ballot.answer_participation,
                True,
            )
        }
    else:
        return None
    return {key: c.to_dict() for key, c in conditions.items()}


# --- which rule policy applies ------------------------------------------------------------------------


@dataclass
class PolicyChoice:
    """The policy a new ballot of a place would copy, why, and why each other candidate does not apply."""

    policy: RulePolicy | None
    reason: str
    others: list[tuple[RulePolicy, str]]
    summary: str


def policy_summary(policy: RulePolicy | None) -> str:
    """A policy's numbers in one line (the defaults when None)."""
    p = policy or RulePolicy()
    return _(
        "consent %(consent)s of %(consent_base)s; satisfaction %(satisfaction)s of those who answered, "
        "valid with %(answers)s answering; art. 278: participation %(participation)s, ordinary more than "
        "%(ordinary)s, major at least %(major)s; notice %(days)s days"
    ) % {
        "consent": ratios.percent_short(ratios.share(p.consent_threshold_num, p.consent_threshold_den)),
        "consent_base": choices.ThresholdBase(p.consent_base).label,
        "satisfaction": ratios.percent_short(
            ratios.share(p.satisfaction_threshold_num, p.satisfaction_threshold_den)
        ),
        "answers": ratios.as_fraction(p.satisfaction_participation_num) / p.satisfaction_participation_den,
        "participation": ratios.as_fraction(p.participation_num) / p.participation_den,
        "ordinary": ratios.as_fraction(p.ordinary_pass_num) / p.ordinary_pass_den,
        "major": ratios.as_fraction(p.major_pass_num) / p.major_pass_den,
        "days": p.notice_days,
    }


def explain_policy(place, on=None) -> PolicyChoice:
    """Which rule policy a ballot created now for `place` (a compound or a division) copies, and why:
    the most specific division's newest policy in force. A district's newer policy does not replace a
    community's own one; a policy dated later is not in force yet."""
    division = place.division if isinstance(place, Compound) else place
    on = on or timezone.localdate()
    ids = [int(p) for p in division.path.strip("/").split("/") if p]
    candidates = list(
        RulePolicy.objects.filter(division_id__in=ids)
        .select_related("division")
        .order_by("-division__path", "-effective_from")
    )
    in_force = [p for p in candidates if p.effective_from <= on]
    chosen = in_force[0] if in_force else None
    if chosen is None:
        reason = _(
            "No rule policy of %(place)s or of a division above it is in force: a new ballot takes the "
            "defaults."
        ) % {"place": division.name}
    elif chosen.division_id == division.pk:
        reason = _("%(division)s has its own policy in force since %(date)s; a new ballot copies it.") % {
            "division": chosen.division.name,
            "date": chosen.effective_from,
        }
    else:
        reason = _(
            "%(division)s's policy in force since %(date)s applies: no division between it and %(place)s "
            "has a policy of its own in force. A new ballot copies it."
        ) % {"division": chosen.division.name, "date": chosen.effective_from, "place": division.name}
    others = []
    for p in candidates:
        if p == chosen:
            continue
        if p.effective_from > on:
            why = _("Not in force yet: from %(date)s.") % {"date": p.effective_from}
        elif chosen is not None and p.division_id == chosen.division_id:
            why = _("Replaced by the same division's newer policy (from %(date)s).") % {
                "date": chosen.effective_from
            }
        else:
            why = _(
                "%(division)s, below %(other)s, has its own policy, which takes precedence even when this "
                "one is newer."
            ) % {"division": chosen.division.name, "other": p.division.name}
        others.append((p, why))
    return PolicyChoice(chosen, reason, others, policy_summary(chosen))


def shadowed_below(policies: Iterable[RulePolicy]) -> dict[int, list[RulePolicy]]:
    """For each policy, the policies of divisions below it (in force or dated later): those divisions
    keep their own, whatever this one says. One query."""
    policies = list(policies)
    if not policies:
        return {}
    q = Q()
    for p in policies:
        q |= Q(division__path__startswith=p.division.path) & ~Q(division_id=p.division_id)
    below = list(RulePolicy.objects.filter(q).select_related("division").order_by("division__path"))
    return {
        p.pk: [
            b for b in below if b.division.path.startswith(p.division.path) and b.division_id != p.division_id
        ]
        for p in policies
    }


# --- periodic -----------------------------------------------------------------------------------------


def open_and_close_due(now: datetime | None = None) -> dict:
    """Open drafts whose time has come, close open ballots whose time is up, and mix open secret boxes."""
    now = now or timezone.now()
    opened = closed = 0
    for ballot in Ballot.objects.filter(
        status=choices.BallotStatus.DRAFT, opens_at__lte=now, closes_at__gt=now
    ):
        try:
            open_ballot(ballot, None)
            opened += 1
        except DomainError as exc:
            log.warning("ballot %s not opened: %s", ballot.pk, exc.message)
    for ballot in Ballot.objects.filter(status=choices.BallotStatus.OPEN, closes_at__lte=now):
        try:
            close_ballot(ballot, None, now=now)
            closed += 1
        except DomainError as exc:
            log.warning("ballot %s not closed: %s", ballot.pk, exc.message)
    for ballot_id in Ballot.objects.filter(status=choices.BallotStatus.OPEN, secret=True).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            mix_ballot_box(ballot_id)
    return {"opened": opened, "closed": closed}


def receipt_lookup(receipt: str) -> Vote | None:
    return (
        Vote.objects.filter(receipt=normalize_code(receipt)[:RECEIPT_LENGTH])
        .select_related("ballot", "option")
        .first()
    )


# --- gates: what the project may do, given what residents decided (DESIGN.md §7) ---------------------


def project_policy(project) -> RulePolicy:
    """The rule policy in force today for the division that runs `project` (most specific, newest);
    none at all: an unsaved policy with the defaults, so every gate still has its numbers."""
    return RulePolicy.objects.applicable_to(project.division, timezone.localdate()).first() or RulePolicy(
        name=str(_("Default rules")), division=project.division, effective_from=timezone.localdate()
    )


def _gate_ballots(project, kinds) -> list[Ballot]:
    """The project's ballots of `kinds` that were opened, newest close first (open ones last)."""
    return list(
        Ballot.objects.filter(project=project, kind__in=kinds)
        .exclude(status=choices.BallotStatus.DRAFT)
        .select_related("compound")
        .prefetch_related("extra_compounds", "scope_buildings")
        .order_by(F("closed_at").desc(nulls_last=True), "-pk")
    )


def _covers(ballot: Ballot, compound: Compound) -> bool:
    return compound.pk in ballot.compound_ids()


def _why_not(ballot: Ballot) -> str:
    """The failed conditions of a closed ballot, each with its numbers (recounted in the language of
    the page; a closed ballot's votes no longer change)."""
    failed = [c.explain() for c in compute_tally(ballot).failed_conditions]
    return listing(failed) or _("not passed")


def _owners_weight_ok(ballot: Ballot, project) -> bool:
    """Changing common parts is a major matter (art. 278 ≥ 3/4); using the maintenance fund an ordinary
    one, which a major decision also settles."""
    if project.changes_common_parts:
        return ballot.rule == choices.Rule.ART278_MAJOR
    return ballot.rule in choices.ART278_RULES


OWNERS_KINDS = (choices.BallotKind.OWNERS_ORDINARY, choices.BallotKind.OWNERS_MAJOR)


def _owners_decision_by_compound(project, compounds) -> dict[int, Ballot | None]:
    decisions = [
        b for b in _gate_ballots(project, OWNERS_KINDS) if b.is_closed and _owners_weight_ok(b, project)
    ]
    return {c.pk: next((b for b in decisions if _covers(b, c)), None) for c in compounds}


def _new_ballot_link(project, kind: str) -> str:
    compound = project.compounds.order_by("pk").first()
    if compound is None:
        return ""
    return reverse("ballots:ballot_create") + f"?compound={compound.pk}&project={project.pk}&kind={kind}"


def consent_gate(project, policy: RulePolicy) -> GateItem:
    """Plan approval: every compound of the project consented (its latest closed consent ballot passed
    under its rule), or, where the plan needs an owners' decision, that decision passed there."""
    compounds = list(project.compounds.order_by("pk"))
    ballots = _gate_ballots(project, [choices.BallotKind.RENOVATION_CONSENT])
    needs_owners = project.uses_maintenance_fund or project.changes_common_parts
    decisions = _owners_decision_by_compound(project, compounds) if needs_owners else {}
    seen, missing, evidence = [], [], []
    for compound in compounds:
        closed = next((b for b in ballots if b.is_closed and _covers(b, compound)), None)
        running = next((b for b in ballots if b.is_open and _covers(b, compound)), None)
        decision = decisions.get(compound.pk)
        if closed is not None:
            evidence.append((closed.title, closed.get_absolute_url()))
        if closed is not None and closed.passed:
            seen.append(
                _("%(compound)s: “%(ballot)s” passed") % {"compound": compound.name, "ballot": closed.title}
            )
        elif decision is not None and decision.passed:
            seen.append(
                _("%(compound)s: the owners' decision “%(ballot)s” passed")
                % {"compound": compound.name, "ballot": decision.title}
            )
        elif closed is not None:
            missing.append(
                _("the consent ballot “%(ballot)s” for %(compound)s did not pass (%(why)s)")
                % {"ballot": closed.title, "compound": compound.name, "why": _why_not(closed)}
            )
        elif running is not None:
            missing.append(
                _("the consent ballot “%(ballot)s” for %(compound)s is still open (until %(end)s)")
                % {"ballot": running.title, "compound": compound.name, "end": _when(running.closes_at)}
            )
            evidence.append((running.title, running.get_absolute_url()))
        else:
            missing.append(_("no closed consent ballot covers %(compound)s") % {"compound": compound.name})
    if not compounds:
        missing.append(_("the project covers no compound"))
    consent_n, consent_d, _base = policy.threshold_for(choices.BallotKind.RENOVATION_CONSENT)
    return GateItem(
        met=not missing,
        label=_("Residents' consent"),
        detail=listing(seen)
        or _("A renovation consent ballot of the project passes in every compound (%(rule)s).")
        % {"rule": _("yes ≥ %(n)s/%(d)s") % {"n": consent_n, "d": consent_d}},
        missing=_("residents' consent: %(what)s") % {"what": listing(missing)} if missing else "",
        link=evidence[0][1] if evidence else _new_ballot_link(project, choices.BallotKind.RENOVATION_CONSENT),
        link_label=evidence[0][0] if evidence else _("Start a consent ballot"),
        evidence=evidence[1:],
    )


def owners_decision_gate(project, policy: RulePolicy) -> GateItem:
    """Plan approval, when the plan uses the maintenance fund or changes common parts: the owners'
    decision of that weight (Civil Code art. 278) passed in every compound."""
    label = _("Owners' decision (art. 278)")
    if not (project.uses_maintenance_fund or project.changes_common_parts):
        return GateItem(
            met=True,
            required=False,
            label=label,
            detail=_("The plan neither uses the maintenance fund nor changes common parts."),
        )
    weight = _("major") if project.changes_common_parts else _("ordinary")
    compounds = list(project.compounds.order_by("pk"))
    decisions = _owners_decision_by_compound(project, compounds)
    seen, missing, evidence = [], [], []
    for compound in compounds:
        decision = decisions.get(compound.pk)
        if decision is None:
            missing.append(
                _("no closed %(weight)s owners' decision covers %(compound)s")
                % {"weight": weight, "compound": compound.name}
            )
            continue
        evidence.append((decision.title, decision.get_absolute_url()))
        if decision.passed:
            seen.append(
                _("%(compound)s: “%(ballot)s” passed") % {"compound": compound.name, "ballot": decision.title}
            )
        else:
            missing.append(
                _("the owners' decision “%(ballot)s” for %(compound)s did not pass (%(why)s)")
                % {"ballot": decision.title, "compound": compound.name, "why": _why_not(decision)}
            )
    kind = (
        choices.BallotKind.OWNERS_MAJOR
        if project.changes_common_parts
        else choices.BallotKind.OWNERS_ORDINARY
    )
    return GateItem(
        met=not missing,
        label=label,
        detail=listing(seen)
        or _(
            "The plan uses the maintenance fund or changes common parts: "
            "a %(weight)s owners' decision is needed."
        )
        % {"weight": weight},
        missing=_("owners' decision: %(what)s") % {"what": listing(missing)} if missing else "",
        link=evidence[0][1] if evidence else _new_ballot_link(project, kind),
        link_label=evidence[0][0] if evidence else _("Start an owners' decision"),
        evidence=evidence[1:],
    )


def _ballot_serves(ballot: Ballot, item) -> bool:
    """An elevator ballot serves a work item's place: its units include the item's unit, or its buildings
    include the item's building (a building-wide ballot)."""
    if ballot.scope_kind == choices.ScopeKind.UNITS:
        return any(
            int(u.get("building", 0)) == item.building_id and str(u.get("unit", "")) == item.stairwell_unit
            for u in ballot.scope_units or []
        )
    if ballot.scope_kind == choices.ScopeKind.BUILDINGS:
        return item.building_id in {b.pk for b in ballot.scope_buildings.all()}
    return False


def _elevator_item(item, ballots: list[Ballot]) -> tuple[str | None, str | None, Ballot | None]:
    """(what passed, what is missing, the ballot to show) for one elevator work item."""
    if item.building_id is None:
        return (
            None,
            _("say which building and stairwell unit the elevator of “%(item)s” serves")
            % {"item": item.name},
            None,
        )
    place = item.place
    closed = next((b for b in ballots if b.is_closed and _ballot_serves(b, item)), None)
    running = next((b for b in ballots if b.is_open and _ballot_serves(b, item)), None)
    if closed is not None and closed.passed:
        return _("%(place)s: “%(ballot)s” passed") % {"place": place, "ballot": closed.title}, None, closed
    if closed is not None:
        return (
            None,
            _("the elevator ballot “%(ballot)s” for %(place)s did not pass (%(why)s)")
            % {"ballot": closed.title, "place": place, "why": _why_not(closed)},
            closed,
        )
    if running is not None:
        return (
            None,
            _("the elevator ballot “%(ballot)s” for %(place)s is still open (until %(end)s)")
            % {"ballot": running.title, "place": place, "end": _when(running.closes_at)},
            None,
        )
    return None, _("no closed elevator ballot covers %(place)s") % {"place": place}, None


def elevator_item_refusal(item) -> str | None:
    """Why works on this elevator retrofit item may not go on (None: they may): its unit's ballot has
    not passed. Checked when progress is reported, so an elevator added to a plan after construction
    started waits for its owners too. A district exception to the project's elevator gate lets it on."""
    if not item.is_elevator_retrofit:
        return None
    project = item.project
    if project.gate_exceptions.filter(gate="elevator", withdrawn_at__isnull=True).exists():
        return None
    _seen, missing, _ballot = _elevator_item(
        item, _gate_ballots(project, [choices.BallotKind.ELEVATOR_RETROFIT])
    )
    if missing is None:
        return None
    return _("Works on this elevator wait for its owners: %(what)s.") % {"what": missing}


def elevator_gate(project, policy: RulePolicy) -> GateItem:
    """Construction of an elevator retrofit: the elevator ballot of the unit it serves passed, the
    consent of the owners whose part it occupies included (the veto is a condition of the tally)."""
    label = _("Elevator ballots")
    items = [
        w for w in project.work_items.select_related("catalog_item", "building") if w.is_elevator_retrofit
    ]
    if not items:
        return GateItem(met=True, required=False, label=label, detail=_("The plan adds no elevator."))
    ballots = _gate_ballots(project, [choices.BallotKind.ELEVATOR_RETROFIT])
    seen, missing, evidence = [], [], []
    for item in items:
        passed, lacking, ballot = _elevator_item(item, ballots)
        if ballot is not None:
            evidence.append((ballot.title, ballot.get_absolute_url()))
        if passed:
            seen.append(passed)
        if lacking:
            missing.append(lacking)
    return GateItem(
        met=not missing,
        label=label,
        detail=listing(seen)
        or _(
            "Each elevator waits for its unit's owners "
            "(art. 278 major, and every owner whose part it occupies)."
        ),
        missing=_("elevator ballots: %(what)s") % {"what": listing(missing)} if missing else "",
        link=evidence[0][1] if evidence else _new_ballot_link(project, choices.BallotKind.ELEVATOR_RETROFIT),
        link_label=evidence[0][0] if evidence else _("Start an elevator ballot"),
        evidence=evidence[1:],
    )
