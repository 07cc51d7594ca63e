"""Demo data of the residents' page at 南阳路174号院 (兴南社区, 5 buildings, 173 households): household
cards, a menu survey with answers (online and on paper), a window replacement needing entry into flats
with slots about half booked, and a few problems reported in different states. Made through the services,
as users do; a fixed seed. Three household links are printed so a new user can open them on a phone."""

from __future__ import annotations

import datetime as dt
import io
import random

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from communities.models import Compound, Household

WANT_SHARES = {  # catalog code -> share of answering households that want it (the demo's story)
    "I05": 0.78,  # 绿化提升
    "I06": 0.71,  # 照明设施
    "I09": 0.63,  # 充电设施
    "I07": 0.55,  # 适老化及无障碍设施
    "I03": 0.34,  # 加装电梯 (upper floors want it, lower floors do not)
    "U04": 0.29,  # 养老服务设施
}
BASIC = ["B01", "B05", "B16"]
EXPLANATIONS = {
    "B01": "5栋楼屋面全部重做防水，顶层漏水问题一次解决。",
    "B05": "更换破损排水管，清掏化粪池。",
    "B16": "楼间架空线缆规整入地。",
    "I05": "补种行道树，拆除硬化地面改为绿地。",
    "I06": "楼道声控灯和院内路灯全部更换。",
    "I09": "在3号楼北侧建电动自行车集中充电棚。",
    "I07": "单元门口加装扶手和坡道。",
    "I03": "按单元征求意见，同意后另行表决。",
    "U04": "利用原锅炉房建日间照料站。",
}
SHARES = {"I09": "120.00", "I03": "3000.00"}


def _png() -> SimpleUploadedFile:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (480, 320), (170, 170, 165))
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 40, 440, 280), outline=(90, 60, 40), width=6)
    draw.ellipse((180, 120, 300, 220), fill=(110, 90, 70))  # a damp patch
    out = io.BytesIO()
    image.save(out, "PNG")
    return SimpleUploadedFile("leak.png", out.getvalue(), content_type="image/png")


