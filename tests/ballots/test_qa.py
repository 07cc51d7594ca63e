"""QA pass: natural order of buildings/units/rooms, readable scope and area sources, the result notice
link, reprinting slips with new codes, the rule policy offered on the form, and Chinese API messages."""

from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from consultations.ballots import services
from consultations.ballots.models import RulePolicy
from tests.ballots.factories import codes_for, make_ballot, make_households, option

pytestmark = pytest.mark.django_db


def test_turnout_and_electors_in_natural_order(client, world, street_user):
    from tests import factories as f

    built = {
        name: make_households(world.compound_a, building_name=name) for name in ("10号楼", "2号楼", "1号楼")
    }
    f.HouseholdFactory(building=built["2号楼"][0].building, unit="10", floor=1, room="101")
    ballot = make_ballot(street_user, world.compound_a)
    rows = [(r["building_name"], r["unit"]) for r in services.turnout(ballot)["rows"]]
    assert rows == [("1号楼", "1"), ("2号楼", "1"), ("2号楼", "10"), ("10号楼", "1")]
    client.force_login(street_user)
    html = client.get(f"/ballots/{ballot.pk}/electors/").content.decode()
    assert html.index("2号楼 1单元 101") < html.index("10号楼 1单元 101")
    assert html.index("1号楼 1单元 401") < html.index("2号楼 1单元 101")


def test_detail_names_the_scope_unit_and_links_the_result_notice(client, world, street_user):
    households = make_households(world.compound_a, building_name="5栋", unit="2")
    ballot = make_ballot(
        street_user,
        world.compound_a,
        kind="elevator_retrofit",
        scope_units=[{"building": households[0].building_id, "unit": "2"}],
        occupied_households=[households[0]],
    )
    client.force_login(street_user)
    html = client.get(f"/ballots/{ballot.pk}/").content.decode()
    assert "5栋 2单元" in html and f"#{households[0].building_id}" not in html
    services.close_ballot(ballot, street_user, reason="测试")
    ballot.refresh_from_db()
    assert ballot.result_notice_id
    html = client.get(f"/ballots/{ballot.pk}/").content.decode()
    assert f"/consultations/notices/{ballot.result_notice_id}/" in html and "查看结果公示" in html


def test_area_source_shown_in_chinese(client, world, street_user):
    make_households(world.compound_a)
    ballot = make_ballot(street_user, world.compound_a)
    client.force_login(street_user)
    html = client.get(f"/ballots/{ballot.pk}/electors/").content.decode()
    assert ">register<" not in html and "不动产登记" in html


def test_reprint_with_new_codes_voids_the_old_slips(
    client, world, street_user, django_capture_on_commit_callbacks
):
    make_households(world.compound_a)
    ballot = make_ballot(street_user, world.compound_a)
    old = codes_for(ballot, street_user)
    client.force_login(street_user)
    html = client.get(f"/ballots/{ballot.pk}/").content.decode()
    assert 'id="reprint-slips"' in html and 'id="print-slips"' not in html
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/ballots/{ballot.pk}/slips/", {"reissue": "1"})
    assert response.status_code == 302
    from communities.models import BackgroundJob

    job = BackgroundJob.objects.get(kind="ballot_slips")
    assert job.status == "succeeded" and job.message == "4 张表决单"
    some_code = next(iter(old.values()))
    assert services.find_elector(some_code, ballot.pk) is None


def test_form_offers_the_policy_in_force(client, world, street_user, district_admin):
    district = world.compound_a.division
    while district.level != "district":
        district = district.parent
    policy = RulePolicy.objects.create(
        division=district, name="区表决规则", effective_from=date(2025, 1, 1), consent_threshold_num=90
    )
    client.force_login(street_user)
    html = client.get(f"/ballots/new/?compound={world.compound_a.pk}").content.decode()
    assert f'<option value="{policy.pk}" selected>' in html
    now = timezone.localtime()
    ballot = services.create_ballot(
        user=street_user,
        kind="renovation_consent",
        title="t",
        compound=world.compound_a,
        opens_at=now,
        closes_at=now + timedelta(days=1),
    )
    assert (ballot.rule_policy_id, ballot.threshold_num) == (policy.pk, 90)


