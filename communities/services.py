"""Registry writes that carry rules. Pages call these (and the API may): each one is atomic, takes the
acting user, refuses objects outside the user's editing scope (PermissionDenied -> 403) and refuses bad
data with a DomainError whose message a person can read (its `field` names the form field at fault).

The `*_problems` functions return every rule a record breaks as {field: message}; forms show them as
field errors before anything is saved, and the `save_*` functions check them again (the database
constraints stay the last word against races).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import access, choices
from .errors import Conflict, DomainError
from .models import AccessLog, Building, Compound, Division, Household, Ownership, Person
from .scoping import get_scope
from .validators import normalize_phone

Problems = dict[str, str]


# --- scope --------------------------------------------------------------------------------------------


def _require_editable(user, path: str) -> None:
    if not get_scope(user).can_edit(path):
        raise PermissionDenied(_("You may read this but not change it."))


def _require_editable_existing(user, obj) -> None:
    """For an edit: the stored row (not the changed instance) must be editable too."""
    if obj.pk is not None and not type(obj).objects.editable_by(user).filter(pk=obj.pk).exists():
        raise PermissionDenied(_("You may read this but not change it."))


def _raise_first(problems: Problems) -> None:
    if problems:
        field, message = next(iter(problems.items()))
        raise DomainError(message, field=field)


def _save(obj, problems_fn) -> None:
    _raise_first(problems_fn(obj))
    try:
        obj.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise DomainError(messages[0], field=None if field == "__all__" else field) from exc
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:
        # a race past the checks above: the constraint wins, with a readable message
        _raise_first(problems_fn(obj))
        raise DomainError(_("This record clashes with another one; please check and try again.")) from exc


# --- compounds ----------------------------------------------------------------------------------------


def compound_problems(compound: Compound) -> Problems:
    problems: Problems = {}
    division = compound.division if compound.division_id else None
    if division is not None and division.level != choices.DivisionLevel.COMMUNITY:
        problems["division"] = _("A compound belongs to a community.")
    for name, limit in (("latitude", 90), ("longitude", 180)):
        value = getattr(compound, name)
        if value is not None and not -limit <= value <= limit:
            problems[name] = _("Enter a value between -%(limit)s and %(limit)s.") % {"limit": limit}
    if division is not None and compound.name:
        clash = Compound.objects.filter(division=division, name=compound.name).exclude(pk=compound.pk)
        if clash.exists():
            problems["name"] = _("This community already has a compound called %(name)s.") % {
                "name": compound.name
            }
    return problems


@transaction.atomic
def save_compound(user, compound: Compound) -> Compound:
    _require_editable_existing(user, compound)
    _require_editable(user, compound.division.path)
    _save(compound, compound_problems)
    return compound


# --- buildings ----------------------------------------------------------------------------------------


def building_problems(building: Building) -> Problems:
    problems: Problems = {}
    if not building.compound_id:
        return problems
    if building.name:
        clash = Building.objects.filter(compound_id=building.compound_id, name=building.name).exclude(
            pk=building.pk
        )
        if clash.exists():
            problems["name"] = _("This compound already has a building called %(name)s.") % {
                "name": building.name
            }
    if building.pk and building.floor_count:
        top = (
            Household.objects.filter(building_id=building.pk)
            .order_by("-floor")
            .values_list("floor", flat=True)
            .first()
        )
        if top is not None and top > building.floor_count:
            problems["floor_count"] = _(
                "Households are registered up to floor %(floor)s; the building cannot have fewer floors."
            ) % {"floor": top}
    if building.pk and building.unit_count:
        units = Household.objects.filter(building_id=building.pk).values_list("unit", flat=True).distinct()
        highest = max((int(u) for u in units if u.isdigit()), default=0)
        if highest > building.unit_count:
            problems["unit_count"] = _(
                "Households are registered in unit %(unit)s; the building cannot have fewer units."
            ) % {"unit": highest}
    return problems


@transaction.atomic
def save_building(user, building: Building) -> Building:
    _require_editable_existing(user, building)
    _require_editable(user, building.compound.division.path)
    _save(building, building_problems)
    return building


# --- households ---------------------------------------------------------------------------------------


def household_problems(household: Household) -> Problems:
    problems: Problems = {}
    if household.exclusive_area is not None:
        if household.exclusive_area <= 0:
            problems["exclusive_area"] = _("The area must be more than 0 m².")
        elif not household.area_source:
            problems["area_source"] = _(
                "Say where the area comes from (property register, survey or sales contract)."
            )
    building = household.building if household.building_id else None
    if building is None:
        return problems
    if household.floor is not None and household.floor > building.floor_count:
        problems["floor"] = _("%(building)s has only %(count)s floors.") % {
            "building": building.name,
            "count": building.floor_count,
        }
    if household.floor == 0:
        problems["floor"] = _("There is no floor 0: use 1 for the ground floor and -1 for the basement.")
    unit = (household.unit or "").strip()
    if unit.isdigit() and not 1 <= int(unit) <= building.unit_count:
        problems["unit"] = _("%(building)s has units 1 to %(count)s.") % {
            "building": building.name,
            "count": building.unit_count,
        }
    if unit and household.room:
        clash = Household.objects.filter(building=building, unit=unit, room=household.room).exclude(
            pk=household.pk
        )
        if clash.exists():
            problems["room"] = _("Room %(room)s already exists in unit %(unit)s of %(building)s.") % {
                "room": household.room,
                "unit": unit,
                "building": building.name,
            }
    return problems


@transaction.atomic
def save_household(user, household: Household) -> Household:
    _require_editable_existing(user, household)
    _require_editable(user, household.building.compound.division.path)
    household.unit = (household.unit or "").strip()
    household.room = (household.room or "").strip()
    if household.exclusive_area is None:
        household.area_source = household.area_source or ""
    _save(household, household_problems)
    return household


# --- people -------------------------------------------------------------------------------------------


def normalize_person(person: Person) -> Person:
    person.phone = normalize_phone(person.phone)
    person.id_number = (person.id_number or "").strip().upper()
    person.name = (person.name or "").strip()
    return person


def person_problems(person: Person) -> Problems:
    problems: Problems = {}
    if person.is_developer and not person.is_organization:
        problems["is_developer"] = _("A developer is an organisation: tick “organisation” as well.")
    if person.id_number:
        if person.is_organization:
            problems["id_number"] = _("An organisation has no personal ID number.")
        elif Person.objects.filter(id_number=person.id_number).exclude(pk=person.pk).exists():
            problems["id_number"] = _("Another person is already registered with this ID number.")
    if person.division_id and person.division.level not in (
        choices.DivisionLevel.COMMUNITY,
        choices.DivisionLevel.STREET,
    ):
        problems["division"] = _("People are registered in a community or a street.")
    return problems


@transaction.atomic
def save_person(user, person: Person) -> Person:
    _require_editable_existing(user, person)
    _require_editable(user, person.division.path)
    normalize_person(person)
    _save(person, person_problems)
    return person


# --- ownerships ---------------------------------------------------------------------------------------


def ownership_problems(ownership: Ownership) -> Problems:
    problems: Problems = {}
    person = ownership.person if ownership.person_id else None
    if person is not None and person.is_organization and ownership.kind not in choices.OWNER_KINDS:
        problems["kind"] = _("An organisation can only be an owner or co-owner.")
    if ownership.since and ownership.since > timezone.localdate():
        problems["since"] = _("This date is in the future.")
    if person is not None and person.pk and ownership.household_id:
        clash = Ownership.objects.filter(person=person, household_id=ownership.household_id).exclude(
            pk=ownership.pk
        )
        if clash.exists():
            problems["person"] = _("%(name)s is already linked to this household.") % {"name": person.name}
    return problems


@transaction.atomic
def save_ownership(user, ownership: Ownership) -> Ownership:
    _require_editable_existing(user, ownership)
    _require_editable(user, ownership.household.building.compound.division.path)
    _require_editable(user, ownership.person.division.path)
    _save(ownership, ownership_problems)
    return ownership


@transaction.atomic
def remove_ownership(user, ownership: Ownership) -> None:
    """End a person's link to a household (moved out, sold, a wrong entry). The person stays registered;
    the deletion is kept in the audit history (pghistory) with who did it."""
    _require_editable_existing(user, ownership)
    Ownership.objects.filter(pk=ownership.pk).delete()


@transaction.atomic
def add_resident(
    user,
    household: Household,
    person: Person,
    *,
    kind: str = choices.OwnershipKind.OWNER,
    since: date | None = None,
) -> Ownership:
    """Register a new person and link them to a household in one step (the common case on a phone)."""
    ownership = Ownership(household=household, kind=kind, since=since)
    # check the link's own rules before saving anything
    ownership.person = person
    problems = {k: v for k, v in ownership_problems(ownership).items() if k != "person"}
    _raise_first(problems)
    save_person(user, person)
    ownership.person = person
    return save_ownership(user, ownership)


# --- deleting (API only; the pages never delete registry records) ------------------------------------


def _delete(user, obj, dependants, message: str) -> None:
    _require_editable_existing(user, obj)
    if dependants.exists():
        raise Conflict(message, code="protected")
    type(obj).objects.filter(pk=obj.pk).delete()


@transaction.atomic
def delete_compound(user, compound: Compound) -> None:
    """Only an empty compound can be deleted: one request must never wipe a registry."""
    _delete(
        user,
        compound,
        Building.objects.filter(compound=compound),
        _("%(name)s still has buildings; delete or move them first.") % {"name": compound.name},
    )


@transaction.atomic
def delete_building(user, building: Building) -> None:
    _delete(
        user,
        building,
        Household.objects.filter(building=building),
        _("%(name)s still has households; delete them first.") % {"name": building.name},
    )


@transaction.atomic
def delete_household(user, household: Household) -> None:
    _delete(
        user,
        household,
        Ownership.objects.filter(household=household),
        _("People are still linked to this household; remove the links first."),
    )


@transaction.atomic
def delete_person(user, person: Person) -> None:
    _delete(
        user,
        person,
        Ownership.objects.filter(person=person),
        _("%(name)s is still linked to a household; remove the links first.") % {"name": person.name},
    )


# --- reading personal data ----------------------------------------------------------------------------


def reveal_personal_data(
    user,
    people: Iterable[Person],
    *,
    reason: str,
    fields: str = "phone,id_number",
    object_type: str = "person",
    request=None,
) -> AccessLog:
    """Allow a user whose role needs it to see full phone and ID numbers (or an objector's contact:
    `object_type="objection"`, `fields="contact"`), and record who, what, why."""
    if not get_scope(user).sees_unmasked:
        raise PermissionDenied(_("Your role does not allow seeing full phone and ID numbers."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why you need the full numbers."), field="reason")
    return access.record(
        user=user,
        action=AccessLog.Action.REVEAL,
        object_type=object_type,
        object_ids=[p.pk for p in people],
        fields=fields,
        reason=reason,
        request=request,
    )


def editable_communities(user):
    return Division.objects.editable_by(user).filter(level=choices.DivisionLevel.COMMUNITY)
