"""Roster (花名册) import and export: a compound's buildings, households and the people in them.

One row per person in a household: a flat with two owners is two rows, a row without a person lists the
household only. The import checks every row before writing anything; one bad row fails the whole file
with a row-by-row report (`JobFailed(errors=[{"row", "column", "field", "message"}])`). A good file is
written in one transaction, set-based: new and changed rows are COPYed into staging tables and merged
from there with one INSERT ... SELECT / UPDATE ... FROM per table (communities.bulk), so 50,000 rows
stay in seconds.
Re-importing the same file changes nothing: households are keyed by (building, unit, room), people by
ID number when there is one, else by name within the household (the developer by name in the community).
The import never deletes: households and people missing from the file are kept.

Blank cells in optional columns mean "keep what is there" for existing records.
pghistory's triggers record every bulk write; the events carry the job and the user as context.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import pghistory
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models.expressions import RawSQL
from django.urls import NoReverseMatch
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from . import access, bulk
from .choices import AreaSource, OwnershipKind
from .jobs import JobFailed
from .masking import mask_id_number, mask_phone
from .models import AccessLog, BackgroundJob, Building, Compound, Household, Ownership, Person
from .scoping import forget_scope, get_scope
from .validators import normalize_phone, validate_id_number, validate_phone

ProgressFn = Callable[..., None]

# --- the columns ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    width: int = 12
    text: bool = False  # keep as text in Excel (long digit strings)

    @property
    def label(self) -> str:
        """The column's name as the template shows it in the active language (for error reports)."""
        return self.zh if (translation.get_language() or "").startswith("zh") else _(self.en)


COLUMNS: tuple[Column, ...] = (
    Column("building", "楼栋", gettext_noop("Building"), True, ("楼栋号", "楼号", "栋号", "楼栋名称"), 10),
    Column("unit", "单元", gettext_noop("Unit"), True, ("单元号",), 8),
    Column("floor", "楼层", gettext_noop("Floor"), True, ("层", "所在楼层"), 8),
    Column("room", "房号", gettext_noop("Room"), True, ("房间号", "门牌号", "室"), 10, text=True),
    Column(
        "exclusive_area",
        "专有部分面积(m²)",
        gettext_noop("Exclusive area (m²)"),
        False,
        ("专有部分面积", "专有面积", "面积", "套内面积"),
        14,
    ),
    Column("area_source", "面积来源", gettext_noop("Area source"), False, ("面积依据",), 12),
    Column("is_vacant", "是否空置", gettext_noop("Vacant"), False, ("空置",), 10),
    Column("name", "姓名", gettext_noop("Owner name"), False, ("业主姓名", "居民姓名", "名称"), 16),
    Column(
        "phone", "联系电话", gettext_noop("Owner phone"), False, ("电话", "手机", "手机号"), 15, text=True
    ),
    Column(
        "id_number",
        "公民身份号码",
        gettext_noop("Owner ID number"),
        False,
        ("身份证号", "身份证号码", "证件号码"),
        21,
        text=True,
    ),
    Column("relation", "与房屋关系", gettext_noop("Relation"), False, ("关系", "身份"), 12),
    Column("is_party_member", "是否党员", gettext_noop("Party member"), False, ("党员",), 10),
    Column(
        "party_organization",
        "原党组织",
        gettext_noop("Original Party organisation"),
        False,
        ("党组织", "组织关系所在党组织"),
        26,
    ),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}

# what to write in each column (shown on the import page)
COLUMN_HINTS = {
    "building": gettext_noop("e.g. 1栋 or 3号楼"),
    "unit": gettext_noop("Stairwell number, e.g. 1"),
    "floor": gettext_noop("A whole number; basement floors are negative"),
    "room": gettext_noop("Unique within the unit, e.g. 501"),
    "exclusive_area": gettext_noop("Square metres, at most 2 decimals"),
    "area_source": gettext_noop("登记, 测绘 or 合同"),
    "is_vacant": gettext_noop("是 or 否"),
    "name": gettext_noop("Leave blank to register the flat only"),
    "phone": gettext_noop("11-digit mobile, or a landline with area code"),
    "id_number": gettext_noop("18 characters with a valid check digit"),
    "relation": gettext_noop("业主, 共有人, 租户, 家庭成员 or 开发商"),
    "is_party_member": gettext_noop("是 or 否"),
    "party_organization": gettext_noop("Where the member's Party membership is registered"),
}

AREA_SOURCES = {
    "登记": AreaSource.REGISTER,
    "不动产登记": AreaSource.REGISTER,
    "产权登记": AreaSource.REGISTER,
    "register": AreaSource.REGISTER,
    "测绘": AreaSource.SURVEY,
    "实测": AreaSource.SURVEY,
    "survey": AreaSource.SURVEY,
    "合同": AreaSource.CONTRACT,
    "合同约定": AreaSource.CONTRACT,
    "contract": AreaSource.CONTRACT,
}
AREA_SOURCE_TOKENS = {AreaSource.REGISTER: "登记", AreaSource.SURVEY: "测绘", AreaSource.CONTRACT: "合同"}