def test_public_api_messages_in_chinese(client, world, street_user):
    cache.clear()
    make_households(world.compound_a)
    ballot = make_ballot(street_user, world.compound_a)
    code = next(iter(codes_for(ballot, street_user).values()))
    yes = option(ballot, "同意").pk
    url = "/api/v1/vote/"
    assert client.post(url, {"code": code, "option": yes}, content_type="application/json").status_code == 201
    again = client.post(url, {"code": code, "option": yes}, content_type="application/json")
    assert again.status_code == 409 and "每位表决人只能投一票" in again.json()["detail"]
    assert "请选择" in client.post(url, {"code": code}, content_type="application/json").json()["detail"]
    for _ in range(12):  # from an address of its own: other tests (other xdist workers) vote from 127.0.0.1
        last = client.post(
            url,
            {"code": "AAAA-AAAA", "option": yes},
            content_type="application/json",
            REMOTE_ADDR="198.51.100.11",
        )
    assert last.status_code == 429 and "次数过多" in last.json()["detail"]
    cache.clear()


def test_beat_waits_for_the_opening_time_and_votes_stop_at_the_closing_time(world, street_user):
    from communities.errors import Conflict

    make_households(world.compound_a)
    now = timezone.now()
    ballot = make_ballot(
        street_user,
        world.compound_a,
        opened=False,
        opens_at=now + timedelta(minutes=1),
        closes_at=now + timedelta(minutes=3),
    )
    assert services.open_and_close_due(now) == {"opened": 0, "closed": 0}
    assert services.open_and_close_due(now + timedelta(minutes=1)) == {"opened": 1, "closed": 0}
    ballot.refresh_from_db()
    code = next(iter(codes_for(ballot, street_user).values()))
    # past the closing time, before beat's next run: the vote is refused all the same
    type(ballot).objects.filter(pk=ballot.pk).update(
        opens_at=now - timedelta(minutes=2), closes_at=timezone.now() - timedelta(seconds=1)
    )
    with pytest.raises(Conflict):
        services.cast_online_vote(code=code, option_id=option(ballot, "同意").pk)


def test_api_takes_options_as_plain_text(world, street_user, api_as):
    make_households(world.compound_a)
    client = api_as(street_user)
    now = timezone.now()
    response = client.post(
        "/api/v1/ballots/",
        {
            "kind": "plan_choice",
            "title": "方案",
            "compound": world.compound_a.pk,
            "options": ["方案一", {"label": "方案二"}, "弃权"],
            "opens_at": now.isoformat(),
            "closes_at": (now + timedelta(days=1)).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    options = response.json()["options"]
    assert [o["label"] for o in options] == ["方案一", "方案二", "弃权"]
    assert options[2]["is_abstention"] and not options[0]["counts_as_yes"]


def test_duplicate_without_changes_says_when_and_how(world, street_user):
    from django.utils import translation

    from communities.errors import Conflict

    make_households(world.compound_a)
    ballot = make_ballot(street_user, world.compound_a)  # changes not allowed
    codes = codes_for(ballot, street_user)
    (first_id, first), (second_id, second) = list(codes.items())[:2]
    yes, no = option(ballot, "同意").pk, option(ballot, "不同意").pk
    services.cast_online_vote(code=first, option_id=yes)
    elector = ballot.electors.get(pk=second_id)
    services.record_staff_vote(
        user=street_user, elector=elector, option=option(ballot, "同意"), paper_serial="P-7"
    )
    with translation.override("en"):
        with pytest.raises(Conflict, match="already voted: Online with a code on "):
            services.cast_online_vote(code=first, option_id=no)
        with pytest.raises(Conflict, match=r"Paper ballot \(serial P-7\).*final"):
            services.cast_online_vote(code=second, option_id=no)
    assert ballot.votes.get(elector_id=first_id).option_id == yes
