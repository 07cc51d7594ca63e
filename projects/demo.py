"""Demo data for projects, from the seed reports (shared/seeds): Wuning's elevator retrofits and
三清四改五提升 renovation, Liubei's 2022 programme, Liuzhai's 中华园小区 and 南阳路174号院.

Compounds and users come from communities/demo.py and are looked up by name; anything missing is
skipped with a note, so this loader never fails because the registry demo changed.
"""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.utils import timezone

from communities.files import demo_pdf
from communities.models import Compound, Division, Household, Person

from . import catalog_data
from .choices import (
    STATUS_ORDER,
    ActivityKind,
    BranchKind,
    FundingSource,
    MemberRole,
    PartyRole,
    ProjectStatus,
    TeamKind,
    ThemeDayKind,
    UtilityKind,
)
from .models import (
    BranchActivity,
    BranchMember,
    CatalogGroup,
    CatalogItem,
    CatalogScheme,
    CommandoTeam,
    FundingLine,
    HouseholdAssignment,
    Milestone,
    PartyBranch,
    PartyGroup,
    Programme,
    Project,
    ProjectParty,
    ProjectStatusChange,
    UtilityWork,
    WorkItem,
)

D = datetime.date
Y = Decimal


def _user(username):
    return get_user_model().objects.filter(username=username).first()


def _compound(name):
    return Compound.objects.select_related("division__parent").filter(name=name).first()


def _street_of(compound) -> Division:
    d = compound.division
    return d.parent if d.level == "community" and d.parent_id else d


def _district_of(division: Division) -> Division | None:
    return division.ancestors().filter(level="district").first()


def _walk_status(project, to_status, user, start: datetime.date):
    """Record the lifecycle up to `to_status` as if it had been walked step by step."""
    path = [s for s in STATUS_ORDER if s != ProjectStatus.REWORK]
    steps = path[: path.index(to_status) + 1]
    at = timezone.make_aware(datetime.datetime.combine(start, datetime.time(9, 0)))
    for prev, nxt in itertools.pairwise(steps):
        at += datetime.timedelta(days=20)
        ProjectStatusChange.objects.create(project=project, from_status=prev, to_status=nxt, by=user, at=at)
    project.status = to_status
    project.save(update_fields=["status"])


def _items(project, rows, cat):
    """rows: (code or None, name or None, quantity, budget, progress, start, end)"""
    for code, name, qty, budget, progress, start, end in rows:
        item = cat.get(code) if code else None
        WorkItem.objects.create(
            project=project,
            catalog_item=item,
            name=name or item.name,
            unit=item.unit if item else "项",
            quantity=Y(qty),
            budget=Y(budget),
            progress=progress,
            planned_start=start,
            planned_end=end,
        )


def _funding(project, rows):
    for source, planned, received in rows:
        FundingLine.objects.create(project=project, source=source, planned=Y(planned), received=Y(received))


def _parties(project, rows, contractor=None):
    parties = {}
    for role, name, person, hotline in rows:
        party = ProjectParty.objects.create(
            project=project, role=role, name=name, contact_person=person, public_phone=hotline
        )
        parties.setdefault(role, party)
        if role == PartyRole.CONSTRUCTION and contractor is not None:
            party.users.add(contractor)
            contractor = None  # only the first builder
    return parties


def _branch(project, name, members, *, kind=BranchKind.TEMPORARY, compounds=None, established=None):
    branch = PartyBranch.objects.create(
        kind=kind,
        name=name,
        project=project,
        division=project.division if project else compounds[0].division,
        established_on=established or (project.planned_start if project else None) or timezone.localdate(),
    )
    branch.compounds.set(compounds or project.compounds.all())
    created = []
    for member_name, org, party_org, role, public in members:
        created.append(
            BranchMember.objects.create(
                branch=branch,
                name=member_name,
                organization=org,
                party_organization=party_org,
                role=role,
                public_contact=public,
            )
        )
    # resident Party members from the registry join too, keeping their own organisation
    residents = Person.objects.filter(
        is_party_member=True, ownerships__household__building__compound__in=branch.compounds.all()
    ).distinct()[:3]
    for person in residents:
        created.append(
            BranchMember.objects.create(
                branch=branch,
                person=person,
                name=person.name,
                organization=person.employer or "小区居民",
                party_organization=person.party_organization,
                role=MemberRole.MEMBER,
                phone=person.phone,
            )
        )
    return branch, created


