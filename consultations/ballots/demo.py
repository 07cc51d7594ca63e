"""Demo ballots from the seed reports, made through the services (as users would), with votes so the
results show: a renovation consent (95%) at Liuzhai's 中华园小区, the elevator at Wuning's 民居巷血防站
unit 2 (art. 278 major, with the owner whose part it occupies), an acceptance satisfaction survey at
南阳路174号院 (secret), an owners' decision under art. 278 (ordinary) at 中华园小区, and an open plan
choice at 天秀家园 to try voting with. Places are looked up by name; a missing one is skipped."""

from __future__ import annotations

import random
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from communities.models import Compound

from . import choices, services
from .models import Ballot


def _compound(name: str):
    return Compound.objects.filter(name=name).select_related("division").first()


def _project(name: str):
    from projects.models import Project

    return Project.objects.filter(name=name).first()


def _user(username: str):
    return get_user_model().objects.filter(username=username).first()


def _vote_all(
    ballot: Ballot, user, plan: list[str | None], *, paper_every: int = 0, rng: random.Random, issuer=None
) -> None:
    """plan[i] is the option label for the i-th elector (None: does not vote). Every `paper_every`-th
    vote is entered by staff from a paper form, the rest are cast online with the slip's code."""
    issued = services.issue_codes(ballot, issuer or ballot.created_by)
    options = {o.label: o for o in ballot.options.all()}
    electors = {e.pk: e for e in ballot.electors.all()}
    for n, (item, label) in enumerate(zip(issued, plan, strict=False), start=1):
        if label is None:
            continue
        if paper_every and n % paper_every == 0:
            services.record_staff_vote(
                user=user,
                elector=electors[item.elector_id],
                option=options[label],
                paper_serial=f"{ballot.pk}-{n:04d}",
            )
        else:
            services.cast_online_vote(code=item.code, option_id=options[label].pk)


def _plan(total: int, counts: list[tuple[str | None, int]], rng: random.Random) -> list[str | None]:
    plan: list[str | None] = []
    for label, count in counts:
        plan += [label] * count
    plan += [None] * max(0, total - len(plan))
    rng.shuffle(plan)
    return plan[:total]


def _policies(stdout) -> None:
    """One rule policy per demo district with the defaults of DESIGN.md §4 (consent 95% of all
    households, satisfaction 90% of answers, art. 278 2/3 participation, > 1/2 and >= 3/4), so ballots
    take their rule from data, as the street users would see it."""
    from datetime import date

    from communities.models import Division

    from .models import RulePolicy

    ids = set()
    for path in Compound.objects.values_list("division__path", flat=True):
        ids.update(int(p) for p in path.strip("/").split("/") if p)
    from consultations.models import DeliberationProcedure
    from consultations.services import ensure_standard_procedures

    ensure_standard_procedures()
    procedure = DeliberationProcedure.objects.filter(code="yizheng-sanyi-ergongkai", division=None).first()
    made = 0
    for district in Division.objects.filter(pk__in=ids, level="district"):
        _policy, created = RulePolicy.objects.get_or_create(
            division=district,
            # in force from long before the demo's oldest project (2021), so its gates apply to all
            effective_from=date(2020, 1, 1),
            defaults={
                "name": f"{district.name}老旧小区改造表决规则",
                "note": "改造意愿征询须经95%以上住户同意；方案公示不少于7天；方案批复前完成“一征三议两公开”，"
                "入户走访覆盖90%以上住户；技术验收组含两名居民代表；竣工验收满意度（满意与基本满意）"
                "须达90%；业主共同决定按《民法典》第二百七十八条。",
                "deliberation_procedure": procedure,
            },
        )
        made += created
    stdout.write(f"ballots: {made} rule policies")


# the ballots made below: any of them present means the demo ran (on the full seed or a part of it)
DEMO_TITLES = [
    "中华园小区综合改造意愿征询",
    "中华园小区业主大会：选聘正美物业提供物业服务",
    "民居巷血防站1栋2单元加装电梯",
    "南阳路174号院“煤改气”及管网改造竣工满意度测评",
    "天秀家园停车位改造方案选择",
]


