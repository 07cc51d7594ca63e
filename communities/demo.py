"""Demo data from the seed reports (shared/seeds): the places they name, believable compounds, buildings,
households and residents, and one demo user per role.

Places and numbers that come from the reports: Wuning county (九江市) with 竹岭社区 (民居巷血防站) and
白石岭社区 (老城建宿舍楼), its compounds 古艾巷街区, 心怡水湾, 天水名都; 刘寨街道 of 惠济区 with 中华园小区,
天秀家园, 同乐小区南院 and 南阳路174号院 (兴南社区: 5 buildings, 173 households); 盐务街街道's 金仓 and 吉祥
communities (贵阳市云岩区); 碧波水岸小区 (石阡县泉都街道大关社区, built about 2003); 广跃社区 (柳州市柳北区
雅儒街道); 水西门社区 (水西门街道) and 东塔社区 (迎春亭街道, 生资公司小区) in 武冈市. The reports do not say
which community holds 古艾巷街区, 心怡水湾, 天水名都 or the first three Liuzhai compounds, nor name compounds
in 金仓, 吉祥, 广跃 and 水西门: those placements and names are ours and say so in the compound's note.
Statistical codes are given down to county level (GB/T 2260); street and community codes are left blank.

Everything else (people, phones, ID numbers, areas) is generated with a fixed seed: names are common
Chinese names, phones are valid in format, ID numbers have valid check digits but are not real people.
Other apps' demo modules look compounds up by name: keep COMPOUND_NAMES stable.
"""

from __future__ import annotations

import os
import random
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

DEMO_PASSWORD = "demo-Renovation-2026"

# --- the places ---------------------------------------------------------------------------------------


@dataclass
class CompoundSpec:
    name: str
    buildings: list[tuple[str, int, int, int]]  # (name, units, floors, flats per floor per unit)
    year_built: int
    address: str = ""
    management_mode: str = "none"
    has_owners_committee: bool = False
    renovation_need: str = "basic"
    note: str = ""
    elevator_units: tuple[str, ...] = ()  # building names that have had an elevator added
    developer: str = ""  # the developer holding unsold flats, if any
    unsold: int = 0
    party_share: float = 0.1
    skip_rooms: int = 0  # rooms missing from the last building (to match a reported total)


@dataclass
class Node:
    name: str
    level: str
    code: str = ""
    children: list[Node] = field(default_factory=list)
    compounds: list[CompoundSpec] = field(default_factory=list)


OURS = "演示数据：所属社区为演示设定，报道未载明。"
NAMED_BY_US = "演示数据：院落名称为演示虚构，报道只提到所在社区。"


def _b(prefix: str, count: int, units: int, floors: int, flats: int = 2) -> list[tuple[str, int, int, int]]:
    return [(f"{i}{prefix}", units, floors, flats) for i in range(1, count + 1)]