def _link_users(members, usernames: dict[str, str]) -> None:
    """Give demo users their branch membership, so "my households" shows what they were assigned."""
    for member in members:
        user = _user(usernames.get(member.name, ""))
        if user is not None:
            member.user = user
            member.save(update_fields=["user"])


def _groups_and_assignments(branch, members, leave_out_every=9):
    """A Party group per building; households assigned building by building to the members in turn,
    leaving about one in `leave_out_every` households unassigned (most but not all covered)."""
    workers = [m for m in members if m.role != MemberRole.FIRST_SECRETARY] or members
    workers.sort(key=lambda m: m.user_id is None)  # demo users first, so their lists are not empty
    buildings = list(
        Household.objects.filter(building__compound__in=branch.compounds.all())
        .values_list("building_id", "building__name")
        .distinct()
        .order_by("building__name")
    )
    for i, (building_id, building_name) in enumerate(buildings):
        leader = workers[i % len(workers)]
        group = PartyGroup.objects.create(
            branch=branch, building_id=building_id, name=f"{building_name}党小组", leader=leader
        )
        group.members.add(leader, workers[(i + 1) % len(workers)])
    households = list(
        Household.objects.filter(building__compound__in=branch.compounds.all())
        .order_by("building__name", "unit", "floor", "room")
        .values_list("pk", "building_id", "unit")
    )
    rows = []
    stairwells: dict[tuple[int, str], int] = {}  # each stairwell unit to one member, in turn
    for n, (hh, building_id, unit) in enumerate(households):
        if leave_out_every and n % leave_out_every == leave_out_every - 1:
            continue
        index = stairwells.setdefault((building_id, unit), len(stairwells))
        member = workers[index % len(workers)]
        rows.append(HouseholdAssignment(branch=branch, household_id=hh, member=member))
    HouseholdAssignment.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows), len(households)


def _activities(branch, members, rows):
    for kind, theme, date, topic, minutes in rows:
        a = BranchActivity.objects.create(
            branch=branch, kind=kind, theme_day_kind=theme, date=date, topic=topic, minutes=minutes
        )
        a.attendees.set(members[: max(3, len(members) - 1)])
        a.attendance_count = a.attendees.count() + (6 if kind == ActivityKind.THEME_PARTY_DAY else 0)
        a.save(update_fields=["attendance_count"])