def load(stdout) -> None:
    _policies(stdout)
    if Ballot.objects.filter(title__in=DEMO_TITLES).exists():
        stdout.write("ballots: demo already loaded")
        return
    rng = random.Random(2026)
    now = timezone.now()
    made = 0
    liuzhai_street, liuzhai_grid = _user("liuzhai_street"), _user("liuzhai_grid")
    street = _user("street")

    zhonghua = _compound("中华园小区")
    if zhonghua is not None and liuzhai_street is not None:
        # 1. renovation consent at 95% of all households
        ballot = services.create_ballot(
            user=liuzhai_street,
            kind=choices.BallotKind.RENOVATION_CONSENT,
            title="中华园小区综合改造意愿征询",
            question="是否同意中华园小区实施老旧小区综合改造（改造方案见社区公示）？",
            compound=zhonghua,
            project=_project("中华园小区综合改造"),
            options=None,
            opens_at=now - timedelta(minutes=5),
            closes_at=now + timedelta(days=14),
        )
        ballot = services.open_ballot(ballot, liuzhai_street)
        n = ballot.electorate_size
        yes = n - max(2, n // 40) - max(1, n // 100)
        plan = _plan(n, [("同意", yes), ("不同意", max(2, n // 40) - 1), ("弃权", 1)], rng)
        _vote_all(ballot, liuzhai_grid or liuzhai_street, plan, paper_every=7, rng=rng)
        services.close_ballot(ballot, liuzhai_street, reason="入户征询全部完成，经居民议事会同意提前统计")
        made += 1

        # 4. owners' decision, ordinary matter (art. 278): hiring a property service company
        ballot = services.create_ballot(
            user=liuzhai_street,
            kind=choices.BallotKind.OWNERS_ORDINARY,
            title="中华园小区业主大会：选聘正美物业提供物业服务",
            question="业主委员会提议选聘正美物业为本小区提供物业服务，是否同意？",
            compound=zhonghua,
            options=None,
            opens_at=now - timedelta(minutes=5),
            closes_at=now + timedelta(days=14),
        )
        ballot = services.open_ballot(ballot, liuzhai_street)
        n = ballot.electorate_size
        took_part = n * 4 // 5
        plan = _plan(
            n, [("同意", took_part * 3 // 4), ("不同意", took_part // 5), ("弃权", took_part // 20)], rng
        )
        _vote_all(ballot, liuzhai_grid or liuzhai_street, plan, paper_every=3, rng=rng)
        services.close_ballot(ballot, liuzhai_street, reason="业主大会表决期满前全部书面票已收回")
        made += 1
    else:
        stdout.write("ballots: 中华园小区 not found, consent and owners' decision skipped")

    minju = _compound("民居巷血防站")
    if minju is not None and street is not None:
        building = minju.buildings.filter(name="1栋").first()
        if building is not None:
            unit2 = building.households.filter(unit="2").order_by("floor", "room")
            occupied = list(unit2.filter(floor=1)[:1])
            ballot = services.create_ballot(
                user=street,
                kind=choices.BallotKind.ELEVATOR_RETROFIT,
                title="民居巷血防站1栋2单元加装电梯",
                question="是否同意在1栋2单元加装电梯（费用按楼层分摊，方案见公示）？",
                compound=minju,
                project=_project("民居巷血防站2单元加装电梯"),
                scope_units=[{"building": building.pk, "unit": "2"}],
                occupied_households=occupied,
                options=None,
                opens_at=now - timedelta(minutes=5),
                closes_at=now + timedelta(days=10),
            )
            ballot = services.open_ballot(ballot, street)
            electors = list(ballot.electors.order_by("building_name", "unit", "room", "pk"))
            issued = {i.elector_id: i.code for i in services.issue_codes(ballot, street)}
            options = {o.label: o for o in ballot.options.all()}
            for k, e in enumerate(electors):
                label = "不同意" if (k == len(electors) - 1 and not e.has_veto) else "同意"
                if e.has_veto:
                    services.record_staff_vote(
                        user=street, elector=e, option=options["同意"], channel="meeting"
                    )  # signed at the owners' meeting
                else:
                    services.cast_online_vote(code=issued[e.pk], option_id=options[label].pk)
            services.close_ballot(ballot, street, reason="本单元业主已全部表决，协商一致")
            made += 1
    else:
        stdout.write("ballots: 民居巷血防站 not found, elevator ballot skipped")

    nanyang = _compound("南阳路174号院")
    if nanyang is not None and liuzhai_street is not None:
        # 3. acceptance satisfaction (secret): satisfied + basically satisfied reach 90% of answers
        ballot = services.create_ballot(
            user=liuzhai_street,
            kind=choices.BallotKind.ACCEPTANCE_SATISFACTION,
            title="南阳路174号院“煤改气”及管网改造竣工满意度测评",
            question="您对本次天然气入户及管网改造的施工质量和效果是否满意？",
            compound=nanyang,
            secret=True,
            options=None,
            opens_at=now - timedelta(minutes=5),
            closes_at=now + timedelta(days=7),
        )
        ballot = services.open_ballot(ballot, liuzhai_street)
        n = ballot.electorate_size
        answered = n - n // 20
        plan = _plan(
            n, [("满意", answered * 7 // 10), ("基本满意", answered // 4), ("不满意", answered // 20)], rng
        )
        _vote_all(ballot, liuzhai_grid or liuzhai_street, plan, paper_every=5, rng=rng)
        services.close_ballot(ballot, liuzhai_street, reason="测评问卷全部收回")
        made += 1
    else:
        stdout.write("ballots: 南阳路174号院 not found, satisfaction ballot skipped")

    tianxiu = _compound("天秀家园")
    if tianxiu is not None and liuzhai_street is not None:
        ballot = services.create_ballot(
            user=liuzhai_street,
            kind=choices.BallotKind.PLAN_CHOICE,
            title="天秀家园停车位改造方案选择",
            question="院内停车改造有两个方案，请选择您支持的方案。",
            compound=tianxiu,
            options=["方案一：划线停车并增设充电桩", "方案二：拆除违建后建设立体车棚", "弃权"],
            opens_at=now - timedelta(minutes=5),
            closes_at=now + timedelta(days=5),
        )
        ballot = services.open_ballot(ballot, liuzhai_street)
        n = ballot.electorate_size
        plan = _plan(
            n, [("方案一：划线停车并增设充电桩", n // 3), ("方案二：拆除违建后建设立体车棚", n // 5)], rng
        )
        _vote_all(ballot, liuzhai_grid or liuzhai_street, plan, paper_every=6, rng=rng)
        made += 1  # left open: live turnout, codes can be reissued and printed
    stdout.write(f"ballots: {made} demo ballots")
    evidence(stdout)


# --- what each demo project's status needs (DESIGN.md §7) ---------------------------------------------


def evidence(stdout) -> None:
    """Every demo project past consultation gets what its gates ask, made as users would: consent
    ballots voted and closed, the plan notice served and closed, 一征三议两公开 walked step by step,
    the households visited, and its elevators' unit ballots. Idempotent: a project whose gates are met
    is left alone."""
    from projects.models import Project
    from projects.services import reached_gate_gaps

    given = 0
    for project in Project.objects.select_related("division").order_by("pk"):
        if reached_gate_gaps(project):
            evidence_for(project, stdout)
            given += 1
    stdout.write(f"ballots: residents' decisions given to {given} demo projects")


def _staff_for(project):
    """A street (or district) user over the project: the one of its own place first."""
    from communities.models import RoleAssignment

    ids = [int(p) for p in project.division.path.strip("/").split("/") if p]
    grant = (
        RoleAssignment.objects.filter(role__in=["street_staff", "district_admin"], division_id__in=ids)
        .select_related("user")
        .order_by("-division__path")
        .first()
    )
    # a place with no demo user of its own: the demo's administrator
    return grant.user if grant else _user("admin")


def evidence_for(project, stdout=None, user=None) -> None:
    from projects.services import reached_gate_gaps

    user = user or _staff_for(project)
    if user is None:
        if stdout is not None:
            stdout.write(f"ballots: nobody to give {project.name} its residents' decisions, skipped")
        return
    missing = {item.key for item in reached_gate_gaps(project)}
    rng = random.Random(project.pk)
    if "consent" in missing:
        for compound in project.compounds.select_related("division").order_by("pk"):
            _consent(project, compound, user, rng)
    if "plan_notice" in missing:
        _plan_notice(project, user)
    if "procedure" in missing:
        _procedure(project, user)
    if "door_to_door" in missing:
        _visits(project, user, rng)
    if "elevator" in missing:
        _elevators(project, user)


def _consent(project, compound, user, rng) -> None:
    if not compound.buildings.filter(households__isnull=False).exists():
        return
    now = timezone.now()
    ballot = services.create_ballot(
        user=user,
        kind=choices.BallotKind.RENOVATION_CONSENT,
        title=f"{compound.name}改造意愿征询",
        question=f"是否同意{compound.name}实施老旧小区改造（改造方案见社区公示）？",
        compound=compound,
        project=project,
        options=None,
        opens_at=now - timedelta(minutes=5),
        closes_at=now + timedelta(days=14),
    )
    ballot = services.open_ballot(ballot, user)
    electors = list(ballot.electors.order_by("pk"))
    n = len(electors)
    no = n // 50  # about 98% agree: above the 95% of all households the policy asks
    options = {o.label: o for o in ballot.options.all()}
    plan = ["不同意"] * no + ["同意"] * (n - no)
    rng.shuffle(plan)
    for i, (elector, label) in enumerate(zip(electors, plan, strict=True), start=1):
        services.record_staff_vote(
            user=user, elector=elector, option=options[label], paper_serial=f"YY{ballot.pk}-{i:04d}"
        )
    services.close_ballot(ballot, user, reason="入户征询全部完成，书面意见已全部收回")


def _plan_notice(project, user) -> None:
    from consultations import choices as c
    from consultations import services as consultations

    start = timezone.now() - timedelta(days=40)
    notice = consultations.publish_notice(
        project=project,
        title=f"{project.name}改造方案公示",
        body=f"{project.name}改造内容、资金筹措和施工安排（一小区一方案）现予公示，公示期7天。"
        "对方案有意见的居民可扫码或到社区提出。",
        user=user,
        period_days=7,
        kind=c.NoticeKind.PLAN,
        starts_at=start,
    )
    from consultations.models import NoticeObjection

    objection = NoticeObjection.objects.create(
        notice=notice, text="建议停车位划线避开消防通道", received_at=start + timedelta(days=2)
    )
    consultations.handle_objection(
        objection, user=user, status="upheld", handling="已采纳：调整停车位布置，避开消防通道"
    )
    consultations.close_notice(notice, user=user)


def _procedure(project, user) -> None:
    from consultations import choices as c
    from consultations import services as consultations
    from projects.gates import policy_for

    procedure = policy_for(project).deliberation_procedure
    deliberation = consultations.start_deliberation(
        user=user, procedure=procedure, title=f"{project.name}改造方案", project=project
    )
    start = timezone.now() - timedelta(days=60)
    for i, step in enumerate(deliberation.steps.order_by("order")):
        when = start + timedelta(days=3 * i)
        if step.kind == c.StepKind.NOTICE:
            record = consultations.publish_notice(
                project=project,
                title=f"{step.name}：{project.name}改造方案",
                body="居民会议决议及实施情况予以公开。",
                user=user,
                period_days=5,
                kind=c.NoticeKind.DECISION,
                starts_at=when,
            )
            consultations.complete_step(step, user=user, notice=record)
        else:
            record = consultations.create_meeting(
                user=user,
                kind="residents_council" if i else "courtyard",
                title=f"{step.name}（{project.name}）",
                project=project,
                held_at=when,
                households_present=20 + i,
                people_present=26 + i,
                decisions="同意改造方案" if "决议" in step.name else "",
            )
            consultations.complete_step(step, user=user, meeting=record)


def _visits(project, user, rng) -> None:
    """Visit the households no visit reached yet (demo rows, like the consultations demo's)."""
    from communities.models import Household
    from consultations.models import Visit

    todo = list(
        Household.objects.filter(building__compound__in=project.compounds.all(), is_vacant=False)
        .exclude(visits__isnull=False)
        .select_related("building")
    )
    start = timezone.now() - timedelta(days=70)
    Visit.objects.bulk_create(
        Visit(
            household=h,
            compound_id=h.building.compound_id,
            project=project,
            visitor=user,
            visited_at=start + timedelta(minutes=17 * i),
            channel="door",
            attitude=rng.choice(["support"] * 8 + ["neutral", "not_at_home"]),
        )
        for i, h in enumerate(todo)
    )


def _elevators(project, user) -> None:
    for item in project.work_items.select_related("catalog_item", "building"):
        if not item.is_elevator_retrofit:
            continue
        if item.building_id is None:
            building = (
                project.compounds.first()
                .buildings.filter(households__unit="2")
                .distinct()
                .order_by("name")
                .first()
            )
            if building is None:
                continue
            item.building, item.stairwell_unit = building, "2"
            item.save(update_fields=["building", "stairwell_unit"])
        households = item.building.households.filter(unit=item.stairwell_unit).order_by("floor", "room")
        if not households.exists():
            continue
        now = timezone.now()
        ballot = services.create_ballot(
            user=user,
            kind=choices.BallotKind.ELEVATOR_RETROFIT,
            title=f"{item.building.compound.name}{item.place}加装电梯",
            question=f"是否同意在{item.place}加装电梯（费用按楼层分摊，方案见公示）？",
            compound=item.building.compound,
            project=project,
            scope_units=[{"building": item.building_id, "unit": item.stairwell_unit}],
            occupied_households=list(households.filter(floor=1)[:1]),
            options=None,
            opens_at=now - timedelta(minutes=5),
            closes_at=now + timedelta(days=10),
        )
        ballot = services.open_ballot(ballot, user)
        agree = ballot.options.get(label="同意")
        for elector in ballot.electors.all():
            services.record_staff_vote(user=user, elector=elector, option=agree, channel="meeting")
        services.close_ballot(ballot, user, reason="本单元业主已全部签字同意")