TREE: list[Node] = [
    Node("江西省", "province", "360000000000", [
        Node("九江市", "city", "360400000000", [
            Node("武宁县", "district", "360423000000", [
                Node("新宁镇", "street", "", [
                    Node("竹岭社区", "community", compounds=[
                        CompoundSpec(
                            "民居巷血防站", [("1栋", 3, 6, 2), ("2栋", 2, 6, 2)], 1991,
                            address="武宁县新宁镇民居巷", management_mode="self_management",
                            note="原县血防站宿舍；2单元加装电梯已投入使用。", elevator_units=("1栋",),
                        ),
                        CompoundSpec(
                            "古艾巷街区", _b("栋", 8, 2, 6), 1994, address="武宁县新宁镇古艾巷",
                            management_mode="red_property", renovation_need="improvement", note=OURS,
                        ),
                    ]),
                    Node("白石岭社区", "community", compounds=[
                        CompoundSpec(
                            "老城建宿舍楼", [("宿舍楼", 3, 6, 2)], 1990, address="武宁县新宁镇白石岭路",
                            management_mode="self_management", elevator_units=("宿舍楼",),
                            note="原城建局职工宿舍；2单元加装电梯已投入使用。",
                        ),
                        CompoundSpec(
                            "心怡水湾", _b("栋", 6, 2, 6), 2003, address="武宁县新宁镇沙田大道",
                            management_mode="property_company", has_owners_committee=True, note=OURS,
                        ),
                        CompoundSpec(
                            "天水名都", _b("栋", 5, 2, 7), 2005, address="武宁县新宁镇西海大道",
                            management_mode="property_company", has_owners_committee=True,
                            renovation_need="improvement", note=OURS,
                            developer="武宁县天水房地产开发有限公司", unsold=18,
                        ),
                    ]),
                ]),
            ]),
        ]),
    ]),
    Node("河南省", "province", "410000000000", [
        Node("郑州市", "city", "410100000000", [
            Node("惠济区", "district", "410108000000", [
                Node("刘寨街道", "street", "", [
                    Node("兴南社区", "community", compounds=[
                        CompoundSpec(
                            "中华园小区", _b("号楼", 10, 3, 6), 1998, address="惠济区刘寨街道",
                            management_mode="red_property", has_owners_committee=True,
                            note="业委会引进正美物业，建立红色物业服务站。" + OURS,
                        ),
                        CompoundSpec(
                            "天秀家园", _b("号楼", 6, 2, 6), 1999, address="惠济区刘寨街道",
                            note="院内机关退休人员较多。" + OURS, party_share=0.3,
                        ),
                        CompoundSpec(
                            "同乐小区南院", _b("号楼", 8, 3, 6), 1996, address="惠济区刘寨街道",
                            management_mode="self_management", note=OURS,
                        ),
                        # 5 buildings, 173 households (the report): 4 x 36 + 29
                        CompoundSpec(
                            "南阳路174号院", [*_b("号楼", 4, 3, 6), ("5号楼", 3, 5, 2)], 2000,
                            address="惠济区南阳路174号", note="入住22年后通过“煤改气”接通天然气。",
                            skip_rooms=1,
                        ),
                    ]),
                ]),
            ]),
        ]),
    ]),
    Node("贵州省", "province", "520000000000", [
        Node("贵阳市", "city", "520100000000", [
            Node("云岩区", "district", "520103000000", [
                Node("盐务街街道", "street", "", [
                    Node("金仓社区", "community", compounds=[
                        CompoundSpec(
                            "金仓社区老院落", _b("栋", 4, 2, 6), 1993, management_mode="self_management",
                            note="居民自管会。" + NAMED_BY_US,
                        ),
                    ]),
                    Node("吉祥社区", "community", compounds=[
                        CompoundSpec(
                            "吉祥社区老院落", _b("栋", 3, 2, 5), 1992, management_mode="self_management",
                            note="居民自管会。" + NAMED_BY_US,
                        ),
                    ]),
                ]),
            ]),
        ]),
        Node("铜仁市", "city", "520600000000", [
            Node("石阡县", "district", "520623000000", [
                Node("泉都街道", "street", "", [
                    Node("大关社区", "community", compounds=[
                        CompoundSpec(
                            "碧波水岸小区", _b("栋", 8, 2, 6), 2003, management_mode="property_company",
                            note="修建于2003年前后。",
                        ),
                    ]),
                ]),
            ]),
        ]),
    ]),
    Node("广西壮族自治区", "province", "450000000000", [
        Node("柳州市", "city", "450200000000", [
            Node("柳北区", "district", "450205000000", [
                Node("雅儒街道", "street", "", [
                    Node("广跃社区", "community", compounds=[
                        CompoundSpec(
                            "广跃社区企业职工宿舍楼", [("1栋", 2, 6, 2)], 1988,
                            note="破产企业职工单栋宿舍楼，无物业。" + NAMED_BY_US,
                        ),
                    ]),
                ]),
            ]),
        ]),
    ]),
    Node("湖南省", "province", "430000000000", [
        Node("邵阳市", "city", "430500000000", [
            Node("武冈市", "district", "430581000000", [
                Node("水西门街道", "street", "", [
                    Node("水西门社区", "community", compounds=[
                        CompoundSpec(
                            "水西门联合院落", _b("栋", 3, 2, 5), 1990, management_mode="self_management",
                            note="几个相邻老旧小区组建联合党支部。" + NAMED_BY_US,
                        ),
                    ]),
                ]),
                Node("迎春亭街道", "street", "", [
                    Node("东塔社区", "community", compounds=[
                        CompoundSpec("生资公司小区", _b("栋", 3, 2, 6), 1992, note="原生资公司职工住宅。"),
                    ]),
                ]),
            ]),
        ]),
    ]),
]  # fmt: skip