def load(stdout) -> None:
    catalog_data.load(CatalogItem, CatalogScheme, CatalogGroup)
    if Project.objects.filter(name="民居巷血防站2单元加装电梯").exists():
        stdout.write("projects: demo already loaded")
        return
    cat = {c.code: c for c in CatalogItem.objects.all()}
    street_user = _user("street") or _user("admin")
    contractor = _user("contractor")
    today = timezone.localdate()
    made = []

    # --- Wuning (武宁县): elevators in 2 units, and the 三清四改五提升 renovation -------------------
    for compound_name, community in (("民居巷血防站", "竹岭社区"), ("老城建宿舍楼", "白石岭社区")):
        compound = _compound(compound_name)
        if compound is None:
            stdout.write(f"projects: compound {compound_name} not found, elevator demo skipped")
            continue
        p = Project.objects.create(
            name=f"{compound_name}2单元加装电梯",
            division=_street_of(compound),
            year=2021,
            category="improvement",
            is_key_project=False,
            responsible_leader="武宁县住建局党组书记",
            lead_department="武宁县住房和城乡建设局",
            schedule="业主共商、民主疏导、财政支持、上级奖扶；安全鉴定和报批审验后投入使用",
            planned_start=D(2021, 3, 1),
            planned_end=D(2021, 8, 29),
            description=f"{community}{compound_name}2单元既有住宅加装电梯，解决多层老旧住宅居民上下楼难题。",
            created_by=street_user,
        )
        p.compounds.set([compound])
        _items(p, [("I03", None, 1, 420000, 100, D(2021, 4, 1), D(2021, 8, 15))], cat)
        # the elevator serves unit 2 of building 1: its construction waited for that unit's ballot
        building = compound.buildings.filter(name="1栋").first()
        if building is not None:
            p.work_items.update(building=building, stairwell_unit="2")
        _funding(
            p,
            [
                (FundingSource.RESIDENTS, 180000, 180000),
                (FundingSource.LOCAL_FISCAL, 160000, 160000),
                (FundingSource.CENTRAL_SUBSIDY, 80000, 80000),
            ],
        )
        _parties(
            p,
            [
                (PartyRole.LEAD, "武宁县住房和城乡建设局", "住建局电梯专班", "0792-2812000"),
                (PartyRole.CONSTRUCTION, "九江电梯安装工程有限公司", "项目经理", ""),
                (PartyRole.SUPERVISION, "武宁县建设工程监理站", "总监", ""),
            ],
        )
        Milestone.objects.create(
            project=p, name="业主协商一致", planned_date=D(2021, 3, 15), actual_date=D(2021, 3, 20)
        )
        Milestone.objects.create(
            project=p, name="安全鉴定和报批审验", planned_date=D(2021, 8, 20), actual_date=D(2021, 8, 25)
        )
        Milestone.objects.create(
            project=p, name="电梯正式投入使用", planned_date=D(2021, 8, 29), actual_date=D(2021, 8, 29)
        )
        _walk_status(p, ProjectStatus.MAINTENANCE, street_user, D(2021, 2, 1))
        made.append(p)

    compound = _compound("民居巷血防站")
    if compound is not None:
        street = _street_of(compound)
        district = _district_of(street)
        programme = None
        if district is not None:
            programme, _ = Programme.objects.get_or_create(
                district=district,
                year=today.year,
                name=f"{district.name}{today.year}年城镇老旧小区改造计划",
                defaults={"target_compounds": 12, "target_households": 860, "note": "三清四改五提升"},
            )
            programme.compounds.add(*Compound.objects.filter(division__path__startswith=district.path)[:40])
        p = Project.objects.create(
            name="民居巷血防站综合改造（三清四改五提升）",
            division=street,
            programme=programme,
            year=today.year,
            category="improvement",
            is_key_project=True,
            responsible_leader="县领导包挂",
            lead_department="武宁县住房和城乡建设局",
            schedule="三月方案公示，四月进场施工，九月完工验收",
            planned_start=today - datetime.timedelta(days=60),
            planned_end=today + datetime.timedelta(days=120),
            description="每个小区组建指挥部，县领导包挂，住建局牵头，相关职能单位配合，抽调党员骨干齐力推进。",
            created_by=street_user,
        )
        p.compounds.set([compound])
        p.implementation_plan.save("plan.pdf", ContentFile(demo_pdf("Implementation plan (demo)")), save=True)
        s = today - datetime.timedelta(days=50)
        _items(
            p,
            [
                ("I13", None, 6, 8000, 100, s, s + datetime.timedelta(days=10)),
                ("I04", None, 120, 36000, 100, s, s + datetime.timedelta(days=20)),
                ("I14", None, 40, 4000, 100, s, s + datetime.timedelta(days=10)),
                (
                    "B16",
                    None,
                    800,
                    260000,
                    60,
                    s + datetime.timedelta(days=20),
                    s + datetime.timedelta(days=90),
                ),
                (
                    "B04",
                    None,
                    650,
                    310000,
                    45,
                    s + datetime.timedelta(days=30),
                    s + datetime.timedelta(days=100),
                ),
                (
                    "B15",
                    None,
                    900,
                    520000,
                    40,
                    s + datetime.timedelta(days=30),
                    s + datetime.timedelta(days=110),
                ),
                (
                    "B08",
                    None,
                    3200,
                    480000,
                    10,
                    s + datetime.timedelta(days=100),
                    s + datetime.timedelta(days=150),
                ),
                (
                    "I08",
                    None,
                    48,
                    144000,
                    0,
                    s + datetime.timedelta(days=120),
                    s + datetime.timedelta(days=160),
                ),
                (
                    "I05",
                    None,
                    1500,
                    180000,
                    0,
                    s + datetime.timedelta(days=130),
                    s + datetime.timedelta(days=165),
                ),
                (
                    "B01",
                    None,
                    2600,
                    390000,
                    70,
                    s + datetime.timedelta(days=10),
                    s + datetime.timedelta(days=80),
                ),
                (
                    "B11",
                    None,
                    1,
                    90000,
                    30,
                    s + datetime.timedelta(days=40),
                    s + datetime.timedelta(days=120),
                ),
            ],
            cat,
        )
        _funding(
            p,
            [
                (FundingSource.CENTRAL_SUBSIDY, 1200000, 800000),
                (FundingSource.LOCAL_FISCAL, 700000, 300000),
                (FundingSource.UTILITY_COMPANIES, 420000, 120000),
                (FundingSource.RESIDENTS, 80000, 30000),
            ],
        )
        parties = _parties(
            p,
            [
                (PartyRole.LEAD, "武宁县住房和城乡建设局", "项目指挥部", "0792-2812000"),
                (PartyRole.DESIGN, "九江市建筑设计研究院", "设计负责人", ""),
                (PartyRole.CONSTRUCTION, "江西建工第三建筑有限责任公司", "项目经理", "0792-2816688"),
                (PartyRole.SUPERVISION, "九江建设监理有限公司", "总监理工程师", ""),
                (PartyRole.UTILITY, "武宁县自来水公司", "管网科", ""),
                (PartyRole.UTILITY, "国网武宁县供电公司", "配电班", ""),
            ],
            contractor=contractor,
        )
        ProjectParty.objects.create(
            project=p, role=PartyRole.UTILITY, name="武宁县燃气公司", contact_person="管网所"
        )
        Milestone.objects.create(project=p, name="改造方案公示", planned_date=s, actual_date=s)
        Milestone.objects.create(
            project=p,
            name="管网改造完成",
            planned_date=today - datetime.timedelta(days=5),
            note="雨污分流管网尚未完成（逾期示例）",
        )
        Milestone.objects.create(
            project=p, name="道路及停车位改造完成", planned_date=today + datetime.timedelta(days=100)
        )
        Milestone.objects.create(
            project=p, name="竣工验收", planned_date=today + datetime.timedelta(days=120)
        )
        w = today - datetime.timedelta(days=10)
        utility = parties.get(PartyRole.UTILITY)
        for kind, zone, start, days in (
            (UtilityKind.WATER, "主干道（东门至3栋）", w, 20),
            (UtilityKind.RAIN_SEWAGE, "主干道（东门至3栋）", w + datetime.timedelta(days=5), 25),
            (UtilityKind.TELECOM, "主干道（东门至3栋）", w + datetime.timedelta(days=10), 10),
            (UtilityKind.POWER, "主干道（东门至3栋）", w + datetime.timedelta(days=60), 10),
            (UtilityKind.GAS, "1栋北侧", w + datetime.timedelta(days=15), 10),
            (UtilityKind.WATER, "1栋北侧", w + datetime.timedelta(days=18), 8),
        ):
            UtilityWork.objects.create(
                project=p,
                kind=kind,
                zone=zone,
                window_start=start,
                window_end=start + datetime.timedelta(days=days),
                party=utility if kind in (UtilityKind.WATER, UtilityKind.POWER) else None,
            )
        _walk_status(p, ProjectStatus.UNDER_CONSTRUCTION, street_user, s - datetime.timedelta(days=80))
        branch, members = _branch(
            p,
            "民居巷血防站改造项目临时党支部",
            [
                ("刘竹岭", "竹岭社区党委", "竹岭社区党委", MemberRole.SECRETARY, "0792-2813456"),
                ("陈副县长", "武宁县人民政府", "县政府机关党委", MemberRole.FIRST_SECRETARY, ""),
                (
                    "黄建国",
                    "武宁县住房和城乡建设局",
                    "住建局机关党支部",
                    MemberRole.COMMITTEE,
                    "0792-2812000",
                ),
                ("吴城管", "武宁县城市管理局", "城管局党支部", MemberRole.COMMITTEE, ""),
                ("周项目", "江西建工第三建筑有限责任公司", "江西建工三公司党委", MemberRole.MEMBER, ""),
                ("郑设计", "九江市建筑设计研究院", "设计院党支部", MemberRole.MEMBER, ""),
                ("孙监理", "九江建设监理有限公司", "监理公司党支部", MemberRole.MEMBER, ""),
                ("何网格", "竹岭社区居委会", "竹岭社区党委", MemberRole.MEMBER, ""),
            ],
            established=s - datetime.timedelta(days=70),
        )
        team = CommandoTeam.objects.create(
            branch=branch,
            kind=TeamKind.COMMANDO,
            name="党员突击队",
            task="清违建、清杂物攻坚，入户做通思想工作",
        )
        team.members.set(members[2:6])
        post = CommandoTeam.objects.create(
            branch=branch, kind=TeamKind.MODEL_POST, name="党员示范岗（施工现场）", task="文明施工、安全巡查"
        )
        post.members.set(members[4:5])
        _link_users(members, {"刘竹岭": "secretary", "何网格": "grid"})
        assigned, total = _groups_and_assignments(branch, members)
        _activities(
            branch,
            members,
            [
                (
                    ActivityKind.COMMITTEE,
                    "",
                    s - datetime.timedelta(days=65),
                    "研究“三清四改五提升”改造方案",
                    "明确分工：每名党员包保若干户。",
                ),
                (
                    ActivityKind.THEME_PARTY_DAY,
                    ThemeDayKind.DOOR_TO_DOOR,
                    s - datetime.timedelta(days=55),
                    "入户宣传动员日：讲解改造政策",
                    "分组入户，发放改造告知书，收集意见建议。",
                ),
                (
                    ActivityKind.EXPANDED,
                    "",
                    s - datetime.timedelta(days=20),
                    "支委扩大会：协调雨污分流与燃气管线同步开挖",
                    "施工、设计、监理、管线单位列席。",
                ),
                (
                    ActivityKind.THEME_PARTY_DAY,
                    ThemeDayKind.OPINION_COLLECTION,
                    today - datetime.timedelta(days=7),
                    "意见收集日",
                    "收集停车位、绿化意见。",
                ),
            ],
        )
        made.append(p)
        stdout.write(f"projects: 民居巷血防站 branch covers {assigned} of {total} households")

    # --- Liubei (柳北区): the 2022 programme of 23 compounds, 4,032 households ------------------------
    liubei = Division.objects.filter(name="柳北区").first()
    if liubei is not None:
        programme, _ = Programme.objects.get_or_create(
            district=liubei,
            year=2022,
            name="柳北区2022年老旧小区改造计划",
            defaults={
                "target_compounds": 23,
                "target_households": 4032,
                "target_investment": Y("120000000"),
                "note": "13个小区已进场施工，10个小区正在稳步推进中。",
            },
        )
        compounds = list(
            Compound.objects.filter(division__path__startswith=liubei.path).select_related("division")[:23]
        )
        programme.compounds.add(*compounds)
        for i, compound in enumerate(compounds[:4]):
            p = Project.objects.create(
                name=f"{compound.name}综合整治",
                division=compound.division,
                programme=programme,
                year=2022,
                category="basic",
                is_key_project=i == 0,
                responsible_leader="柳北区分管副区长",
                lead_department="柳北区住房和城乡建设局",
                schedule="按照“居民自愿、自下而上”原则分批推进",
                planned_start=D(2022, 4, 1),
                planned_end=D(2022, 12, 31),
                created_by=street_user,
            )
            p.compounds.set([compound])
            _items(
                p,
                [
                    (
                        "B05",
                        "下水管道疏通改造",
                        400,
                        260000,
                        80 if i % 2 == 0 else 30,
                        D(2022, 5, 1),
                        D(2022, 8, 1),
                    ),
                    ("B15", None, 600, 380000, 70 if i % 2 == 0 else 20, D(2022, 5, 1), D(2022, 9, 1)),
                    (
                        "I08",
                        "机动车停车位",
                        30,
                        90000,
                        40 if i % 2 == 0 else 0,
                        D(2022, 8, 1),
                        D(2022, 11, 1),
                    ),
                ],
                cat,
            )
            _funding(
                p,
                [
                    (FundingSource.CENTRAL_SUBSIDY, 300000, 300000),
                    (FundingSource.CENTRAL_BUDGET, 200000, 150000),
                    (FundingSource.SOE_THREE_SUPPLIES, 120000, 120000),
                    (FundingSource.DISTRICT_MATCHING, 80000, 40000),
                    (FundingSource.UTILITY_COMPANIES, 30000, 0),
                ],
            )
            _parties(p, [(PartyRole.LEAD, "柳北区住房和城乡建设局", "城建股", "0772-2600000")])
            _walk_status(
                p,
                ProjectStatus.UNDER_CONSTRUCTION if i % 2 == 0 else ProjectStatus.APPROVED,
                street_user,
                D(2022, 1, 10),
            )
            made.append(p)
    else:
        stdout.write("projects: 柳北区 not found, Liubei programme skipped")

    # --- Liuzhai (刘寨街道): 中华园小区 with its branch and owners' committee; 南阳路174号院 gas ---------
    compound = _compound("中华园小区")
    if compound is not None:
        p = Project.objects.create(
            name="中华园小区综合改造",
            division=_street_of(compound),
            year=2021,
            category="improvement",
            is_key_project=True,
            responsible_leader="刘寨街道党工委书记",
            lead_department="刘寨街道办事处",
            schedule="改造前动员、改造中监督、改造后引导业委会引入物业服务",
            planned_start=D(2021, 4, 1),
            planned_end=D(2021, 11, 30),
            created_by=street_user,
        )
        p.compounds.set([compound])
        _items(
            p,
            [
                ("B10", "暖气改造植入", 210, 630000, 100, D(2021, 5, 1), D(2021, 10, 15)),
                ("I09", "电动车充电桩安装", 40, 60000, 100, D(2021, 6, 1), D(2021, 7, 1)),
                ("I05", "游园绿化提升", 1800, 220000, 100, D(2021, 8, 1), D(2021, 10, 1)),
                ("B15", None, 500, 300000, 100, D(2021, 5, 1), D(2021, 8, 1)),
            ],
            cat,
        )
        _funding(
            p,
            [
                (FundingSource.CENTRAL_SUBSIDY, 700000, 700000),
                (FundingSource.LOCAL_FISCAL, 400000, 400000),
                (FundingSource.RESIDENTS, 110000, 110000),
            ],
        )
        _parties(
            p,
            [
                (PartyRole.LEAD, "刘寨街道办事处", "改造指挥部", "0371-6366000"),
                (PartyRole.DESIGN, "郑州市市政设计院", "设计代表", ""),
                (PartyRole.CONSTRUCTION, "河南城建施工有限公司", "项目经理", ""),
                (PartyRole.SUPERVISION, "郑州建设监理公司", "监理", ""),
            ],
        )
        Milestone.objects.create(
            project=p, name="成立中华园小区业主委员会", planned_date=D(2021, 5, 1), actual_date=D(2021, 5, 20)
        )
        Milestone.objects.create(
            project=p, name="竣工验收", planned_date=D(2021, 11, 30), actual_date=D(2021, 12, 10)
        )
        _walk_status(p, ProjectStatus.ACCEPTED, street_user, D(2021, 1, 5))
        branch, members = _branch(
            p,
            "刘寨街道老旧小区综合改造整治临时党支部",
            [
                ("马书记", "兴南社区党委", "兴南社区党委", MemberRole.SECRETARY, "0371-6366123"),
                ("冯指挥", "改造指挥部", "刘寨街道机关党支部", MemberRole.COMMITTEE, ""),
                ("许施工", "河南城建施工有限公司", "城建公司党支部", MemberRole.MEMBER, ""),
                ("邓设计", "郑州市市政设计院", "设计院党总支", MemberRole.MEMBER, ""),
                ("曹监理", "郑州建设监理公司", "监理公司党支部", MemberRole.MEMBER, ""),
                ("彭代表", "中华园小区业主委员会", "兴南社区第二党支部", MemberRole.MEMBER, ""),
            ],
            established=D(2021, 3, 1),
        )
        _link_users(members, {"马书记": "liuzhai_secretary", "彭代表": "liuzhai_grid"})
        _groups_and_assignments(branch, members, leave_out_every=12)
        _activities(
            branch,
            members,
            [
                (ActivityKind.MEMBERS, "", D(2021, 3, 10), "党员大会：动员党员亮身份、作表率", ""),
                (
                    ActivityKind.EXPANDED,
                    "",
                    D(2021, 4, 20),
                    "指导成立中华园小区业主委员会",
                    "制定标准、民主表决选举，业委会成立后配合改造工作。",
                ),
                (
                    ActivityKind.THEME_PARTY_DAY,
                    ThemeDayKind.RECEPTION,
                    D(2021, 6, 12),
                    "居民公开接待日",
                    "解答暖气改造植入问题。",
                ),
            ],
        )
        made.append(p)
    else:
        stdout.write("projects: 中华园小区 not found, skipped")

    compound = _compound("南阳路174号院")
    if compound is not None:
        p = Project.objects.create(
            name="南阳路174号院煤改气",
            division=_street_of(compound),
            year=2021,
            category="basic",
            responsible_leader="兴南社区书记",
            lead_department="刘寨街道兴南社区",
            schedule="与产权单位、天然气公司和施工单位沟通协调，挨家挨户征求意见",
            planned_start=D(2021, 6, 1),
            planned_end=D(2021, 10, 31),
            description="居民入住22年仍未通天然气；解决5栋楼173户居民的用气问题。",
            created_by=street_user,
        )
        p.compounds.set([compound])
        _items(p, [("B09", "煤改气（天然气入户）", 173, 519000, 100, D(2021, 7, 1), D(2021, 10, 15))], cat)
        _funding(
            p,
            [
                (FundingSource.LOCAL_FISCAL, 259500, 259500),
                (FundingSource.UTILITY_COMPANIES, 173000, 173000),
                (FundingSource.RESIDENTS, 86500, 86500),
            ],
        )
        _parties(
            p,
            [
                (PartyRole.LEAD, "南阳路174号院产权单位", "后勤处", ""),
                (PartyRole.UTILITY, "郑州华润燃气股份有限公司", "工程部", "96777"),
                (PartyRole.CONSTRUCTION, "燃气安装工程公司", "项目经理", ""),
            ],
        )
        _walk_status(p, ProjectStatus.ACCEPTED, street_user, D(2021, 5, 1))
        made.append(p)

    # a joint branch (联合党支部) over small neighbouring compounds without their own project
    loose = list(
        Compound.objects.filter(projects__isnull=True)
        .select_related("division")
        .order_by("division", "name")[:40]
    )
    by_community: dict[int, list] = {}
    for c in loose:
        by_community.setdefault(c.division_id, []).append(c)
    group = next((cs for cs in by_community.values() if len(cs) >= 2), None)
    if group:
        branch, members = _branch(
            None,
            f"{group[0].division.name}老旧小区联合党支部",
            [
                (
                    f"{group[0].division.name}党建指导员",
                    group[0].division.name,
                    f"{group[0].division.name}党委",
                    MemberRole.SECRETARY,
                    "",
                ),
                ("小区党员甲", "退休职工", "社区退休党员支部", MemberRole.COMMITTEE, ""),
            ],
            kind=BranchKind.JOINT,
            compounds=group[:3],
        )
        _groups_and_assignments(branch, members, leave_out_every=5)

    stdout.write(f"projects: {len(made)} demo projects")
