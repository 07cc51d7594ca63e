"""Random renovation data over the test world, written straight to the tables (no services: the point is
to have every kind of row the overview counts, in every state, and compare the rollups with a live
count of the same rows)."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.utils import timezone

from communities.choices import DivisionLevel, OwnershipKind
from communities.models import Building, Compound, Division, Household, Ownership, Person
from consultations.ballots.models import Ballot, BallotOption, Elector, Vote
from consultations.models import Opinion, Visit
from projects.choices import FundingSource, PartyRole, ProjectStatus
from projects.models import FundingLine, Milestone, Programme, Project, ProjectParty, WorkItem
from supervision.models import AcceptanceRound, Dispute, Rectification

D = Decimal


def build_random(world, *, seed: int, year: int, now: datetime.datetime) -> dict:
    """Compounds in every community of the world (plus a second district), households, people, visits,
    opinions, programmes, projects (block projects over two communities too), work items, funding,
    milestones, ballots with votes, acceptance rounds, rectification orders and disputes."""
    rng = random.Random(seed)
    today = timezone.localdate(now)
    other_district = Division.objects.create(name="修水县", level=DivisionLevel.DISTRICT, parent=world.city)
    other_street = Division.objects.create(name="义宁镇", level=DivisionLevel.STREET, parent=other_district)
    other_community = Division.objects.create(
        name="良塘社区", level=DivisionLevel.COMMUNITY, parent=other_street
    )
    communities = [world.community_a, world.community_b, world.community_c, other_community]
    compounds = [world.compound_a, world.compound_b, world.compound_c]
    for i, community in enumerate(communities):
        for j in range(2):
            compounds.append(Compound.objects.create(division=community, name=f"随机小区{i}-{j}"))
    households: dict[int, list[Household]] = {}
    for c in compounds:
        households[c.pk] = []
        for b in range(rng.randint(1, 3)):
            building = Building.objects.create(compound=c, name=f"{b + 1}栋")
            for k in range(rng.randint(3, 9)):
                h = Household.objects.create(
                    building=building,
                    unit=str(1 + k % 2),
                    floor=1 + k // 2,
                    room=f"{1 + k // 2}0{k}",
                    exclusive_area=D(rng.randint(4000, 12000)) / 100,
                    area_source="register",
                    is_vacant=rng.random() < 0.15,
                )
                households[c.pk].append(h)
                for p in range(rng.randint(0, 3)):
                    person = Person.objects.create(name=f"居民{c.pk}-{h.pk}-{p}", division=c.division)
                    Ownership.objects.create(
                        person=person,
                        household=h,
                        kind=rng.choice([OwnershipKind.OWNER, OwnershipKind.CO_OWNER, OwnershipKind.TENANT]),
                    )
                for _v in range(rng.choice([0, 0, 1, 1, 2, 3])):
                    Visit.objects.create(
                        household=h,
                        compound=c,
                        visited_at=now
                        - datetime.timedelta(days=rng.randint(0, 400), minutes=rng.randint(0, 999)),
                        attitude=rng.choice(["support", "support", "neutral", "oppose", "not_at_home"]),
                    )
    # programmes of two districts, one with targets, one without; a compound or two left out of the plan
    district = world.district
    p1 = Programme.objects.create(
        district=district,
        year=year,
        name="计划一",
        target_compounds=9,
        target_households=300,
        target_investment=D("5000000.00"),
    )
    p1.compounds.set([c for c in compounds if c.division.path.startswith(district.path)][:-1])
    p2 = Programme.objects.create(district=other_district, year=year, name="计划二")
    p2.compounds.set([compounds[-2]])
    Programme.objects.create(district=district, year=year - 1, name="去年", target_compounds=3)
    # projects: one per planned compound or so, two block projects across communities, last year's one
    projects = []
    statuses = list(ProjectStatus.values)
    groups = [[c] for c in compounds[:-1]] + [
        [world.compound_a, world.compound_b],
        [world.compound_b, world.compound_c],
    ]
    for n, group in enumerate(groups):
        if rng.random() < 0.2:
            continue
        p = Project.objects.create(
            name=f"项目{n}",
            division=group[0].division.parent,
            year=year if n % 7 else year - 1,
            status=rng.choice(statuses),
            planned_start=today - datetime.timedelta(days=200),
            planned_end=today + datetime.timedelta(days=rng.randint(-60, 200)),
        )
        p.compounds.set(group)
        projects.append(p)
        for w in range(rng.randint(0, 4)):
            WorkItem.objects.create(
                project=p,
                name=f"内容{w}",
                budget=D(rng.randint(0, 500000)) + D("0.37"),
                progress=rng.choice([0, 20, 50, 80, 100]),
                planned_end=today + datetime.timedelta(days=rng.randint(-90, 90)),
            )
        for s in rng.sample(list(FundingSource.values), rng.randint(0, 4)):
            planned = D(rng.randint(0, 900000)) + D("0.50")
            FundingLine.objects.create(
                project=p, source=s, planned=planned, received=planned * D(rng.choice([0, 0.5, 1]))
            )
        for m in range(rng.randint(0, 3)):
            Milestone.objects.create(
                project=p,
                name=f"节点{m}",
                planned_date=today + datetime.timedelta(days=rng.randint(-30, 30)),
                actual_date=today if rng.random() < 0.4 else None,
            )
        parties = [
            ProjectParty.objects.create(project=p, role=role, name=f"{role}单位")
            for role in rng.sample(list(PartyRole.values), 3)
        ]
        for number in range(1, rng.randint(1, 4)):
            last = number == 3 or rng.random() < 0.5
            status = "passed" if last and rng.random() < 0.7 else "failed"
            valid = rng.randint(10, 50)
            AcceptanceRound.objects.create(
                project=p,
                number=number,
                status=status,
                scheduled_on=today,
                valid_count=valid,
                satisfied_count=rng.randint(0, valid),
            )
            if status == "passed":
                break
        if rng.random() < 0.5:
            AcceptanceRound.objects.create(project=p, number=9, status="scheduled", scheduled_on=today)
        for r in range(rng.randint(0, 4)):
            Rectification.objects.create(
                project=p,
                source="inspection",
                responsible_party=rng.choice(parties),
                description=f"整改{r}",
                deadline=today + datetime.timedelta(days=rng.randint(-20, 20)),
                status=rng.choice(["open", "in_progress", "submitted", "verified"]),
            )
        for x in range(rng.randint(0, 3)):
            status = rng.choice(["open", "mediating", "resolved", "unresolved"])
            Dispute.objects.create(
                project=p,
                parties="甲与乙",
                issue=f"纠纷{x}",
                status=status,
                resolution="已调解" if status == "resolved" else "",
            )
    # opinions in every state, some answered late or never, rated when resolved
    first_rating = ["satisfied"]
    for c in compounds:
        for o in range(rng.randint(0, 6)):
            status = rng.choice(["received", "accepted", "planned", "resolved", "declined", "merged"])
            created = now - datetime.timedelta(days=rng.randint(0, 60))
            item = WorkItem.objects.filter(project__compounds=c).first()
            if status == "planned" and item is None:
                status = "accepted"
            target = Opinion.objects.filter(compound=c).exclude(status="merged").first()
            if status == "merged" and target is None:
                status = "received"
            answered = created + datetime.timedelta(days=rng.randint(1, 30)) if rng.random() < 0.6 else None
            Opinion.objects.create(
                compound=c,
                household=rng.choice(households[c.pk]) if households[c.pk] else None,
                source="visit",
                category="parking",
                content=f"意见{o}",
                status=status,
                created_at=created,
                answered_at=answered if answered and answered < now else None,
                decline_reason="不在范围" if status == "declined" else "",
                merged_into=target if status == "merged" else None,
                work_item=item
                if status == "planned" or (status == "resolved" and item and rng.random() < 0.5)
                else None,
                rating=(
                    first_rating.pop()
                    if first_rating
                    else rng.choice(["", "satisfied", "basically", "unsatisfied"])
                )
                if status == "resolved"
                else "",
            )
    # ballots: consent ballots closed (passed or not), open ones with votes, a block ballot
    for n, c in enumerate(compounds):
        project = next((p for p in projects if c in p.compounds.all()), None) if n else None
        kind = rng.choice(["renovation_consent", "renovation_consent", "plan_choice"])
        state = rng.choice(["open", "closed", "draft"]) if n else "open"
        b = Ballot.objects.create(
            kind=kind,
            title=f"表决{n}",
            project=project,
            compound=c,
            opens_at=now - datetime.timedelta(days=5),
            closes_at=now + datetime.timedelta(days=rng.choice([-1, 1, 2, 5, 10])),
            status=state,
            rule="threshold",
            threshold_num=95,
            threshold_den=100,
            passed=(rng.random() < 0.6) if state == "closed" else None,
            electorate_size=len(households[c.pk]),
        )
        if n % 4 == 0 and n + 3 < len(compounds):
            b.extra_compounds.add(compounds[n + 3])
        option = BallotOption.objects.create(ballot=b, position=0, label="同意", counts_as_yes=True)
        for i, h in enumerate(households[c.pk]):
            e = Elector.objects.create(ballot=b, label=str(h), building_name="1栋", unit="1", room=h.room)
            if state != "draft" and (n == 0 or rng.random() < 0.6):
                Vote.objects.create(
                    ballot=b, elector=e, option=option, channel="online", cast_at=now, receipt=f"R{b.pk}x{i}"
                )
    return {"compounds": compounds, "projects": projects, "other_district": other_district}