def _walk_compounds(nodes: list[Node]):
    for node in nodes:
        for spec in node.compounds:
            yield node, spec
        yield from _walk_compounds(node.children)


COMPOUND_NAMES: list[str] = [spec.name for _node, spec in _walk_compounds(TREE)]

# --- the users ---------------------------------------------------------------------------------------

# (username, role, division name, organisation, display name)
USERS: list[tuple[str, str, str, str, str]] = [
    ("district", "district_admin", "武宁县", "", "县住建局 周建华"),
    ("street", "street_staff", "新宁镇", "", "新宁镇 刘敏"),
    ("secretary", "community_secretary", "竹岭社区", "", "竹岭社区书记 陈红梅"),
    ("secretary2", "community_secretary", "白石岭社区", "", "白石岭社区书记 胡文斌"),
    ("grid", "grid_worker", "竹岭社区", "", "网格员 徐丽"),
    ("contractor", "contractor", "新宁镇", "武宁县城建工程有限公司", "施工单位 杨志强"),
    ("viewer", "viewer", "武宁县", "", "县纪委督查 吴静"),
    ("liuzhai_district", "district_admin", "惠济区", "", "惠济区住建局 王国强"),
    ("liuzhai_street", "street_staff", "刘寨街道", "", "刘寨街道 申亚楠"),
    ("liuzhai_secretary", "community_secretary", "兴南社区", "", "兴南社区书记 韩雪"),
    ("liuzhai_grid", "grid_worker", "兴南社区", "", "网格员 李娟"),
    ("liuzhai_contractor", "contractor", "刘寨街道", "郑州惠济建设工程有限公司", "施工单位 赵磊"),
    ("liuzhai_viewer", "viewer", "惠济区", "", "区督查 孙萍"),
]
DEMO_USERNAMES = ["admin", *(u[0] for u in USERS)]
DEMO_PROVINCES = [node.name for node in TREE]

# --- generated people --------------------------------------------------------------------------------

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"  # noqa: E501
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂兰华建国红梅"
    "凤玉珍海波鹏辉斌文德志宏春燕雪琴云峰俊亮林婷丹萍晶"
)
MOBILE_PREFIXES = [
    "138",
    "139",
    "135",
    "136",
    "137",
    "150",
    "151",
    "152",
    "158",
    "159",
    "186",
    "187",
    "188",
    "133",
    "153",
    "180",
    "189",
    "177",
    "182",
    "183",
    "130",
    "131",
]


class People:
    """Deterministic names, unique valid-format phones and unique ID numbers with valid check digits."""

    def __init__(self, seed: int = 2026):
        self.rng = random.Random(seed)
        self.phones: set[str] = set()
        self.ids: set[str] = set()

    def name(self, surname: str | None = None) -> str:
        rng = self.rng
        surname = surname or rng.choice(SURNAMES)
        return surname + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.65 else "")

    def phone(self) -> str:
        while True:
            phone = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if phone not in self.phones:
                self.phones.add(phone)
                return phone

    def id_number(self, region: str, born_from: int = 1940, born_to: int = 1998) -> str:
        from .validators import id_number_check_digit

        rng = self.rng
        while True:
            born = date(born_from, 1, 1) + timedelta(days=rng.randrange((born_to - born_from) * 365))
            first17 = f"{region}{born:%Y%m%d}{rng.randrange(1000):03d}"
            number = first17 + id_number_check_digit(first17)
            if number not in self.ids:
                self.ids.add(number)
                return number


