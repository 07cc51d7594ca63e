"""Issue 9: an option counts as agreement only because a person said so; a ballot's kind fixes its rule;
opening is confirmed with the rule, the options and their yes flags in view; results say per option
whether it counted as yes. Each defect of the issue is reproduced first (page, API and service)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from communities.errors import Conflict, DomainError
from consultations.ballots import services
from consultations.ballots.models import Ballot
from consultations.models import Notice
from tests.ballots.factories import (
    abstain,
    make_ballot,
    make_households,
    option,
    option_form_data,
    vote_each,
    yes,
    yes_ids,
)

pytestmark = pytest.mark.django_db

SUPPORT = [yes("支持"), "反对", abstain()]


@pytest.fixture
def twenty(world):
    return make_households(world.compound_a, areas=(Decimal("80.00"),) * 20)


def _strip_yes_flags(ballot):
    """What a ballot created before this issue (or through a path that skipped the flags) looks like."""
    ballot.options.update(counts_as_yes=False)


# --- the defects, reproduced ------------------------------------------------------------------------------


def test_all_owners_against_is_never_published_as_passed(world, street_user, twenty):
    """Issue 9: 支持/反对/弃权, all 20 owners 反对, was tallied and published as 「结果：通过」."""
    ballot = make_ballot(street_user, world.compound_a, kind="owners_ordinary", options=SUPPORT)
    _strip_yes_flags(ballot)  # no option counts as yes any more (legacy data)
    vote_each(ballot, street_user, ["反对"] * 20)
    services.close_ballot(ballot, street_user, reason="测试")
    ballot.refresh_from_db()
    assert ballot.passed is False
    notice = Notice.objects.get(pk=ballot.result_notice_id)
    assert "结果：通过" not in notice.body and "结果：未通过" in notice.body
    assert "没有任何选项计为同意" in notice.body
    assert all(not o["counted_as_yes"] for o in ballot.result["options"])


def test_consent_twenty_of_twenty_against_does_not_pass(world, street_user, twenty):
    ballot = make_ballot(street_user, world.compound_a, options=[yes("支持"), "反对"])
    _strip_yes_flags(ballot)
    vote_each(ballot, street_user, ["反对"] * 20)
    assert services.tally(ballot).passed is False


def test_api_owners_major_five_of_six_against_does_not_pass(api_as, world, street_user):
    make_households(world.compound_a, areas=(Decimal("80.00"),) * 6)
    client = api_as(street_user)
    now = timezone.now()
    body = {
        "kind": "owners_major",
        "title": "外墙改造（重大事项）",
        "compound": world.compound_a.pk,
        "options": ["支持", "反对", "弃权"],
        "opens_at": (now - timedelta(minutes=1)).isoformat(),
        "closes_at": (now + timedelta(days=3)).isoformat(),
    }
    refused = client.post("/api/v1/ballots/", body, format="json")
    assert refused.status_code == 400, refused.json()
    assert refused.json()["field"] == "options" and "支持" in refused.json()["detail"]
    assert not Ballot.objects.exists()

    body["options"] = [
        {"label": "支持", "counts_as_yes": True},
        "反对",
        {"label": "弃权", "is_abstention": True},
    ]
    created = client.post("/api/v1/ballots/", body, format="json")
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    support = next(o["id"] for o in created.json()["options"] if o["label"] == "支持")
    assert (
        client.post(f"/api/v1/ballots/{pk}/open/", {"yes_options": [support]}, format="json").status_code
        == 200
    )
    ballot = Ballot.objects.get(pk=pk)
    vote_each(ballot, street_user, ["反对"] * 5 + ["支持"])
    closed = client.post(f"/api/v1/ballots/{pk}/close/", {"reason": "测试"}, format="json").json()
    assert closed["passed"] is False
    tally = client.get(f"/api/v1/ballots/{pk}/tally/").json()
    assert {o["label"]: o["counted_as_yes"] for o in tally["options"]} == {
        "支持": True,
        "反对": False,
        "弃权": False,
    }


# --- yes options chosen explicitly at creation ------------------------------------------------------------


@pytest.mark.parametrize(
    "kind", ["renovation_consent", "owners_ordinary", "owners_major", "acceptance_satisfaction", "other"]
)
def test_service_refuses_an_agreement_ballot_without_a_yes_option(world, street_user, twenty, kind):
    with translation.override("en"), pytest.raises(DomainError) as exc:
        make_ballot(street_user, world.compound_a, kind=kind, opened=False, options=["支持", "反对", "弃权"])
    assert exc.value.field == "options"
    assert "count as yes" in exc.value.message and "支持" in exc.value.message  # the standard wording offered
    with pytest.raises(DomainError, match="计为同意"):
        make_ballot(
            street_user, world.compound_a, kind=kind, opened=False, options=[yes("支持"), yes("赞成")]
        )
    assert not Ballot.objects.exists()


def test_elevator_needs_yes_options_too(world, street_user, twenty):
    unit = [{"building": twenty[0].building_id, "unit": "1"}]
    with pytest.raises(DomainError):
        make_ballot(
            street_user,
            world.compound_a,
            kind="elevator_retrofit",
            opened=False,
            scope_units=unit,
            options=["同意", "不同意"],
        )
    ballot = make_ballot(
        street_user,
        world.compound_a,
        kind="elevator_retrofit",
        opened=False,
        scope_units=unit,
        options=[yes("同意"), "不同意"],
    )
    assert yes_ids(ballot) == [option(ballot, "同意").pk]


def test_the_kinds_default_options_carry_explicit_flags(world, street_user, twenty):
    consent = make_ballot(street_user, world.compound_a, opened=False)
    assert [(o.label, o.counts_as_yes, o.is_abstention) for o in consent.options.all()] == [
        ("同意", True, False),
        ("不同意", False, False),
        ("弃权", False, True),
    ]


def test_plan_choice_has_no_yes_options(world, street_user, twenty):
    with pytest.raises(DomainError) as exc:
        make_ballot(
            street_user, world.compound_a, kind="plan_choice", opened=False, options=[yes("方案一"), "方案二"]
        )
    assert exc.value.field == "options"


def test_plan_choice_passes_only_when_its_leader_clears_the_threshold(world, street_user):
    make_households(world.compound_a, areas=(Decimal("80.00"),) * 10)
    plans = ["方案一", "方案二", "方案三"]
    ballot = make_ballot(street_user, world.compound_a, kind="plan_choice", options=plans)
    vote_each(ballot, street_user, ["方案一"] * 4 + ["方案二"] * 3 + ["方案三"] * 3)
    result = services.tally(ballot)
    assert not result.passed  # leads with 4/10 but the threshold is 1/2 of answers
    assert [o["counted_as_yes"] for o in result.options] == [True, False, False]
    other = make_ballot(street_user, world.compound_a, kind="plan_choice", options=plans, title="二")
    vote_each(other, street_user, ["方案一"] * 5 + ["方案二"] * 3 + ["方案三"] * 2)
    assert services.tally(other).passed  # 5/10: at least half


def test_leading_option_reading_only_for_a_plan_choice(world, street_user, twenty):
    ballot = make_ballot(street_user, world.compound_a, kind="other", options=[yes("赞成"), "反对"])
    _strip_yes_flags(ballot)
    vote_each(ballot, street_user, ["反对"] * 15 + ["赞成"] * 5)
    result = services.tally(ballot)
    assert not result.passed and result.yes_count == 0
    assert not any(o["counted_as_yes"] for o in result.options)


def test_page_create_asks_which_options_count_as_yes(client, world, street_user, twenty):
    client.force_login(street_user)
    page = client.get(f"/ballots/new/?compound={world.compound_a.pk}").content.decode()
    # the kind's default options are offered with their yes flags, ticked, and the standard wording named
    assert 'name="opt-0-label" value="同意"' in page and 'name="opt-0-counts_as_yes"' in page
    assert "支持" in page
    now = timezone.localtime()
    data = {
        "compound": world.compound_a.pk,
        "kind": "renovation_consent",
        "title": "楼道改造意愿",
        "opens_at": now.strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (now + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"),
        **option_form_data(["支持", "反对", abstain()]),
    }
    refused = client.post(f"/ballots/new/?compound={world.compound_a.pk}", data)
    assert refused.status_code == 200
    html = refused.content.decode()
    assert "计为同意" in html and "支持" in html
    assert not Ballot.objects.exists()
    data.update(option_form_data([yes("支持"), "反对", abstain()]))
    created = client.post(f"/ballots/new/?compound={world.compound_a.pk}", data)
    assert created.status_code == 302, created.content.decode()[:3000]
    ballot = Ballot.objects.get()
    assert [(o.label, o.counts_as_yes, o.is_abstention) for o in ballot.options.all()] == [
        ("支持", True, False),
        ("反对", False, False),
        ("弃权", False, True),
    ]


def test_page_creates_each_kind_with_freely_worded_options(client, world, street_user, twenty):
    client.force_login(street_user)
    now = timezone.localtime()
    unit = f"{twenty[0].building_id}:1"
    cases = {
        "renovation_consent": [yes("愿意改造"), "不愿意"],
        "plan_choice": ["方案甲：划线停车", "方案乙：立体车棚", abstain("都不选")],
        "elevator_retrofit": [yes("赞成加装"), "反对加装", abstain()],
        "owners_ordinary": [yes("支持选聘"), "反对选聘", abstain()],
        "owners_major": [yes("支持维修"), "不支持", abstain()],
        "acceptance_satisfaction": [yes("很满意"), yes("还可以"), "不满意"],
        "other": [yes("可以"), "不可以"],
    }
    for kind, options in cases.items():
        data = {
            "compound": world.compound_a.pk,
            "kind": kind,
            "title": f"自由措辞 {kind}",
            "opens_at": now.strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (now + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"),
            **option_form_data(options),
        }
        if kind == "elevator_retrofit":
            data["scope_units"] = [unit]
        response = client.post(f"/ballots/new/?compound={world.compound_a.pk}", data)
        assert response.status_code == 302, (kind, response.content.decode()[:3000])
        ballot = Ballot.objects.get(title=f"自由措辞 {kind}")
        expected = [{"label": o} if isinstance(o, str) else o for o in options]
        assert [o.label for o in ballot.options.all()] == [o["label"] for o in expected]
        assert [o.counts_as_yes for o in ballot.options.all()] == [
            bool(o.get("counts_as_yes")) for o in expected
        ]


# --- a ballot's kind fixes its rule ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind,rule,allowed",
    [
        ("owners_major", "art278_ordinary", False),
        ("owners_major", "threshold", False),
        ("owners_major", "art278_major", True),
        ("owners_ordinary", "art278_ordinary", True),
        ("owners_ordinary", "art278_major", True),
        ("owners_ordinary", "threshold", False),
        ("elevator_retrofit", "threshold", False),
        ("elevator_retrofit", "art278_ordinary", False),
        ("elevator_retrofit", "art278_major", True),
        ("acceptance_satisfaction", "art278_ordinary", False),
        ("acceptance_satisfaction", "threshold", True),
        ("renovation_consent", "art278_major", False),
        ("renovation_consent", "threshold", True),
        ("plan_choice", "art278_major", False),
    ],
)
def test_kind_fixes_the_rules_it_may_use(api_as, world, street_user, twenty, kind, rule, allowed):
    options = ["方案一", "方案二"] if kind == "plan_choice" else [yes("同意"), "不同意"]
    scope = [{"building": twenty[0].building_id, "unit": "1"}] if kind == "elevator_retrofit" else []
    now = timezone.now()
    body = {
        "kind": kind,
        "rule": rule,
        "title": "规则",
        "compound": world.compound_a.pk,
        "options": options,
        "scope_units": scope,
        "opens_at": now.isoformat(),
        "closes_at": (now + timedelta(days=1)).isoformat(),
    }
    response = api_as(street_user).post("/api/v1/ballots/", body, format="json")
    assert response.status_code == (201 if allowed else 400), response.json()
    if not allowed:
        assert response.json()["field"] == "rule"


def test_page_refuses_a_rule_the_kind_does_not_allow(client, world, street_user, twenty):
    client.force_login(street_user)
    now = timezone.localtime()
    response = client.post(
        f"/ballots/new/?compound={world.compound_a.pk}",
        {
            "compound": world.compound_a.pk,
            "kind": "owners_major",
            "rule": "art278_ordinary",
            "title": "维修资金续筹",
            "opens_at": now.strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (now + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"),
            **option_form_data([yes("同意"), "不同意", abstain()]),
        },
    )
    assert response.status_code == 200
    assert "重大事项" in response.content.decode() and not Ballot.objects.exists()


def test_a_draft_whose_kind_changes_keeps_to_the_rules(world, street_user, twenty):
    plan = make_ballot(street_user, world.compound_a, kind="plan_choice", opened=False, options=["甲", "乙"])
    with pytest.raises(DomainError) as exc:
        services.update_draft_ballot(plan, street_user, kind="renovation_consent")
    assert exc.value.field == "options"


# --- opening: confirmed with the rule, the options and their yes flags in view --------------------------


def test_open_page_shows_rule_options_and_yes_flags_to_confirm(client, world, street_user, twenty):
    ballot = make_ballot(street_user, world.compound_a, kind="owners_ordinary", opened=False, options=SUPPORT)
    client.force_login(street_user)
    detail = client.get(f"/ballots/{ballot.pk}/").content.decode()
    assert f'href="/ballots/{ballot.pk}/open/"' in detail
    page = client.get(f"/ballots/{ballot.pk}/open/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "民法典第278条" in html and "2/3" in html and "1/2" in html
    assert 'id="confirm-options"' in html and "支持" in html and "计为同意" in html
    # without the confirmation nothing opens
    client.post(f"/ballots/{ballot.pk}/open/", {})
    ballot.refresh_from_db()
    assert ballot.status == "draft"
    # a confirmation that does not match what the ballot says is refused
    client.post(f"/ballots/{ballot.pk}/open/", {"yes_option": [option(ballot, "反对").pk]})
    ballot.refresh_from_db()
    assert ballot.status == "draft"
    response = client.post(f"/ballots/{ballot.pk}/open/", {"yes_option": yes_ids(ballot)})
    assert response.status_code == 302
    ballot.refresh_from_db()
    assert ballot.status == "open"


def test_a_draft_without_yes_options_cannot_open_page_api_service(client, api_as, world, street_user, twenty):
    ballot = make_ballot(street_user, world.compound_a, kind="owners_ordinary", opened=False, options=SUPPORT)
    _strip_yes_flags(ballot)
    reason = services.opening_refusal(ballot)
    assert reason and "计为同意" in reason
    client.force_login(street_user)
    assert reason in client.get(f"/ballots/{ballot.pk}/").content.decode()  # shown before trying
    assert reason in client.get(f"/ballots/{ballot.pk}/open/").content.decode()
    client.post(f"/ballots/{ballot.pk}/open/", {"yes_option": []})
    response = api_as(street_user).post(
        f"/api/v1/ballots/{ballot.pk}/open/", {"yes_options": []}, format="json"
    )
    assert response.status_code == 409 and response.json()["detail"] == reason
    with pytest.raises(Conflict):
        services.open_ballot(ballot, street_user)
    ballot.refresh_from_db()
    assert ballot.status == "draft" and not ballot.electors.exists()


def test_api_open_needs_the_yes_options_confirmed(api_as, world, street_user, twenty):
    ballot = make_ballot(street_user, world.compound_a, opened=False)
    client = api_as(street_user)
    check = client.get(f"/api/v1/ballots/{ballot.pk}/opening-check/").json()
    assert check["refusals"] == [] and check["yes_options"] == yes_ids(ballot)
    assert [(o["label"], o["counts_as_yes"]) for o in check["options"]][:2] == [
        ("同意", True),
        ("不同意", False),
    ]
    assert "95%" in check["rule"]["text"]
    missing = client.post(f"/api/v1/ballots/{ballot.pk}/open/", {}, format="json")
    assert missing.status_code == 400 and "yes_options" in missing.json()["errors"]
    wrong = client.post(
        f"/api/v1/ballots/{ballot.pk}/open/", {"yes_options": [option(ballot, "不同意").pk]}, format="json"
    )
    assert wrong.status_code == 409 and "同意" in wrong.json()["detail"]
    right = client.post(f"/api/v1/ballots/{ballot.pk}/open/", {"yes_options": yes_ids(ballot)}, format="json")
    assert right.status_code == 200 and right.json()["status"] == "open"


# --- result, notice and API say per option whether it counted as yes --------------------------------------


def test_result_notice_and_api_say_which_options_counted_as_yes(client, api_as, world, street_user, twenty):
    ballot = make_ballot(
        street_user,
        world.compound_a,
        kind="acceptance_satisfaction",
        options=[yes("满意"), yes("基本满意"), "不满意"],
    )
    vote_each(ballot, street_user, ["满意"] * 15 + ["基本满意"] * 4 + ["不满意"])
    services.close_ballot(ballot, street_user, reason="测试")
    ballot.refresh_from_db()
    assert [(o["label"], o["counted_as_yes"]) for o in ballot.result["options"]] == [
        ("满意", True),
        ("基本满意", True),
        ("不满意", False),
    ]
    body = Notice.objects.get(pk=ballot.result_notice_id).body
    assert "满意（计为同意）：15" in body and "基本满意（计为同意）：4" in body and "不满意：1" in body
    client.force_login(street_user)
    html = client.get(f"/ballots/{ballot.pk}/").content.decode()
    assert html.count("计为同意") >= 2
    api = api_as(street_user).get(f"/api/v1/ballots/{ballot.pk}/tally/").json()
    assert [o["counted_as_yes"] for o in api["options"]] == [True, True, False]


def test_admin_cannot_change_what_an_open_ballots_options_mean(client, world, street_user, twenty):
    from tests import factories as f

    admin = f.UserFactory(username="root", is_staff=True, is_superuser=True)
    draft = make_ballot(street_user, world.compound_a, opened=False, title="草稿")
    opened = make_ballot(street_user, world.compound_a, title="已开始")
    client.force_login(admin)
    assert (
        'name="options-0-counts_as_yes"'
        in client.get(f"/admin/ballots/ballot/{draft.pk}/change/").content.decode()
    )
    html = client.get(f"/admin/ballots/ballot/{opened.pk}/change/").content.decode()
    assert 'name="options-0-counts_as_yes"' not in html and 'name="options-0-label"' not in html