DEVELOPER = "developer"  # a relation token: the developer's unsold flat (kind owner, person is_developer)
RELATIONS = {
    "业主": OwnershipKind.OWNER,
    "产权人": OwnershipKind.OWNER,
    "owner": OwnershipKind.OWNER,
    "共有人": OwnershipKind.CO_OWNER,
    "共同共有人": OwnershipKind.CO_OWNER,
    "co-owner": OwnershipKind.CO_OWNER,
    "co_owner": OwnershipKind.CO_OWNER,
    "coowner": OwnershipKind.CO_OWNER,
    "租户": OwnershipKind.TENANT,
    "承租人": OwnershipKind.TENANT,
    "tenant": OwnershipKind.TENANT,
    "家庭成员": OwnershipKind.FAMILY,
    "家属": OwnershipKind.FAMILY,
    "family": OwnershipKind.FAMILY,
    "familymember": OwnershipKind.FAMILY,
    "开发商": DEVELOPER,
    "开发商未售": DEVELOPER,
    "developer": DEVELOPER,
}
RELATION_TOKENS = {
    OwnershipKind.OWNER: "业主",
    OwnershipKind.CO_OWNER: "共有人",
    OwnershipKind.TENANT: "租户",
    OwnershipKind.FAMILY: "家庭成员",
    DEVELOPER: "开发商",
}
YES = {"是", "y", "yes", "true", "1", "√", "✓", "党员", "空置"}
NO = {"否", "n", "no", "false", "0", "×", "群众", "非党员"}

_HEADER_NOISE = re.compile(r"[\s*＊:：()（）\[\]【】/]|m²|㎡|m2|平方米")
_UNIT_RE = re.compile(r"^(\d{1,2})(?:单元)?$")
_FLOOR_RE = re.compile(r"^(-?\d{1,3})(?:层|楼|f|F)?$")
_AREA_Q = Decimal("0.01")
_AREA_MAX = Decimal("9999999.99")


def _norm_header(value: str) -> str:
    return _HEADER_NOISE.sub("", value).lower()


_HEADER_LOOKUP: dict[str, str] = {}
for _c in COLUMNS:
    for _name in (_c.zh, _c.en, _c.key, *_c.aliases):
        _HEADER_LOOKUP.setdefault(_norm_header(_name), _c.key)


# --- reading files -------------------------------------------------------------------------------------