def party_organizations(district: str, street: str, community: str) -> list[str]:
    return [
        f"{community}党委",
        f"{street}机关党支部",
        f"{district}住房和城乡建设局机关党支部",
        f"{district}退休干部第一党支部",
        f"{district}人民医院党总支",
        f"{district}第一中学党支部",
        f"{street}{community[:2]}居民党支部",
    ]


# --- load / reset -------------------------------------------------------------------------------------


def is_loaded() -> bool:
    from .models import Compound

    return Compound.objects.filter(name="南阳路174号院", division__name="兴南社区").exists()


def load(stdout) -> None:
    """Create the demo registry and users (call inside a transaction; `manage.py load_demo` does)."""
    import pghistory
    from django.db import transaction

    from .roster import quiet_trigger_checks

    started = time.perf_counter()
    with transaction.atomic(), pghistory.context(source="demo"):
        quiet_trigger_checks()
        divisions = _load_divisions()
        counts = _load_registry(divisions)
        _load_users(divisions)
    stdout.write(
        f"communities: {counts['compounds']} compounds, {counts['buildings']} buildings, "
        f"{counts['households']} households, {counts['people']} people, {counts['ownerships']} ownerships "
        f"in {time.perf_counter() - started:.1f} s"
    )


def _load_divisions() -> dict[str, object]:
    from .models import Division

    by_name: dict[str, Division] = {}

    def create(node: Node, parent: Division | None) -> None:
        division, _created = Division.objects.get_or_create(
            name=node.name, parent=parent, defaults={"level": node.level, "code": node.code}
        )
        by_name[node.name] = division
        for child in node.children:
            create(child, division)

    for root in TREE:
        create(root, None)
    return by_name


def _ancestors(nodes: list[Node], path: tuple[Node, ...] = ()):
    for node in nodes:
        here = (*path, node)
        if node.compounds:
            yield here
        yield from _ancestors(node.children, here)