def load(stdout) -> None:
    from consultations import services as consultation_services
    from projects import bookings
    from projects import services as project_services
    from projects.models import CatalogItem, ProjectParty, WorkItem

    from . import cards, menus, reports

    compound = Compound.objects.filter(name="南阳路174号院").select_related("division__parent").first()
    users = {u.username: u for u in get_user_model().objects.filter(username__startswith="liuzhai_")}
    if compound is None or "liuzhai_street" not in users:
        stdout.write("residents: 南阳路174号院 or the Liuzhai users not found, skipped")
        return
    rng = random.Random(174)
    street, grid, contractor = (
        users["liuzhai_street"],
        users.get("liuzhai_grid"),
        users.get("liuzhai_contractor"),
    )
    households = list(
        Household.objects.filter(building__compound=compound)
        .select_related("building__compound__division")
        .order_by("building__name", "unit", "floor", "room")
    )
    issued = cards.issue_cards([h.pk for h in households], street)
    codes = {i.household_id: i.code for i in issued}

    year = timezone.localdate().year
    project = project_services.create_project(
        user=street,
        division=compound.division.parent,
        compounds=[compound],
        name="南阳路174号院综合整治（菜单式改造）",
        year=year,
        description="煤改气之后，居民按菜单选择第二轮改造内容；外窗更换需入户施工，按户预约。",
    )
    party = ProjectParty.objects.create(
        project=project, role="construction", name="郑州惠济建设工程有限公司", contact_person="赵磊",
        phone="13783001174",
    )  # fmt: skip
    if contractor is not None:
        party.users.add(contractor)

    # --- the menu survey, open, with answers from about two households in three --------------------------
    catalog = {c.code: c for c in CatalogItem.objects.filter(code__in=[*BASIC, *WANT_SHARES])}
    items = [
        {"catalog_item": catalog[code], "explanation": EXPLANATIONS[code], "resident_share": SHARES.get(code)}
        for code in [*BASIC, *WANT_SHARES]
        if code in catalog
    ]
    survey = menus.create_survey(
        user=street,
        project=project,
        compound=compound,
        title="南阳路174号院第二轮改造：您想改什么？",
        intro="基础类项目都包含；请对下面每一项选择“想要”“不要”或“无所谓”。征询结束前可以随时修改。",
        closes_at=timezone.now() + dt.timedelta(days=10),
        items=items,
    )
    survey = menus.open_survey(survey, street)
    choice_items = menus.choice_items(survey)
    answered = 0
    for n, h in enumerate(households):
        if rng.random() > 0.68:
            continue
        sheet = {}
        for item in choice_items:
            want = WANT_SHARES[item.catalog_item.code]
            if item.catalog_item.code == "I03":
                want = 0.6 if h.floor >= 4 else 0.1
            r = rng.random()
            sheet[item.pk] = "want" if r < want else ("no_opinion" if r < want + 0.12 else "dont_want")
        paper = grid is not None and n % 7 == 0
        menus.submit_answers(
            survey, h, sheet, channel="paper" if paper else "online", user=grid if paper else None
        )
        answered += 1

    # --- window replacement: slots tomorrow and the day after, about half of the places booked -------------
    windows = WorkItem.objects.create(
        project=project,
        catalog_item=CatalogItem.objects.filter(code="I02").first(),
        name="更换外窗（断桥铝节能窗，入户施工）",
        unit="户",
        quantity=len(households),
        needs_home_entry=True,
        booking_deadline=timezone.localdate() + dt.timedelta(days=3),
        planned_start=timezone.localdate() + dt.timedelta(days=1),
        planned_end=timezone.localdate() + dt.timedelta(days=30),
    )
    slots = []
    for days in (1, 2):
        slots += bookings.publish_slots(
            windows,
            contractor or street,
            day=timezone.localdate() + dt.timedelta(days=days),
            start=dt.time(8, 30),
            end=dt.time(17, 30),
            minutes=90,
            capacity=8,
        )
    places = sum(s.capacity for s in slots)
    booked = 0
    order = households[:]
    rng.shuffle(order)
    for h in order:
        if booked >= places // 2:
            break
        free = [s for s in slots if s.booked < s.capacity]
        slot = rng.choice(free)
        bookings.book(h, slot, user=grid if (grid and booked % 5 == 0) else None)
        slot.booked += 1
        booked += 1

    # --- problems reported from the household page, in different states ------------------------------
    secretary = users.get("liuzhai_secretary") or street
    story = [
        (5, "leaks_roofs", "3号楼顶层楼道墙面返潮，下雨天渗水。", True, "resolved",
         "屋面防水已于上周补做，请再观察。", "satisfied"),
        (40, "lighting", "2号楼2单元楼道灯不亮已经一周。", False, "planned",
         "已纳入照明设施改造，预计下月更换。", ""),
        (90, "parking", "院门口常有外来车辆停放，消防通道被堵。", False, "accepted", "", ""),
        (130, "other", "希望晚上十点后不要施工。", False, "received", "", ""),
    ]  # fmt: skip
    lighting = None
    for index, category, text, photo, status, answer, rating in story:
        household = households[index]
        opinion = reports.report_problem(
            household, category=category, content=text, photos=[_png()] if photo else []
        )
        if status == "received":
            continue
        consultation_services.transition_opinion(opinion, "accepted", user=secretary)
        if status == "planned":
            lighting = lighting or project_services.add_work_items(project, street, [catalog["I06"]])[0]
            consultation_services.transition_opinion(opinion, "planned", user=secretary, work_item=lighting)
        if status == "resolved":
            consultation_services.transition_opinion(opinion, "resolved", user=secretary)
        if answer:
            consultation_services.answer_opinion(opinion, user=secretary, answer=answer)
        if rating:
            reports.rate_report(opinion, household, rating)

    stdout.write(
        f"residents: {len(codes)} household cards, menu survey with {answered} answer sheets, "
        f"{booked} of {places} in-home visit places booked, {len(story)} problems reported"
    )
    from django.conf import settings

    links = [
        f"  {h.label}: {settings.SITE_URL}/h/{codes[h.pk]}/"
        for h in (households[0], households[1], households[60])
    ]
    stdout.write(
        "Household pages of 南阳路174号院 (open on a phone; the codes exist only here and on cards):\n"
        + "\n".join(links)
    )