def cell_text(value: Any) -> str:
    """A cell as the text a person typed: 101.0 -> "101", None -> ""."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.replace("\u3000", " ").strip()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


def decode_csv(data: bytes) -> str:
    """UTF-8 with or without BOM, UTF-16 with BOM (Excel's "Unicode text"), else GB18030."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def read_rows(data: bytes, filename: str) -> list[list[str]]:
    """All rows of the first sheet (or the CSV) as lists of text cells."""
    name = filename.lower()
    if name.endswith((".csv", ".txt", ".tsv")):
        text = decode_csv(data)
        first_line = text.split("\n", 1)[0]
        delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
        return [
            [cell.replace("\u3000", " ").strip() for cell in row]
            for row in csv.reader(io.StringIO(text), delimiter=delimiter)
        ]
    from .sheet_guard import read_first_sheet

    # declared size and zip size checked first, then parsed in a child under memory and time limits
    raw = read_first_sheet(data)
    # text and empty cells (nearly all of a roster) inline; numbers, dates and booleans through cell_text
    return [
        [
            v.replace("\u3000", " ").strip() if type(v) is str else "" if v is None else cell_text(v)
            for v in row
        ]
        for row in raw
    ]


# --- validating -----------------------------------------------------------------------------------------


@dataclass
class RosterRow:
    row: int
    building: str
    unit: str
    floor: int
    room: str
    area: Decimal | None
    area_source: str
    is_vacant: bool | None
    name: str
    phone: str
    id_number: str
    kind: str  # OwnershipKind value or DEVELOPER
    is_party_member: bool | None
    party_organization: str

    @property
    def household_key(self) -> tuple[str, str, str]:
        return (self.building, self.unit, self.room)

    @property
    def has_person(self) -> bool:
        return bool(self.name)


@dataclass
class Plan:
    """The validated file, ready to write."""

    rows: list[RosterRow]
    households: dict[tuple[str, str, str], RosterRow] = field(default_factory=dict)  # first row of each


class Errors:
    def __init__(self, limit: int = 1000):
        self.items: list[dict[str, Any]] = []
        self.count = 0
        self.limit = limit

    def add(self, row: int, key: str | None, message: str) -> None:
        self.count += 1
        if len(self.items) < self.limit:
            column = COLUMN_BY_KEY[key].label if key else ""
            self.items.append({"row": row, "column": column, "field": key or "", "message": str(message)})

    def __bool__(self) -> bool:
        return self.count > 0


def _find_header(rows: list[list[str]]) -> tuple[int, dict[str, int]] | None:
    for index, row in enumerate(rows[:10]):
        mapping: dict[str, int] = {}
        for col, cell in enumerate(row):
            key = _HEADER_LOOKUP.get(_norm_header(cell)) if cell else None
            if key and key not in mapping:
                mapping[key] = col
        if len(mapping) >= 3:
            return index, mapping
    return None


def _is_header_like(row: list[str]) -> bool:
    return sum(1 for cell in row if cell and _norm_header(cell) in _HEADER_LOOKUP) >= 3


def _yes_no(value: str) -> bool | None:
    v = value.lower()
    if v in YES:
        return True
    if v in NO:
        return False
    raise ValueError(value)


def _error_text(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


def validate_rows(
    rows: list[list[str]], *, progress: ProgressFn | None = None, progress_total: int | None = None
) -> tuple[Plan, Errors]:
    """Check every row; never touches the database. Returns the plan and the errors found."""
    errors = Errors()
    plan = Plan(rows=[])
    found = _find_header(rows)
    if found is None:
        errors.add(
            1, None, _("No header row found: use the roster template (first row 楼栋, 单元, 楼层, 房号 …).")
        )
        return plan, errors
    header_index, mapping = found
    for key in ("building", "floor", "room"):
        if key not in mapping:
            errors.add(
                header_index + 1,
                key,
                _("The column “%(column)s” is missing.") % {"column": COLUMN_BY_KEY[key].zh},
            )
    if errors:
        return plan, errors

    start = header_index + 1
    if start < len(rows) and _is_header_like(rows[start]):
        start += 1  # the template's second (English) header line
    data = [(n + 1, row) for n, row in enumerate(rows[start:], start=start) if any(row)]
    max_rows = settings.IMPORT_MAX_ROWS
    if len(data) > max_rows:
        errors.add(
            data[max_rows][0],
            None,
            _("The file has %(count)d rows; at most %(max)d rows can be imported at once.")
            % {"count": len(data), "max": max_rows},
        )
        return plan, errors
    if not data:
        errors.add(start + 1, None, _("The file has no rows below the header."))
        return plan, errors

    get = {key: mapping.get(key) for key in COLUMN_BY_KEY}
    total = progress_total if progress_total is not None else len(data)
    seen_people: dict[tuple, int] = {}  # person key within a household -> row
    id_names: dict[str, tuple[str, int]] = {}  # ID number -> (name, row)
    household_only: dict[tuple[str, str, str], int] = {}
    households = plan.households

    for i, (rownum, row) in enumerate(data):
        if progress is not None and i % 2000 == 0:
            progress(i, total)

        def cell(key: str, row: list[str] = row) -> str:
            col = get[key]
            return row[col] if col is not None and col < len(row) else ""

        ok = True

        def fail(key: str | None, message: str, rownum: int = rownum) -> None:
            nonlocal ok
            ok = False
            errors.add(rownum, key, message)

        building = cell("building")
        if not building:
            fail("building", _("Enter the building."))
        elif len(building) > 50:
            fail("building", _("At most 50 characters."))

        unit_text = cell("unit") if get["unit"] is not None else "1"
        m = _UNIT_RE.match(unit_text)
        unit = ""
        if not unit_text:
            fail("unit", _("Enter the unit (1 for a building with one stairwell)."))
        elif not m or not 1 <= int(m.group(1)) <= 50:
            fail("unit", _("The unit is a number from 1 to 50 (e.g. 2 or 2单元)."))
        else:
            unit = str(int(m.group(1)))

        floor_text = cell("floor")
        floor = 0
        if not floor_text:
            fail("floor", _("Enter the floor."))
        else:
            m = _FLOOR_RE.match(floor_text)
            if not m or not -5 <= int(m.group(1)) <= 200:
                fail("floor", _("The floor is a whole number from -5 to 200."))
            else:
                floor = int(m.group(1))

        room = cell("room")
        if not room:
            fail("room", _("Enter the room number."))
        elif len(room) > 20:
            fail("room", _("At most 20 characters."))

        area: Decimal | None = None
        area_text = cell("exclusive_area")
        if area_text:
            try:
                area = Decimal(area_text.replace(",", ""))
                if not area.is_finite():
                    raise InvalidOperation
            except InvalidOperation:
                fail("exclusive_area", _("The area is a number of square metres, e.g. 86.45."))
            else:
                if area <= 0:
                    fail("exclusive_area", _("The area must be greater than 0."))
                    area = None
                elif area != area.quantize(_AREA_Q):
                    fail("exclusive_area", _("The area has at most 2 decimal places."))
                    area = None
                elif area > _AREA_MAX:
                    fail("exclusive_area", _("The area is too large."))
                    area = None
                else:
                    area = area.quantize(_AREA_Q)

        source_text = cell("area_source")
        area_source = ""
        if source_text:
            area_source = AREA_SOURCES.get(source_text.lower(), "")
            if not area_source:
                fail("area_source", _("The area source is 登记, 测绘 or 合同 (register, survey, contract)."))
        elif area is not None:
            fail("area_source", _("Say where the area comes from: 登记, 测绘 or 合同."))

        is_vacant: bool | None = None
        if vacant_text := cell("is_vacant"):
            try:
                is_vacant = _yes_no(vacant_text)
            except ValueError:
                fail("is_vacant", _("Write 是 or 否 (yes or no)."))

        name = cell("name")
        phone = normalize_phone(cell("phone"))
        id_number = cell("id_number").upper()
        relation_text = cell("relation")
        party_text = cell("is_party_member")
        party_organization = cell("party_organization")
        kind = ""
        is_party_member: bool | None = None
        if len(name) > 100:
            fail("name", _("At most 100 characters."))
        if name:
            kind = RELATIONS.get(relation_text.lower().replace(" ", ""), "") if relation_text else "owner"
            if not kind:
                fail("relation", _("The relation is 业主, 共有人, 租户, 家庭成员 or 开发商."))
            if phone:
                try:
                    validate_phone(phone)
                except ValidationError as exc:
                    fail("phone", _error_text(exc))
            if id_number:
                try:
                    validate_id_number(id_number)
                except ValidationError as exc:
                    fail("id_number", _error_text(exc))
                if kind == DEVELOPER:
                    fail("id_number", _("A developer has no personal ID number; leave it blank."))
            if party_text:
                try:
                    is_party_member = _yes_no(party_text)
                except ValueError:
                    fail("is_party_member", _("Write 是 or 否 (yes or no)."))
            if party_organization and len(party_organization) > 200:
                fail("party_organization", _("At most 200 characters."))
            if party_organization and is_party_member is False:
                fail("party_organization", _("Only a Party member has an original Party organisation."))
        else:
            for _key, value in (
                ("phone", phone),
                ("id_number", id_number),
                ("relation", relation_text),
                ("is_party_member", party_text),
                ("party_organization", party_organization),
            ):
                if value:
                    fail("name", _("Enter the person's name, or leave the person's columns blank."))
                    break

        if not ok:
            continue
        r = RosterRow(
            rownum,
            building,
            unit,
            floor,
            room,
            area,
            area_source,
            is_vacant,
            name,
            phone,
            id_number,
            kind,
            is_party_member,
            party_organization,
        )

        # across rows: one household listed once (several people in it), each person once per household
        first = households.get(r.household_key)
        if first is None:
            households[r.household_key] = r
        else:
            if r.floor != first.floor:
                fail("floor", _("Same room as row %(row)d but another floor.") % {"row": first.row})
            if r.area is not None:
                if first.area is None:
                    first.area, first.area_source = r.area, r.area_source
                elif r.area != first.area or r.area_source != first.area_source:
                    fail(
                        "exclusive_area",
                        _("Same room as row %(row)d but another area or area source.") % {"row": first.row},
                    )
            if r.is_vacant is not None:
                if first.is_vacant is None:
                    first.is_vacant = r.is_vacant
                elif r.is_vacant != first.is_vacant:
                    fail("is_vacant", _("Same room as row %(row)d but another vacancy.") % {"row": first.row})
        if not r.has_person:
            if r.household_key in household_only or first is not None:
                fail(
                    "room",
                    _("Duplicate room: %(building)s %(unit)s单元 %(room)s is already on row %(row)d.")
                    % {"building": building, "unit": unit, "room": room, "row": (first or r).row},
                )
            household_only[r.household_key] = rownum
        else:
            if r.household_key in household_only:
                fail(
                    "room",
                    _("Duplicate room: row %(row)d lists this room without a person.")
                    % {"row": household_only[r.household_key]},
                )
            person_key = (r.household_key, r.id_number or r.name)
            if person_key in seen_people:
                fail(
                    "name",
                    _("Duplicate row: this person is already listed for this room on row %(row)d.")
                    % {"row": seen_people[person_key]},
                )
            seen_people[person_key] = rownum
            if r.id_number:
                other = id_names.get(r.id_number)
                if other is None:
                    id_names[r.id_number] = (r.name, rownum)
                elif other[0] != r.name:
                    fail(
                        "id_number",
                        _("Row %(row)d has the same ID number with another name (%(name)s).")
                        % {"row": other[1], "name": other[0]},
                    )
        if ok:
            plan.rows.append(r)

    # a vacant flat has nobody living in it
    for r in plan.rows:
        first = households[r.household_key]
        if first.is_vacant and r.kind in (OwnershipKind.TENANT, OwnershipKind.FAMILY):
            errors.add(r.row, "is_vacant", _("The flat is marked vacant but has a tenant or family member."))
    return plan, errors


# --- writing --------------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    rows: int = 0
    buildings_created: int = 0
    buildings_updated: int = 0
    households_created: int = 0
    households_updated: int = 0
    people_created: int = 0
    people_updated: int = 0
    ownerships_created: int = 0
    ownerships_updated: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


BATCH = 2000


def quiet_trigger_checks() -> None:
    """Give pgtrigger's per-row "should this trigger be ignored?" check a value to read.

    Unset, the check raises and catches an error inside a PL/pgSQL exception block on every row, and
    those aborted subtransactions make each later statement of the same transaction slower (measured:
    three 10,000-row inserts took 0.8, 1.4, 2.0 s; with the setting present, 0.7 s each). An empty list
    ignores nothing: every history trigger still fires. Local to the current transaction.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('pgtrigger.ignore', '{}', true)")


def write_plan(
    compound: Compound,
    plan: Plan,
    result: ImportResult,
    step: Callable[[float], None] | None = None,
    user=None,
) -> None:
    """Write a validated plan; the caller holds the transaction. A fixed number of statements per
    batch of rows, whatever the file size. `step(fraction)` hears how much of the write is done."""
    step = step or (lambda fraction: None)
    community_id = compound.division_id

    # buildings: create the new ones, raise unit/floor counts of the known ones when the file needs it
    need: dict[str, tuple[int, int]] = {}
    for r in plan.households.values():
        units, floors = need.get(r.building, (1, 1))
        need[r.building] = (max(units, int(r.unit)), max(floors, r.floor))
    buildings = {b.name: b for b in Building.objects.filter(compound=compound)}
    new_buildings = [
        Building(compound=compound, name=name, unit_count=units, floor_count=floors)
        for name, (units, floors) in need.items()
        if name not in buildings
    ]
    changed_buildings = []
    for name, (units, floors) in need.items():
        b = buildings.get(name)
        if b is not None and (b.unit_count < units or b.floor_count < floors):
            b.unit_count, b.floor_count = max(b.unit_count, units), max(b.floor_count, floors)
            changed_buildings.append(b)
    Building.objects.bulk_create(new_buildings, batch_size=BATCH)
    Building.objects.bulk_update(changed_buildings, ["unit_count", "floor_count"], batch_size=BATCH)
    step(0.05)
    for b in new_buildings:
        buildings[b.name] = b
    result.buildings_created, result.buildings_updated = len(new_buildings), len(changed_buildings)

    # households keyed by (building, unit, room); rows are plain tuples, written by COPY + one statement
    existing = {
        (b, unit, room): (pk, floor, area, source, vacant)
        for pk, b, unit, room, floor, area, source, vacant in Household.objects.filter(
            building__compound=compound
        )
        .order_by()
        .values_list(
            "pk", "building_id", "unit", "room", "floor", "exclusive_area", "area_source", "is_vacant"
        )
    }
    household_id: dict[tuple[str, str, str], int] = {}
    new_households: list[tuple[tuple[str, str, str], RosterRow, int]] = []
    changed_households: list[tuple] = []
    for key, r in plan.households.items():
        building_id = buildings[r.building].pk
        found = existing.get((building_id, r.unit, r.room))
        if found is None:
            new_households.append((key, r, building_id))
            continue
        pk, _floor, area, source, vacant = found
        household_id[key] = pk
        if r.area is not None:
            area, source = r.area, r.area_source
        if r.is_vacant is not None:
            vacant = r.is_vacant
        if (r.floor, area, source, vacant) != found[1:]:
            changed_households.append((pk, r.floor, area, source, vacant))
    step(0.1)
    ids = bulk.allocate_ids(Household, len(new_households))
    household_rows = []
    for pk, (key, r, building_id) in zip(ids, new_households, strict=True):
        household_id[key] = pk
        area_source = r.area_source if r.area is not None else ""
        household_rows.append(
            (pk, building_id, r.unit, r.floor, r.room, r.area, area_source, bool(r.is_vacant))
        )
    bulk.copy_create_rows(
        Household,
        ["building_id", "unit", "floor", "room", "exclusive_area", "area_source", "is_vacant"],
        household_rows,
    )
    step(0.35)
    bulk.copy_update_rows(
        Household, ["floor", "exclusive_area", "area_source", "is_vacant"], changed_households
    )
    step(0.4)
    result.households_created, result.households_updated = len(new_households), len(changed_households)

    # people: by ID number; without one, by name among the household's people; the developer by name
    person_rows = [r for r in plan.rows if r.has_person]
    fields = ("pk", "name", "phone", "id_number", "is_party_member", "party_organization")
    ids = sorted({r.id_number for r in person_rows if r.id_number})
    by_id: dict[str, _Person] = {}
    if ids:
        # one array parameter instead of tens of thousands of IN (...) placeholders
        wanted = RawSQL("SELECT unnest(%s::varchar[])", [ids])
        # "not blank" lets the planner use the partial unique index on id_number (a lookup per ID
        # number instead of reading every person of the province)
        for values in (
            Person.objects.exclude(id_number="").filter(id_number__in=wanted).order_by().values_list(*fields)
        ):
            by_id[values[3]] = _Person(*values)
    if by_id and user is not None:
        # a person registered where the importer may not edit is neither changed nor linked: the
        # row is refused (the page refuses the same), and the whole import with it
        editable = set(
            Person.objects.editable_by(user)
            .filter(pk__in=[p.pk for p in by_id.values()])
            .values_list("pk", flat=True)
        )
        errors = Errors()
        for r in person_rows:
            p = by_id.get(r.id_number)
            if p is not None and p.pk not in editable:
                errors.add(
                    r.row,
                    "id_number",
                    _(
                        "This ID number is registered in another community that you may not edit; "
                        "ask that community to link the person."
                    ),
                )
        if errors:
            message = _("%(count)d problem(s) found in the file; nothing was imported.") % {
                "count": errors.count
            }
            raise JobFailed(message, errors=errors.items)
    current = list(
        Ownership.objects.filter(household__building__compound=compound)
        .order_by()
        .values_list("pk", "person_id", "household_id", "kind")
    )
    ownerships = {(person_id, household_id): (pk, kind) for pk, person_id, household_id, kind in current}
    linked = (
        {
            values[0]: _Person(*values)
            for values in Person.objects.filter(
                id_number="", is_developer=False, ownerships__household__building__compound=compound
            )
            .order_by()
            .distinct()
            .values_list(*fields)
        }
        if current
        else {}
    )
    by_household_name: dict[tuple[int, str], _Person] = {}
    for _pk, person_id, household, _kind in current:
        p = linked.get(person_id)
        if p is not None:
            by_household_name[(household, p.name)] = p
    dev_names = sorted({r.name for r in person_rows if r.kind == DEVELOPER})
    developers = {
        values[1]: _Person(*values)
        for values in Person.objects.filter(
            division_id=community_id, is_developer=True, name__in=dev_names
        ).values_list(*fields)
    }

    new_people: list[_Person] = []
    changed_people: dict[int, _Person] = {}
    person_of_row: list[tuple[RosterRow, _Person]] = []
    created_by_key: dict[tuple, _Person] = {}
    for r in person_rows:
        h = household_id[r.household_key]
        if r.kind == DEVELOPER:
            key: tuple = ("dev", r.name)
            p = developers.get(r.name)
        elif r.id_number:
            key = ("id", r.id_number)
            # known by ID; else the same name in this flat entered earlier without an ID number
            p = by_id.get(r.id_number) or by_household_name.pop((h, r.name), None)
        else:
            key = ("name", r.household_key, r.name)
            p = by_household_name.get((h, r.name))
        if p is None:
            p = created_by_key.get(key)
            if p is None:
                p = _Person(
                    None,
                    r.name,
                    r.phone,
                    r.id_number,
                    bool(r.is_party_member),
                    r.party_organization,
                    developer=r.kind == DEVELOPER,
                )
                created_by_key[key] = p
                new_people.append(p)
            else:
                _merge_person(p, r)
        elif _merge_person(p, r):
            changed_people[p.pk] = p
        person_of_row.append((r, p))
    step(0.45)
    for p, pk in zip(new_people, bulk.allocate_ids(Person, len(new_people)), strict=True):
        p.pk = pk
    bulk.copy_create_rows(
        Person,
        [
            "name",
            "phone",
            "id_number",
            "division_id",
            "is_party_member",
            "party_organization",
            "is_organization",
            "is_developer",
        ],
        (
            (
                p.pk,
                p.name,
                p.phone,
                p.id_number,
                community_id,
                p.is_party_member,
                p.party_organization,
                p.developer,
                p.developer,
            )
            for p in new_people
        ),
    )
    step(0.7)
    bulk.copy_update_rows(
        Person,
        ["name", "phone", "id_number", "is_party_member", "party_organization"],
        (
            (p.pk, p.name, p.phone, p.id_number, p.is_party_member, p.party_organization)
            for p in changed_people.values()
        ),
        touch=["updated_at"],
    )
    result.people_created, result.people_updated = len(new_people), len(changed_people)

    # ownerships
    new_ownerships: list[tuple[int, int, str]] = []
    changed_ownerships: list[tuple[int, str]] = []
    planned: set[tuple[int, int]] = set()
    for r, p in person_of_row:
        h = household_id[r.household_key]
        kind = OwnershipKind.OWNER.value if r.kind == DEVELOPER else r.kind
        pair = (p.pk, h)
        if pair in planned:
            continue  # e.g. the same ID number twice in one flat was refused earlier; guard anyway
        planned.add(pair)
        found = ownerships.get(pair)
        if found is None:
            new_ownerships.append((p.pk, h, kind))
        elif found[1] != kind:
            changed_ownerships.append((found[0], kind))
    step(0.75)
    ids = bulk.allocate_ids(Ownership, len(new_ownerships))
    bulk.copy_create_rows(
        Ownership,
        ["person_id", "household_id", "kind"],
        ((pk, *row) for pk, row in zip(ids, new_ownerships, strict=True)),
    )
    step(0.95)
    bulk.copy_update_rows(Ownership, ["kind"], changed_ownerships)
    result.ownerships_created, result.ownerships_updated = len(new_ownerships), len(changed_ownerships)
    # a first import into a young database: fresh statistics before the foreign-key checks at commit
    bulk.analyze_grown(
        {Household: len(new_households), Person: len(new_people), Ownership: len(new_ownerships)}
    )


class _Person:
    """A person as the import sees it: the fields it reads and writes, nothing else (no model instance
    per row)."""

    __slots__ = ("developer", "id_number", "is_party_member", "name", "party_organization", "phone", "pk")

    def __init__(self, pk, name, phone, id_number, is_party_member, party_organization, developer=False):
        self.pk = pk
        self.name = name
        self.phone = phone
        self.id_number = id_number
        self.is_party_member = is_party_member
        self.party_organization = party_organization
        self.developer = developer


def _merge_person(p: _Person, r: RosterRow) -> bool:
    """Apply the row's non-blank values to a person; True when something changed."""
    changed = False
    if r.id_number and not p.id_number:
        p.id_number, changed = r.id_number, True
    if r.id_number and p.name != r.name:
        p.name, changed = r.name, True
    if r.phone and p.phone != r.phone:
        p.phone, changed = r.phone, True
    if r.is_party_member is not None and p.is_party_member != r.is_party_member:
        p.is_party_member, changed = r.is_party_member, True
        if not r.is_party_member and p.party_organization:
            p.party_organization = ""
    if r.party_organization and p.party_organization != r.party_organization:
        p.party_organization, changed = r.party_organization, True
    return changed


# --- the job handlers -----------------------------------------------------------------------------------


def _job_language(job: BackgroundJob):
    return translation.override(job.params.get("language") or settings.LANGUAGE_CODE)


def _editable_compound(job: BackgroundJob) -> Compound:
    user = job.created_by
    forget_scope(user)  # the job may run long after it was asked for: read the roles afresh
    compound = Compound.objects.editable_by(user).filter(pk=job.params.get("compound")).first()
    if compound is None:
        raise JobFailed(_("The compound does not exist or you may no longer edit it."))
    return compound


def lock_compound_for_import(compound_id: int) -> None:
    """One import into a compound at a time, for the rest of the current transaction.

    An advisory lock, not `SELECT ... FOR UPDATE` on the compound: FOR UPDATE conflicts with the KEY
    SHARE lock every insert takes on the row its foreign key points at, so each visit, opinion or
    building written for that compound would wait for the whole import to commit (a 20,000-row import
    stalled the site for 15 s). The advisory lock blocks only another import of the same compound;
    rows the import updates are locked FOR NO KEY UPDATE by PostgreSQL, which inserts pointing at them
    do not wait for."""
    from .locks import xact_lock

    xact_lock("roster_import", compound_id)


def import_file(
    compound: Compound,
    data: bytes,
    filename: str,
    *,
    progress: ProgressFn | None = None,
    context: dict[str, Any] | None = None,
    user=None,
) -> ImportResult:
    """Parse, validate and (only when every row is valid) write a roster file into a compound."""
    result = ImportResult()
    t0 = time.perf_counter()
    rows = read_rows(data, filename)
    t1 = time.perf_counter()
    data_rows = max(1, len(rows))
    # the bar's share follows the time spent: reading and checking ~1/5, writing ~4/5
    total = data_rows * 5
    if progress is not None:
        progress(0, total)
    plan, errors = validate_rows(rows, progress=progress, progress_total=total)
    t2 = time.perf_counter()
    result.seconds = {"parse": round(t1 - t0, 3), "validate": round(t2 - t1, 3)}
    if errors:
        message = _("%(count)d problem(s) found in the file; nothing was imported.") % {"count": errors.count}
        raise JobFailed(message, errors=errors.items)
    if progress is not None:
        progress(data_rows, total, force=True)
    result.rows = len(plan.rows)
    with transaction.atomic(), pghistory.context(**(context or {"source": "roster_import"})):
        quiet_trigger_checks()
        lock_compound_for_import(compound.pk)
        locked = Compound.objects.get(pk=compound.pk)
        step = None
        if progress is not None:

            def step(fraction: float) -> None:
                # written through a second connection (communities.jobs.Progress): the page sees it
                progress(data_rows + int((total - data_rows) * fraction), total)

        write_plan(locked, plan, result, step, user=user)
        if progress is not None:
            progress(total - 1, total, force=True)  # the last moment a cancel rolls everything back
        committing = time.perf_counter()
    done = time.perf_counter()
    # "commit" is part of "write": the deferred foreign-key checks and the commit itself (a savepoint's
    # release, next to nothing, when the caller holds an outer transaction)
    result.seconds["write"] = round(done - t2, 3)
    result.seconds["commit"] = round(done - committing, 3)
    if progress is not None:
        if hasattr(progress, "committed"):
            progress.committed()  # too late to cancel
        progress(total, total, force=True)
    return result


def import_roster(job: BackgroundJob, progress: ProgressFn) -> None:
    """Job handler: job.params = {"compound": id, "language": "zh-hans"}, job.input_file = the file."""
    with _job_language(job):
        compound = _editable_compound(job)
        with job.input_file.open("rb") as fh:
            data = fh.read()
        result = import_file(
            compound,
            data,
            job.input_file.name,
            progress=progress,
            context={"source": "roster_import", "job": job.pk, "user": job.created_by_id},
            user=job.created_by,
        )
        job.result = result.as_dict()
        with contextlib.suppress(NoReverseMatch):
            job.result["next_url"] = compound.get_absolute_url()
        job.message = _(
            "%(rows)s rows imported: %(hc)s households created, %(hu)s updated; "
            "%(pc)s people created, %(pu)s updated."
        ) % {  # 66,908 rather than 66908
            "rows": f"{result.rows:,}",
            "hc": f"{result.households_created:,}",
            "hu": f"{result.households_updated:,}",
            "pc": f"{result.people_created:,}",
            "pu": f"{result.people_updated:,}",
        }


# --- template and export --------------------------------------------------------------------------------


def _natural(value: str) -> tuple:
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", value))


def _header_cells(ws, write_only: bool) -> None:
    """Two header lines: Chinese (required columns marked *), then English."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill

    lines = (
        [(c.zh + ("*" if c.required else "")) for c in COLUMNS],
        [c.en for c in COLUMNS],
    )
    for line_no, values in enumerate(lines, start=1):
        cells = []
        for col, value in enumerate(values, start=1):
            cell = (
                WriteOnlyCell(ws, value=value)
                if write_only
                else ws.cell(row=line_no, column=col, value=value)
            )
            if line_no == 1:
                cell.font = Font(bold=True)
                cell.fill = PatternFill("solid", fgColor="FDE9E7")
            else:
                cell.font = Font(italic=True, color="666666")
            cell.alignment = Alignment(horizontal="center")
            cells.append(cell)
        if write_only:
            ws.append(cells)


def _set_widths(ws) -> None:
    from openpyxl.utils import get_column_letter

    for i, c in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = c.width


INSTRUCTIONS = (
    "填写说明 / How to fill in",
    "1. 每行一个人：一户有两位业主就填两行（房屋信息相同）；只登记房屋、不填人员的，人员各列留空。",
    "   One row per person in a household: two owners = two rows with the same flat;",
    "   a flat without people: leave the person columns blank.",
    "2. 带 * 的列必填：楼栋、单元、楼层、房号。同一楼栋、单元、房号视为同一户。",
    "   Columns with * are required. Building + unit + room identify a household.",
    "3. 专有部分面积以平方米计，最多两位小数；填了面积须注明来源：登记（不动产登记）、测绘、合同。",
    "   Exclusive area in m², at most 2 decimals, with its source:",
    "   登记 register, 测绘 survey, 合同 contract.",
    "4. 与房屋关系：业主、共有人、租户、家庭成员；开发商未售房屋填“开发商”（姓名填公司名称）。",
    "   Relation: 业主 owner, 共有人 co-owner, 租户 tenant, 家庭成员 family;",
    "   the developer's unsold flats: 开发商 (name = the company).",
    "5. 公民身份号码为18位（校验位正确），手机号11位；是否空置、是否党员填“是”或“否”，留空表示不修改。",
    "   ID numbers: 18 characters with a valid check digit; phones: 11-digit mobile or landline;",
    "   yes/no as 是/否; blank = keep what is recorded.",
    "6. 整个文件逐行校验，任何一行有误则全部不导入，并列出每个错误的行号与列名。",
    "   Every row is checked first: one bad row and nothing is imported (each row and column is reported).",
    "7. 重复导入同一文件不会产生重复数据；文件中没有的房屋和人员不会被删除。",
    "   Re-importing the same file creates no duplicates; nothing missing from the file is deleted.",
)


def build_template() -> bytes:
    """The roster template (.xlsx): two header lines (Chinese, English), drop-down lists, instructions."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = "花名册"
    _header_cells(ws, write_only=False)
    _set_widths(ws)
    ws.freeze_panes = "A3"
    comments = {
        "exclusive_area": "专有部分面积，平方米，最多两位小数 / m², 2 decimals",
        "area_source": "登记 / 测绘 / 合同 (register / survey / contract)",
        "relation": "业主 / 共有人 / 租户 / 家庭成员 / 开发商",
        "id_number": "18位公民身份号码，请设为文本格式 / 18 characters, keep as text",
    }
    for i, c in enumerate(COLUMNS, start=1):
        if c.key in comments:
            ws.cell(row=1, column=i).comment = Comment(comments[c.key], "renovation")
        if c.text:
            for row in range(3, 2003):
                ws.cell(row=row, column=i).number_format = "@"
    lists = {
        "area_source": '"登记,测绘,合同"',
        "is_vacant": '"是,否"',
        "relation": '"业主,共有人,租户,家庭成员,开发商"',
        "is_party_member": '"是,否"',
    }
    for i, c in enumerate(COLUMNS, start=1):
        if c.key in lists:
            dv = DataValidation(type="list", formula1=lists[c.key], allow_blank=True)
            dv.add(f"{get_column_letter(i)}3:{get_column_letter(i)}100000")
            ws.add_data_validation(dv)
    notes = wb.create_sheet("填写说明")
    for line in INSTRUCTIONS:
        notes.append([line])
    notes.column_dimensions["A"].width = 120
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def roster_rows(compound: Compound, *, unmasked: bool) -> Iterable[list[Any]]:
    """The compound's roster in template column order: two queries whatever its size."""
    households = list(
        Household.objects.filter(building__compound=compound).values_list(
            "pk", "building__name", "unit", "floor", "room", "exclusive_area", "area_source", "is_vacant"
        )
    )
    people: dict[int, list[tuple]] = {}
    for row in (
        Ownership.objects.filter(household__building__compound=compound)
        .order_by("household_id", "kind", "person__name", "pk")
        .values_list(
            "household_id",
            "kind",
            "person__name",
            "person__phone",
            "person__id_number",
            "person__is_party_member",
            "person__party_organization",
            "person__is_developer",
        )
    ):
        people.setdefault(row[0], []).append(row[1:])
    kind_order = {k: i for i, k in enumerate(RELATION_TOKENS)}
    households.sort(key=lambda h: (_natural(h[1]), _natural(h[2]), h[3], _natural(h[4])))
    for pk, building, unit, floor, room, area, source, vacant in households:
        base = [
            building,
            unit,
            floor,
            room,
            float(area) if area is not None else None,
            AREA_SOURCE_TOKENS.get(source, ""),
            "是" if vacant else "否",
        ]
        persons = sorted(people.get(pk, []), key=lambda p: kind_order.get(p[0], 9))
        if not persons:
            yield base + [None] * 6
            continue
        for kind, name, phone, id_number, party, party_org, is_developer in persons:
            yield [
                *base,
                name,
                phone if unmasked else mask_phone(phone),
                id_number if unmasked else mask_id_number(id_number),
                RELATION_TOKENS[DEVELOPER] if is_developer else RELATION_TOKENS.get(kind, kind),
                "是" if party else "否",
                party_org,
            ]


def build_export(compound: Compound, *, unmasked: bool, progress: ProgressFn | None = None) -> bytes:
    from openpyxl import Workbook

    from .spreadsheets import xlsx_cell, xlsx_row  # typed text never becomes a formula

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("花名册")
    _set_widths(ws)
    ws.freeze_panes = "A3"
    _header_cells(ws, write_only=True)
    text_cols = [i for i, c in enumerate(COLUMNS) if c.text]
    for n, row in enumerate(roster_rows(compound, unmasked=unmasked)):
        cells: list[Any] = list(row)
        for i in text_cols:
            if cells[i] not in (None, ""):
                cells[i] = xlsx_cell(ws, str(cells[i]), number_format="@")
        ws.append(xlsx_row(ws, cells))
        if progress is not None and n % 2000 == 0:
            progress(n)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def export_roster(job: BackgroundJob, progress: ProgressFn) -> None:
    """Job handler: job.params = {"compound": id}. Masked unless the user's roles may see full numbers."""
    with _job_language(job):
        user = job.created_by
        forget_scope(user)
        scope = get_scope(user)
        compound = Compound.objects.for_user(user).filter(pk=job.params.get("compound")).first()
        if compound is None or not scope.sees_residents:
            raise JobFailed(_("The compound does not exist or you may no longer see its residents."))
        # masked unless the user asked for full numbers with a reason (recorded as a reveal)
        unmasked = access.export_unmasked(job, object_type="compound", object_ids=[compound.pk])
        households = Household.objects.filter(building__compound=compound)
        total = households.count()
        # one row per person linked to a flat, one for each flat without anybody
        rows = (
            Ownership.objects.filter(household__building__compound=compound).count()
            + households.filter(ownerships__isnull=True).count()
        )
        progress(0, rows, force=True)
        data = build_export(compound, unmasked=unmasked, progress=progress)
        access.record(
            user=user,
            action=AccessLog.Action.EXPORT,
            object_type="compound",
            object_ids=[compound.pk],
            fields="roster" + (",phone,id_number (unmasked)" if unmasked else " (masked)"),
            reason=f"roster export job {job.pk}",
        )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        job.result_file.save(f"roster-{compound.pk}-{stamp}.xlsx", ContentFile(data), save=False)
        job.result = {"compound": compound.pk, "unmasked": unmasked, "households": total}
        job.message = _("Roster of %(compound)s exported (%(count)d households).") % {
            "compound": compound.name,
            "count": total,
        }