def _load_registry(divisions: dict[str, object]) -> dict[str, int]:
    from .models import Building, Compound, Household, Ownership, Person

    people = People()
    rng = people.rng
    sources = ["register"] * 16 + ["survey"] * 3 + ["contract"]
    compounds: list[Compound] = []
    buildings: list[Building] = []
    households: list[Household] = []
    persons: list[Person] = []
    links: list[tuple[int, int, str]] = []  # (person index, household index, kind)

    for chain in _ancestors(TREE):
        community_node = chain[-1]
        district = next(n for n in chain if n.level == "district")
        street = next(n for n in chain if n.level == "street")
        community = divisions[community_node.name]
        region = district.code[:6]
        orgs = party_organizations(district.name, street.name, community_node.name)
        for spec in community_node.compounds:
            compound = Compound(
                division=community,
                name=spec.name,
                address=spec.address,
                year_built=spec.year_built,
                renovation_need=spec.renovation_need,
                management_mode=spec.management_mode,
                has_owners_committee=spec.has_owners_committee,
                note=spec.note,
            )
            compounds.append(compound)
            developer_index = None
            if spec.developer:
                persons.append(
                    Person(
                        name=spec.developer,
                        division=community,
                        is_organization=True,
                        is_developer=True,
                        phone=f"0{rng.randrange(700, 800)}-{rng.randrange(2000000, 8999999)}",
                        note="开发商：未售房屋",
                    )
                )
                developer_index = len(persons) - 1
            compound_households: list[int] = []
            for b_index, (b_name, units, floors, flats) in enumerate(spec.buildings):
                building = Building(
                    compound=compound,
                    name=b_name,
                    unit_count=units,
                    floor_count=floors,
                    year_built=spec.year_built,
                    has_elevator=b_name in spec.elevator_units,
                )
                buildings.append(building)
                last = b_index == len(spec.buildings) - 1
                skip = spec.skip_rooms if last else 0
                layout = [Decimal(rng.randrange(4200, 12800)) / 100 for _ in range(flats)]
                for unit in range(1, units + 1):
                    for floor in range(1, floors + 1):
                        for flat in range(1, flats + 1):
                            if skip and unit == 1 and floor == 1 and flat <= skip:
                                continue  # e.g. a ground-floor room turned into the gas meter room
                            area = layout[flat - 1] + Decimal(rng.randrange(-150, 151)) / 100
                            households.append(
                                Household(
                                    building=building,
                                    unit=str(unit),
                                    floor=floor,
                                    room=f"{floor}{flat:02d}",
                                    exclusive_area=max(Decimal("40.00"), min(Decimal("130.00"), area)),
                                    area_source=rng.choice(sources),
                                    is_vacant=rng.random() < 0.05,
                                )
                            )
                            compound_households.append(len(households) - 1)
            # the developer's unsold flats: the highest floors, sales-contract area, vacant
            unsold = set()
            if developer_index is not None:
                by_floor = sorted(compound_households, key=lambda i: -households[i].floor)
                unsold = set(by_floor[: spec.unsold])
                for i in unsold:
                    households[i].is_vacant = True
                    households[i].area_source = "contract"
                    links.append((developer_index, i, "owner"))
            for i in compound_households:
                if i in unsold:
                    continue
                h = households[i]
                surname = rng.choice(SURNAMES)
                owner = Person(
                    name=people.name(surname),
                    phone=people.phone(),
                    id_number=people.id_number(region),
                    division=community,
                )
                _maybe_party(owner, rng, spec.party_share, orgs)
                persons.append(owner)
                links.append((len(persons) - 1, i, "owner"))
                if rng.random() < 0.35:  # spouse on the certificate
                    spouse = Person(
                        name=people.name(),
                        phone=people.phone() if rng.random() < 0.8 else "",
                        id_number=people.id_number(region),
                        division=community,
                    )
                    _maybe_party(spouse, rng, spec.party_share, orgs)
                    persons.append(spouse)
                    links.append((len(persons) - 1, i, "co_owner"))
                if h.is_vacant:
                    continue
                if rng.random() < 0.2:  # a grown child living at home
                    persons.append(
                        Person(
                            name=people.name(surname),
                            phone=people.phone(),
                            id_number=people.id_number(region, 1975, 2004) if rng.random() < 0.5 else "",
                            division=community,
                        )
                    )
                    links.append((len(persons) - 1, i, "family"))
                if rng.random() < 0.1:  # rented out
                    persons.append(Person(name=people.name(), phone=people.phone(), division=community))
                    links.append((len(persons) - 1, i, "tenant"))

    Compound.objects.bulk_create(compounds)
    for b in buildings:
        b.compound_id = b.compound.pk
    Building.objects.bulk_create(buildings)
    for h in households:
        h.building_id = h.building.pk
    Household.objects.bulk_create(households, batch_size=2000)
    Person.objects.bulk_create(persons, batch_size=2000)
    ownerships = [
        Ownership(person_id=persons[p].pk, household_id=households[h].pk, kind=kind) for p, h, kind in links
    ]
    Ownership.objects.bulk_create(ownerships, batch_size=2000)
    return {
        "compounds": len(compounds),
        "buildings": len(buildings),
        "households": len(households),
        "people": len(persons),
        "ownerships": len(ownerships),
    }


def _maybe_party(person, rng: random.Random, share: float, orgs: list[str]) -> None:
    if rng.random() < share:
        person.is_party_member = True
        person.party_organization = rng.choice(orgs)


def _load_users(divisions: dict[str, object]) -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from .models import RoleAssignment

    User = get_user_model()
    password = make_password(DEMO_PASSWORD)  # hashed once, shared by every demo user
    admin, _created = User.objects.get_or_create(username="admin")
    admin.is_superuser = admin.is_staff = admin.is_active = True
    admin.first_name = "系统管理员"
    admin.password = password
    admin.save()
    for username, role, division_name, organization, display in USERS:
        user, _created = User.objects.get_or_create(username=username)
        user.first_name, user.is_active, user.password = display, True, password
        user.save()
        RoleAssignment.objects.get_or_create(
            user=user, role=role, division=divisions[division_name], defaults={"organization": organization}
        )


