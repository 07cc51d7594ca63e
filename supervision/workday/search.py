"""One search box for the whole product (issue 13): households, people, compounds, projects, ballots
and opinions, each kind read through its own `for_user` scope (a kind the role does not see returns
nothing). One query per kind, at most LIMIT rows each: a constant number of queries whatever matches.

Households are found by building / unit / room as people say them ("3栋2单元301", "3-2-301", "301")
or by the compound's name or address; people by name or by the digits their masked numbers show
(`PersonQuerySet.matching`, the same rule as the people list).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from communities import masking
from communities.models import Compound, Household, Person
from communities.scoping import get_scope
from consultations.ballots.models import Ballot
from consultations.models import Opinion
from projects.models import Project

LIMIT = 10
MIN_LENGTH = 1
MAX_LENGTH = 50

# "3栋2单元301室", "3号楼2单元301", "3幢301"
_ADDRESS = re.compile(
    r"^\s*(?:(?P<building>[\w-]+?)(?:号楼|栋|幢|楼)\s*)?(?:(?P<unit>\w+?)单元\s*)?(?P<room>\w+?)?\s*(?:室|号)?\s*$"
)
# "3-2-301", "3/2/301", "3-301"
_DASHED = re.compile(r"^\s*(?P<building>\w+)\s*[-/]\s*(?:(?P<unit>\w+)\s*[-/]\s*)?(?P<room>\w+)\s*$")


@dataclass
class Hit:
    title: str
    url: str
    meta: list[str] = field(default_factory=list)


@dataclass
class Group:
    kind: str
    label: str
    hits: list[Hit]
    more_url: str = ""  # the kind's own list, filtered by the same words, when it has one

    @property
    def truncated(self) -> bool:
        return len(self.hits) >= LIMIT


def _building_q(name: str) -> Q:
    # "3" finds "3栋", "3号楼" and "3幢" but not "13栋"
    return Q(building__name__iexact=name) | Q(
        building__name__regex=rf"^{re.escape(name)}(号楼|栋|幢|楼|座)?$"
    )


def _address_q(q: str) -> Q | None:
    """Building / unit / room as people say them, or None when the words are not an address."""
    m = _DASHED.match(q) or _ADDRESS.match(q)
    if m is None:
        return None
    parts = m.groupdict()
    address = Q()
    if parts.get("building"):
        address &= _building_q(parts["building"])
    if parts.get("unit"):
        address &= Q(unit__iexact=parts["unit"])
    if parts.get("room"):
        address &= Q(room__iexact=parts["room"])
    return address or None


ORDER = ("building__compound__name", "building__name", "unit", "room", "pk")


def _sort_key(h: Household) -> tuple:
    return (h.building.compound.name, h.building.name, h.unit, h.room, h.pk)


def households(user, q: str, limit: int = LIMIT) -> list[Household]:
    """The first `limit` households (by compound, building, unit, room) whose compound's name or
    address holds the words, or whose building / unit / room they are.

    Two indexed reads instead of one OR across four tables (which read every household of the
    province): the households of the first matching compounds by name (trigram indexes on the
    compound's name and address), and the households at the address (an index on the room); the two
    are merged here in the same order. A constant two queries."""
    scoped = Household.objects.for_user(user).select_related("building__compound")
    compound_ids = list(
        Compound.objects.for_user(user)
        .filter(Q(name__icontains=q) | Q(address__icontains=q))
        .filter(Exists(Household.objects.filter(building__compound=OuterRef("pk"))))
        .order_by("name", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    # the first `limit` compounds with households hold the first `limit` households of them all
    rows = list(scoped.filter(building__compound_id__in=compound_ids).order_by(*ORDER)[:limit])
    address = _address_q(q)
    if address is not None:
        rows += list(scoped.filter(address).order_by(*ORDER)[:limit])
    unique = {h.pk: h for h in rows}
    return sorted(unique.values(), key=_sort_key)[:limit]


def _groups(user, q: str) -> list[Group]:
    scope = get_scope(user)
    out: list[Group] = []
    if scope.sees_residents:
        rows = households(user, q)
        out.append(
            Group(
                "households",
                str(_("Households")),
                [
                    Hit(
                        f"{h.building.compound.name} {h.label}",
                        h.get_absolute_url(),
                        [h.building.compound.address] if h.building.compound.address else [],
                    )
                    for h in rows
                ],
            )
        )
        people = (Person.objects.for_user(user).matching(q, user).select_related("division").by_name(q))[
            :LIMIT
        ]
        out.append(
            Group(
                "people",
                str(_("People")),
                [
                    Hit(
                        p.name,
                        p.get_absolute_url(),
                        [
                            masking.mask_phone(p.phone),
                            p.division.name,
                        ],  # full numbers only by the logged reveal
                    )
                    for p in people
                ],
                reverse("communities:person_list") + "?" + urlencode({"q": q}),
            )
        )
    compounds = (
        Compound.objects.for_user(user)
        .filter(Q(name__icontains=q) | Q(address__icontains=q))
        .select_related("division")
        .order_by("name", "pk")[:LIMIT]
    )
    out.append(
        Group(
            "compounds",
            str(_("Compounds")),
            [Hit(c.name, c.get_absolute_url(), [c.address, c.division.name]) for c in compounds],
            reverse("communities:compound_list") + "?" + urlencode({"q": q}),
        )
    )
    projects = Project.objects.for_user(user).filter(name__icontains=q).select_related("division")
    out.append(
        Group(
            "projects",
            str(_("Projects")),
            [
                Hit(p.name, p.get_absolute_url(), [p.get_status_display(), p.division.name])
                for p in projects.order_by("-year", "name", "pk")[:LIMIT]
            ],
        )
    )
    if scope.sees_residents:
        ballots = (
            Ballot.objects.for_user(user)
            .filter(Q(title__icontains=q) | Q(compound__name__icontains=q))
            .select_related("compound")
            .order_by("-opens_at", "-pk")[:LIMIT]
        )
        out.append(
            Group(
                "ballots",
                str(_("Ballots")),
                [
                    Hit(b.title, b.get_absolute_url(), [b.compound.name, b.get_status_display()])
                    for b in ballots
                ],
            )
        )
        opinions = (
            Opinion.objects.for_user(user)
            .filter(Q(content__icontains=q) | Q(answer__icontains=q))
            .select_related("compound")
            .order_by("-created_at", "-pk")[:LIMIT]
        )
        out.append(
            Group(
                "opinions",
                str(_("Opinions")),
                [
                    Hit(str(o), o.get_absolute_url(), [o.compound.name, o.get_status_display()])
                    for o in opinions
                ],
                reverse("consultations:opinion_list") + "?" + urlencode({"q": q}),
            )
        )
    return out


def search(user, q: str) -> list[Group]:
    """The groups with at least one hit, in a fixed order (households first: what field staff look
    for most). Empty for an empty or over-long query."""
    q = (q or "").strip()
    if len(q) < MIN_LENGTH or len(q) > MAX_LENGTH:
        return []
    return [g for g in _groups(user, q) if g.hits]
