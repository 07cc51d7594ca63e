"""Pages: staff list/create/detail/paper entry/slips/close, and the residents' voting pages."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from communities.models import BackgroundJob
from consultations.ballots.models import Ballot, Vote
from tests.ballots.factories import codes_for, make_ballot, make_households, option, option_form_data, yes_ids

pytestmark = pytest.mark.django_db


@pytest.fixture
def ballot(world, street_user):
    make_households(world.compound_a)
    return make_ballot(street_user, world.compound_a, title="加装电梯意愿", question="是否同意？")


def test_staff_list_and_detail_in_chinese(client, ballot, secretary_a, django_assert_max_num_queries):
    client.force_login(secretary_a)
    with django_assert_max_num_queries(12):
        response = client.get("/ballots/")
    html = response.content.decode()
    assert "新建表决" in html and "加装电梯意愿" in html
    detail = client.get(f"/ballots/{ballot.pk}/").content.decode()
    assert "参与情况" in detail and "录入纸质票或会议表决" in detail and "同意数达到" in detail


def test_other_community_gets_404(client, ballot, secretary_b):
    client.force_login(secretary_b)
    assert client.get(f"/ballots/{ballot.pk}/").status_code == 404
    assert client.post(f"/ballots/{ballot.pk}/close/", {"reason": "x"}).status_code == 404


def test_viewer_sees_but_cannot_close(client, ballot, viewer):
    client.force_login(viewer)
    assert client.get(f"/ballots/{ballot.pk}/").status_code == 200
    assert client.post(f"/ballots/{ballot.pk}/close/", {"reason": "x"}).status_code == 403


def test_create_through_the_page(client, world, street_user):
    make_households(world.compound_a)
    client.force_login(street_user)
    assert "为哪个小区" in client.get("/ballots/new/").content.decode()
    now = timezone.localtime()
    response = client.post(
        f"/ballots/new/?compound={world.compound_a.pk}",
        {
            "compound": world.compound_a.pk,
            "kind": "acceptance_satisfaction",
            "title": "竣工验收满意度测评",
            **option_form_data([]),
            "opens_at": now.strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (now + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    created = Ballot.objects.get(title="竣工验收满意度测评")
    assert [o.label for o in created.options.all()] == ["满意", "基本满意", "不满意"]
    assert (created.threshold_num, created.threshold_den) == (90, 100)
    assert "计为同意" in client.get(f"/ballots/{created.pk}/open/").content.decode()
    client.post(f"/ballots/{created.pk}/open/", {"confirm": "1", "yes_option": yes_ids(created)})
    created.refresh_from_db()
    assert created.status == "open"


def test_paper_entry_and_close_with_reason(client, ballot, grid_worker_a, street_user):
    client.force_login(grid_worker_a)
    elector = ballot.electors.first()
    response = client.post(
        f"/ballots/{ballot.pk}/votes/",
        {
            "elector": elector.pk,
            "option": option(ballot, "同意").pk,
            "channel": "paper",
            "paper_serial": "0007",
        },
    )
    assert response.status_code == 302
    assert Vote.objects.get(elector=elector).paper_serial == "0007"
    client.force_login(street_user)
    client.post(f"/ballots/{ballot.pk}/close/", {"reason": ""})
    ballot.refresh_from_db()
    assert ballot.status == "open"  # a reason is needed before the closing time
    client.post(f"/ballots/{ballot.pk}/close/", {"reason": "居民议事会决定"})
    ballot.refresh_from_db()
    assert ballot.status == "closed"
    html = client.get(f"/ballots/{ballot.pk}/").content.decode()
    assert "计算过程" in html and "1/4" in html and "19/20" in html


def test_second_paper_entry_for_an_elector_says_when_and_how_the_first_was_cast(
    client, ballot, grid_worker_a
):
    """Two staff with the form open enter the same household: the second is refused by the service's
    message (when and how the first vote was cast), not a generic "not one of the choices"."""
    client.force_login(grid_worker_a)
    elector = ballot.electors.first()
    entry = {"elector": elector.pk, "option": option(ballot, "同意").pk, "channel": "paper"}
    assert client.post(f"/ballots/{ballot.pk}/votes/", {**entry, "paper_serial": "0001"}).status_code == 302
    form_html = client.get(f"/ballots/{ballot.pk}/").content.decode()
    assert f'<option value="{elector.pk}"' not in form_html  # the list offers those not yet voted
    response = client.post(f"/ballots/{ballot.pk}/votes/", {**entry, "paper_serial": "0002"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "0001" in html and "纸质" in html
    assert Vote.objects.filter(elector=elector).count() == 1


def test_slips_job_makes_a_pdf_whose_qr_codes_open_the_configured_site(
    client, ballot, street_user, settings, django_capture_on_commit_callbacks
):
    """The slips are a real A4 PDF made on the server; every slip's code is the elector's, and its QR
    code opens the voting page on SITE_URL (not a default port)."""
    import re

    from consultations.ballots.services import find_elector
    from tests.pdf_checks import keep_pdf, pdf_text, qr_targets

    settings.SITE_URL = "http://127.0.0.1:8781"
    client.force_login(street_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/ballots/{ballot.pk}/slips/")
    assert response.status_code == 302
    job = BackgroundJob.objects.get(kind="ballot_slips")
    assert job.status == "succeeded", job.message
    assert job.result_file.name.endswith(".pdf")
    data = job.result_file.read()
    text = pdf_text(data)
    assert text.count("加装电梯意愿") == 4 and "表决码" in text
    codes = re.findall(r"\b([2-9A-Z]{4})-([2-9A-Z]{4})\b", text)
    assert len(codes) == 4
    codes = [a + b for a, b in codes]
    electors = {find_elector(c, ballot.pk).pk for c in codes}
    assert electors == set(ballot.electors.values_list("pk", flat=True))
    assert "http://127.0.0.1:8781/ballots/vote/" in text and ":8000" not in text
    urls = [ballot.voting_url(c) for c in codes]
    assert all(u.startswith("http://127.0.0.1:8781/") for u in urls)
    assert sorted(qr_targets(data, urls)) == sorted(urls)  # each slip's QR opens its own code
    assert ballot.electors.exclude(code_hash="").count() == 4
    keep_pdf(data, "ballot-slips")


def test_reissue_page_shows_one_new_slip(client, ballot, street_user):
    codes_for(ballot, street_user)
    client.force_login(street_user)
    elector = ballot.electors.first()
    html = client.post(f"/ballots/{ballot.pk}/electors/{elector.pk}/reissue/").content.decode()
    assert html.count('class="slip"') == 1 and "旧表决单作废" in html


def test_resident_votes_without_js(client, ballot, street_user):
    cache.clear()
    code = next(iter(codes_for(ballot, street_user).values()))
    page = client.get(f"/ballots/vote/?b={ballot.pk}&code={code}").content.decode()
    assert "是否同意" in page and "表决截止" in page and 'type="radio"' in page
    yes = option(ballot, "同意")
    confirm = client.post(
        "/ballots/vote/confirm/", {"b": ballot.pk, "code": code, "option": yes.pk}
    ).content.decode()
    assert "确认投票" in confirm
    receipt_page = client.post("/ballots/vote/cast/", {"b": ballot.pk, "code": code, "option": yes.pk})
    receipt = Vote.objects.get(ballot=ballot).receipt
    assert receipt in receipt_page.content.decode()
    again = client.post("/ballots/vote/cast/", {"b": ballot.pk, "code": code, "option": yes.pk})
    assert again.status_code == 409 and "每位表决人只能投一票" in again.content.decode()
    check = client.get(f"/ballots/receipt/?receipt={receipt}").content.decode()
    assert "同意" in check and "已于" in check


def test_wrong_codes_are_throttled_and_say_so(client, ballot):
    cache.clear()
    guesser = {"REMOTE_ADDR": "198.51.100.13"}  # an address of its own (other tests vote from 127.0.0.1)
    for tries_left in (4, 3, 2, 1):
        response = client.post("/ballots/vote/", {"b": ballot.pk, "code": "ZZZZ-ZZZZ"}, **guesser)
        assert response.status_code == 400 and f"还可以再试 {tries_left} 次" in response.content.decode()
    response = client.post("/ballots/vote/", {"b": ballot.pk, "code": "ZZZZ-ZZZZ"}, **guesser)
    assert response.status_code == 429 and "错误次数过多" in response.content.decode()
    response = client.post("/ballots/vote/", {"b": ballot.pk, "code": "ZZZZ-ZZZZ"}, **guesser)
    assert response.status_code == 429 and "错误次数过多" in response.content.decode()


def test_policy_pages_for_district_admin_only(client, district_admin, street_user, world):
    client.force_login(street_user)
    assert client.get("/ballots/policies/new/").status_code == 403
    client.force_login(district_admin)
    response = client.post(
        "/ballots/policies/new/",
        {
            "division": world.district.pk,
            "name": "武宁县表决规则",
            "effective_from": "2024-01-01",
            "consent_threshold_num": 95,
            "consent_threshold_den": 100,
            "consent_base": "eligible",
            "satisfaction_threshold_num": 90,
            "satisfaction_threshold_den": 100,
            "satisfaction_base": "answered",
            "satisfaction_participation_num": 2,
            "satisfaction_participation_den": 3,
            "choice_threshold_num": 1,
            "choice_threshold_den": 2,
            "choice_base": "answered",
            "participation_num": 2,
            "participation_den": 3,
            "ordinary_pass_num": 1,
            "ordinary_pass_den": 2,
            "major_pass_num": 3,
            "major_pass_den": 4,
            "notice_days": 7,
            "plan_notice_days": 10,
            "door_to_door_required": "on",
            "door_to_door_num": 9,
            "door_to_door_den": 10,
            "panel_residents": 3,
        },
    )
    assert response.status_code == 302
    assert "武宁县表决规则" in client.get("/ballots/policies/").content.decode()
    from consultations.ballots.models import RulePolicy

    policy = RulePolicy.objects.get(name="武宁县表决规则")
    assert (policy.plan_notice_days, policy.panel_residents, policy.door_to_door_required) == (10, 3, True)