def reset(stdout) -> None:
    """Delete the demo data: other apps' demo data first (their `demo.reset`, when they have one), then
    the demo provinces' subtrees (compounds first, so rows of other apps that hang off them go too, also
    through protecting foreign keys), their people, and the demo users. A user with entries in the
    append-only access log is kept, deactivated, since the log cannot lose its subject."""
    import importlib

    import pghistory
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from .management.commands.load_demo import DEMO_MODULES
    from .models import AccessLog, Compound, Division, Person
    from .roster import quiet_trigger_checks

    with transaction.atomic(), pghistory.context(source="demo reset"):
        quiet_trigger_checks()
        for name in reversed(DEMO_MODULES):
            if name == __name__:
                continue
            try:
                module = importlib.import_module(name)
            except ModuleNotFoundError as exc:
                if exc.name == name:
                    continue
                raise
            if hasattr(module, "reset"):
                module.reset(stdout=stdout)
        roots = list(Division.objects.filter(parent__isnull=True, name__in=DEMO_PROVINCES))
        for root in roots:
            _delete_through_protection(Compound.objects.filter(division__path__startswith=root.path))
            _delete_through_protection(Person.objects.filter(division__path__startswith=root.path))
            for division in Division.objects.filter(path__startswith=root.path).order_by("-path"):
                _delete_through_protection(Division.objects.filter(pk=division.pk))
        User = get_user_model()
        logged = set(
            AccessLog.objects.filter(user__username__in=DEMO_USERNAMES).values_list("user_id", flat=True)
        )
        users = User.objects.filter(username__in=DEMO_USERNAMES)
        users.filter(pk__in=logged).update(is_active=False)
        from knox.models import AuthToken  # a queryset update sends no signal: revoke their tokens here

        AuthToken.objects.filter(user__in=users.filter(pk__in=logged)).delete()
        _delete_through_protection(users.exclude(pk__in=logged))
    stdout.write(f"demo data removed ({len(roots)} provinces)")


def _delete_through_protection(queryset, depth: int = 0) -> None:
    """Delete, first deleting whatever PROTECT/RESTRICT foreign keys keep alive (demo data only)."""
    from collections import defaultdict

    from django.db import transaction
    from django.db.models import ProtectedError, RestrictedError

    for _attempt in range(20):
        try:
            with transaction.atomic():
                queryset.delete()
            return
        except (ProtectedError, RestrictedError) as exc:
            if depth > 8:
                raise
            blocking = exc.protected_objects if isinstance(exc, ProtectedError) else exc.restricted_objects
            by_model: dict[type, set] = defaultdict(set)
            for obj in blocking:
                by_model[type(obj)].add(obj.pk)
            for model, pks in by_model.items():
                _delete_through_protection(model._default_manager.filter(pk__in=pks), depth + 1)
    queryset.delete()


def print_logins(stdout) -> None:
    port = os.environ.get("PORT", "8000")
    url = f"http://127.0.0.1:{port}/accounts/login/"
    rows = [("admin", "superuser", "全部 (everything)")]
    labels = {
        "district_admin": "district admin",
        "street_staff": "street staff",
        "community_secretary": "community secretary",
        "grid_worker": "grid worker",
        "contractor": "contractor",
        "viewer": "viewer (read-only)",
    }
    for username, role, division, organization, _display in USERS:
        area = division + (f" · {organization}" if organization else "")
        rows.append((username, labels[role], area))
    width_user = max(len(r[0]) for r in rows)
    width_role = max(len(r[1]) for r in rows)
    lines = [
        "",
        f"Log in at {url}  (password for every demo user: {DEMO_PASSWORD})",
        "",
        f"  {'username':<{width_user}}  {'role':<{width_role}}  area",
        f"  {'-' * width_user}  {'-' * width_role}  {'-' * 24}",
    ]
    lines += [f"  {u:<{width_user}}  {r:<{width_role}}  {a}" for u, r, a in rows]
    stdout.write("\n".join(lines))
