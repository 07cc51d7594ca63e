"""Demo consultations from the seed reports (shared/seeds), on the demo compounds loaded by
communities/projects. Places are looked up by name; a missing place is skipped with a note.

- Liuzhai street (刘寨街道, Zhengzhou): "小板凳" bench meetings and a 一征三议两公开 matter;
- Liupanshui/Guiyang (东风西路社区): the "敲门行动": 70 members, ~1,600 visits, 80+ opinions → demand list;
- Wuning county (武宁县): the written-registration consent drive (入户走访及书面登记, 95% consent);
- Wugang (武冈市): 136 residents' demands collected in 2022, all handled.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from communities.models import Compound, Division, Household

from . import choices, services
from .models import Deliberation, Meeting, Notice, Opinion, Visit

TZ = ZoneInfo("Asia/Shanghai")

GUIYANG_OPINIONS = [
    ("parking", "小区停车位太少，晚上车辆乱停，希望规划停车位"),
    ("elderly_care", "老人多，希望建一个日间照料点"),
    ("elderly_care", "楼道加装扶手，方便老人上下楼"),
    ("pipelines", "自来水管老化，经常漏水"),
    ("drainage", "下雨天院子积水，排水不畅"),
    ("lighting", "路灯坏了很久，晚上出行不安全"),
    ("leaks_roofs", "顶楼漏水，墙面发霉"),
    ("roads", "路面坑洼，老人容易摔倒"),
    ("safety", "希望安装监控和门禁"),
    ("greening", "绿化带荒废，希望补种"),
    ("property_service", "希望引入物业，垃圾清运不及时"),
    ("elevator", "希望加装电梯"),
]
WUGANG_OPINIONS = [
    ("drainage", "雨污管网混接，化粪池满溢"),
    ("roads", "主干道破损，希望黑化"),
    ("parking", "增设非机动车充电棚"),
    ("lighting", "增设楼道感应灯"),
    ("greening", "清理杂物，增设休闲座椅"),
    ("pipelines", "强弱电线路杂乱，希望规整入地"),
    ("property_service", "成立自管会，规范收费"),
    ("safety", "消防通道被占，希望整治"),
    ("leaks_roofs", "屋面防水层老化"),
    ("elderly_care", "希望设老年活动室"),
]


def _subtree(name_fragment: str):
    division = Division.objects.filter(name__contains=name_fragment).order_by("path").first()
    if division is None:
        return None, Compound.objects.none()
    return division, Compound.objects.filter(division__path__startswith=division.path).select_related(
        "division"
    )


def _staff_user(division):
    from communities.models import RoleAssignment

    ids = [int(p) for p in division.path.strip("/").split("/") if p]
    ra = (
        RoleAssignment.objects.filter(division__path__startswith=division.path)
        .exclude(role__in=["contractor", "viewer"])
        .select_related("user")
        .first()
    ) or (
        RoleAssignment.objects.filter(division_id__in=ids, role__in=["district_admin", "street_staff"])
        .select_related("user")
        .first()
    )
    return ra.user if ra else None


def _when(rng: random.Random, start: datetime, days: int) -> datetime:
    return start + timedelta(
        days=rng.randint(0, days - 1), hours=rng.randint(8, 20), minutes=rng.randint(0, 59)
    )


def load(stdout) -> None:
    rng = random.Random(2024)
    services.ensure_standard_procedures()
    _notice_policies(stdout)
    for part in (_guiyang, _liuzhai, _wuning, _wugang):
        part(stdout, rng)


def _notice_policies(stdout) -> None:
    """Each county sets how long its notices stay up (公示期); the notice form and
    services.publish_notice use the nearest policy when no period is given."""
    from .models import NoticePolicy

    for name, days, note in [
        ("武宁县", 7, "改造方案、参建单位等公示不少于7天"),
        ("惠济区", 5, "改造方案公示5天，公示期内受理异议"),
    ]:
        division = Division.objects.filter(name=name).order_by("path").first()
        if division is not None:
            NoticePolicy.objects.get_or_create(
                division=division, defaults={"default_days": days, "note": note}
            )


def _members_for(compounds, want: int, division=None):
    from projects.choices import BranchKind
    from projects.models import BranchMember, PartyBranch

    branch = PartyBranch.objects.filter(compounds__in=compounds).distinct().first()
    if branch is None and division is not None and compounds:
        # the seed's members belong to the community's joint branch over its small compounds
        branch = PartyBranch.objects.create(
            kind=BranchKind.JOINT, name=f"{division.name}联合党支部", division=division
        )
        branch.compounds.set(compounds)
    if branch is None:
        return []
    members = list(BranchMember.objects.filter(branch=branch))
    if len(members) < want:
        BranchMember.objects.bulk_create(
            [
                BranchMember(branch=branch, name=f"党员干部{i + 1:02d}", organization="东风西路社区")
                for i in range(len(members), want)
            ]
        )
        members = list(BranchMember.objects.filter(branch=branch))
    return members


def _guiyang(stdout, rng) -> None:
    division, compounds = _subtree("东风西路")
    if division is None:
        division, compounds = _subtree("红岩")
    if division is None:
        division, compounds = _subtree("贵阳")
    households = list(Household.objects.filter(building__compound__in=compounds).select_related("building"))
    if not households:
        stdout.write("consultations demo: 敲门行动 skipped (no Guizhou compound with households)")
        return
    if Visit.objects.filter(compound__in=compounds).exists():
        return
    user = _staff_user(division)
    members = _members_for(compounds, 70, division)
    start = datetime(2023, 3, 1, tzinfo=TZ)
    visits = []
    occupied = [h for h in households if not h.is_vacant]
    # every occupied household at least once, then repeat visits up to ~1,600 person-visits
    order = occupied + [rng.choice(occupied) for _ in range(max(0, 1600 - len(occupied)))]
    for h in order[:1600]:
        attitude = rng.choices(["support", "neutral", "oppose", "not_at_home"], weights=[70, 12, 4, 14])[0]
        visits.append(
            Visit(
                household=h,
                compound_id=h.building.compound_id,
                visitor=user,
                member=rng.choice(members) if members else None,
                visited_at=_when(rng, start, 60),
                channel=rng.choices(["door", "phone", "wechat"], weights=[80, 12, 8])[0],
                attitude=attitude,
                notes="敲门行动" if attitude != "not_at_home" else "家中无人，改日再访",
            )
        )
    Visit.objects.bulk_create(visits, batch_size=1000)
    answered = [v for v in visits if v.attitude != "not_at_home"]
    opinions = []
    for i in range(84):
        v = answered[i * max(1, len(answered) // 84) % len(answered)]
        category, content = GUIYANG_OPINIONS[i % len(GUIYANG_OPINIONS)]
        status = rng.choices(
            ["received", "accepted", "planned", "resolved", "declined"], weights=[15, 45, 0, 25, 15]
        )[0]
        opinions.append(
            Opinion(
                compound_id=v.compound_id,
                household=v.household,
                source="visit",
                visit=v,
                category=category,
                content=content,
                status=status,
                decline_reason="属于住户自有部分，不在公共改造范围" if status == "declined" else "",
                accepted_at=v.visited_at if status in ("accepted", "resolved") else None,
                resolved_at=v.visited_at + timedelta(days=90) if status == "resolved" else None,
                answer="已纳入需求清单，随改造实施" if status in ("accepted", "resolved") else "",
                rating=rng.choice(["satisfied", "satisfied", "basically"]) if status == "resolved" else "",
                created_by=user,
                created_at=v.visited_at,
            )
        )
    Opinion.objects.bulk_create(opinions)
    stdout.write(
        f"consultations demo: 敲门行动 {len(visits)} visits, {len(opinions)} opinions, {len(members)} members"
    )


def _liuzhai(stdout, rng) -> None:
    division, compounds = _subtree("刘寨")
    compounds = list(compounds)
    if not compounds:
        stdout.write("consultations demo: 小板凳议事会 skipped (no Liuzhai compound)")
        return
    if Meeting.objects.filter(compound__in=compounds).exists():
        return
    user = _staff_user(division)
    topics = [
        ("下水管道不畅、雨污分流", "雨污分流与下水管道改造列为优先项目"),
        ("机动车停车位困难", "利用边角地增设停车位 30 个"),
        ("改造方案征求意见", "方案经居民讨论通过，进入公示"),
        ("引入物业服务公司", "由业委会牵头选聘物业"),
    ]
    meetings = []
    for i, compound in enumerate(compounds[:3]):
        for j, (topic, decision) in enumerate(topics):
            households = rng.randint(15, 40)
            meetings.append(
                Meeting(
                    kind="bench",
                    title=f"“小板凳”议事会：{topic}",
                    division=compound.division,
                    compound=compound,
                    held_at=datetime(2023, 4 + j, 10 + i, 15, 0, tzinfo=TZ),
                    place=f"{compound.name}楼院",
                    host="社区党支部书记",
                    households_present=households,
                    people_present=households + rng.randint(5, 20),
                    topics=topic,
                    minutes="拉个小板凳，泡一杯茶水，与群众促膝交谈，听取意见，收集诉求。",
                    decisions=decision,
                    created_by=user,
                )
            )
    Meeting.objects.bulk_create(meetings)
    procedure = services.ensure_standard_procedures()[0]
    compound = compounds[0]
    if user is not None and not Deliberation.objects.filter(compound=compound).exists():
        try:
            d = services.start_deliberation(
                user=user, procedure=procedure, title=f"{compound.name}改造内容确定", compound=compound
            )
            steps = list(d.steps.order_by("order"))
            services.complete_step(
                steps[0], user=user, note="入户征求意见，收集诉求", done_at=datetime(2023, 3, 20, tzinfo=TZ)
            )
            first = [m for m in meetings if m.compound_id == compound.pk]
            for step, meeting in zip(steps[1:4], first, strict=False):
                services.complete_step(step, user=user, meeting=meeting)
            notice = services.publish_notice(
                compound=compound,
                title=f"{compound.name}改造方案公示",
                body="经居民会议决议，改造内容为：雨污分流、下水管道疏通、增设停车位。公示期内如有异议请扫码提出。",
                user=user,
                kind=choices.NoticeKind.DECISION,
            )
            services.complete_step(steps[4], user=user, notice=notice)
        except Exception as exc:  # a demo must never stop the load
            stdout.write(f"consultations demo: deliberation skipped ({exc})")
    stdout.write(f"consultations demo: {len(meetings)} 小板凳 meetings")


def _wuning(stdout, rng) -> None:
    division, compounds = _subtree("武宁")
    households = list(
        Household.objects.filter(building__compound__in=compounds, is_vacant=False).select_related("building")
    )
    if not households:
        stdout.write("consultations demo: 武宁书面登记 skipped (no Wuning compound with households)")
        return
    if Visit.objects.filter(compound__in=compounds).exists():
        return
    user = _staff_user(division)
    start = datetime(2022, 5, 1, tzinfo=TZ)
    # the demo users' own stairwells are under way, not finished: their upper floors are still to
    # visit, so "my households" shows who is left and logging a visit changes the figures
    from projects.models import HouseholdAssignment

    to_do = set(
        HouseholdAssignment.objects.filter(
            household__in=households, member__user__isnull=False, household__floor__gte=4
        ).values_list("household_id", flat=True)
    )
    households = [h for h in households if h.pk not in to_do]
    visits = []
    for h in households:
        support = rng.random() < 0.95
        visits.append(
            Visit(
                household=h,
                compound_id=_compound_id(h),
                visitor=user,
                visited_at=_when(rng, start, 20),
                channel="door",
                attitude="support" if support else rng.choice(["neutral", "oppose"]),
                notes="入户走访，书面登记：同意改造" if support else "入户走访，书面登记：暂不同意",
            )
        )
    Visit.objects.bulk_create(visits, batch_size=1000)
    demands = _wuning_demands(visits, user)
    compound = compounds.first()
    if user is not None and not Notice.objects.filter(compound=compound).exists():
        services.publish_notice(
            compound=compound,
            title=f"{compound.name}改造项目及参建单位公示",
            body="改造项目、施工单位、监理单位、项目负责人、社区监管员公示如下，欢迎居民监督。",
            user=user,
            kind=choices.NoticeKind.PARTIES,
            starts_at=timezone.now() - timedelta(days=2),
        )
    stdout.write(
        f"consultations demo: 武宁书面登记 {len(visits)} households visited, {demands} demands on work items"
    )


# (work item name in projects/demo.py, category, what residents said, status); work items of projects
# made by later apps' demos (supervision) do not exist yet when this runs
WUNING_DEMANDS = [
    ("雨污分流改造", "drainage", "一下雨院子就积水，化粪池返味", "resolved"),
    ("雨污分流改造", "drainage", "下水道经常堵，希望彻底改造", "planned"),
    ("供水管网改造", "pipelines", "水管锈蚀，自来水发黄", "resolved"),
    ("屋面防水及修缮", "leaks_roofs", "顶楼漏水，墙面发霉", "planned"),
    ("停车设施（停车位、停车库）", "parking", "晚上回来没地方停车", "planned"),
    ("小区道路改造", "roads", "路面坑洼，老人容易摔倒", "resolved"),
    ("架空线缆规整及入地", "pipelines", "楼前电线像蜘蛛网，担心安全", "planned"),
    ("消防设施改造", "safety", "楼道没有灭火器，消防通道被占", "accepted"),
    ("清理楼道堆物杂物", "safety", "楼道堆满杂物，着火了跑不出去", "resolved"),
    ("绿化提升", "greening", "绿化带荒了，希望补种", "accepted"),
]


def _wuning_demands(visits, user) -> int:
    """Opinions raised in the Wuning visits, taken through the lifecycle by the services onto the real
    work items of the demo projects, so the project page's "work items from residents' demands" is
    not 0/N and a work item shows the demands behind it."""
    from projects.models import WorkItem

    if user is None:
        return 0
    answered = [v for v in visits if v.attitude == "support"]
    compound_ids = {v.compound_id for v in answered}
    made = 0
    for i, (item_name, category, content, status) in enumerate(WUNING_DEMANDS):
        item = (
            WorkItem.objects.filter(name=item_name, project__compounds__in=compound_ids)
            .select_related("project")
            .order_by("-project__year", "-project_id")
            .first()
        )
        if item is None:
            continue
        covered = set(item.project.compounds.values_list("pk", flat=True))
        candidates = [v for v in answered if v.compound_id in covered]
        if not candidates:
            continue
        visit = candidates[(i * 7) % len(candidates)]
        opinion = Opinion.objects.create(
            compound_id=visit.compound_id,
            household=visit.household,
            project=item.project,
            source=choices.OpinionSource.VISIT,
            visit=visit,
            category=category,
            content=content,
            created_by=user,
            created_at=visit.visited_at,
        )
        services.transition_opinion(opinion, "accepted", user=user, answer="已纳入需求清单")
        if status in ("planned", "resolved"):
            services.transition_opinion(
                opinion, "planned", user=user, work_item=item, answer=f"纳入“{item.name}”实施"
            )
        if status == "resolved":
            # the household's own part was done ahead of the whole work item: resolved with the reason
            early = "" if item.progress >= 100 else "该户诉求所涉部位已先行整改到位，经居民当面确认"
            services.transition_opinion(
                opinion, "resolved", user=user, answer="已整改到位，请监督", reason=early
            )
            services.rate_opinion(opinion, user=user, rating="satisfied")
        made += 1
    return made


def _compound_id(household) -> int:
    return household.building.compound_id


def _wugang(stdout, rng) -> None:
    division, compounds = _subtree("武冈")
    compounds = list(compounds)
    if not compounds:
        stdout.write("consultations demo: 武冈 136 demands skipped (no Wugang compound)")
        return
    if Opinion.objects.filter(compound__in=compounds).exists():
        return
    user = _staff_user(division)
    households = list(Household.objects.filter(building__compound__in=compounds).select_related("building"))
    start = datetime(2022, 2, 1, tzinfo=TZ)
    opinions = []
    for i in range(136):
        category, content = WUGANG_OPINIONS[i % len(WUGANG_OPINIONS)]
        h = households[i % len(households)] if households else None
        compound_id = h.building.compound_id if h else compounds[i % len(compounds)].pk
        created = _when(rng, start, 300)
        resolved = i % 9 != 0
        opinions.append(
            Opinion(
                compound_id=compound_id,
                household=h,
                source=rng.choice(["visit", "meeting", "wechat_group", "hotline", "suggestion_box"]),
                category=category,
                content=content,
                status="resolved" if resolved else "accepted",
                accepted_at=created + timedelta(days=3),
                resolved_at=created + timedelta(days=60) if resolved else None,
                answer="网格员与楼栋长上门核实，已妥善处置到位" if resolved else "已纳入改造方案，随工程实施",
                answered_at=created + timedelta(days=7),
                rating=rng.choices(["satisfied", "basically", "unsatisfied"], weights=[80, 17, 3])[0]
                if resolved
                else "",
                rated_at=created + timedelta(days=65) if resolved else None,
                created_by=user,
                created_at=created,
            )
        )
    Opinion.objects.bulk_create(opinions)
    stdout.write("consultations demo: 武冈 136 demands")
