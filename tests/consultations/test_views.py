import pytest
from django.core.cache import cache
from django.urls import reverse

from consultations import services
from consultations.models import NoticeObjection, Opinion, Visit
from tests import factories as f
from tests.consultations import factories as cf


@pytest.fixture
def household_a(world):
    return f.HouseholdFactory(
        building=f.BuildingFactory(compound=world.compound_a, name="3栋"), unit="2", room="302"
    )


@pytest.fixture
def records_a(world, household_a, secretary_a):
    visit = services.log_visit(
        user=secretary_a,
        household=household_a,
        attitude="support",
        opinions=[{"category": "parking", "content": "车位"}],
    )
    notice = services.publish_notice(
        compound=world.compound_a, title="方案公示", body="正文", user=secretary_a
    )
    meeting = services.create_meeting(
        user=secretary_a, kind="bench", title="板凳会", compound=world.compound_a
    )
    d = services.start_deliberation(
        user=secretary_a,
        procedure=services.ensure_standard_procedures()[0],
        title="事项",
        compound=world.compound_a,
    )
    return {
        "visit": visit,
        "opinion": visit.opinions.get(),
        "notice": notice,
        "meeting": meeting,
        "deliberation": d,
    }


def _pages(r):
    return [
        reverse("consultations:my_households"),
        reverse("consultations:visit_list"),
        reverse("consultations:visit_create") + f"?compound={r['visit'].compound_id}",
        r["visit"].get_absolute_url(),
        reverse("consultations:coverage") + f"?compound={r['visit'].compound_id}",
        reverse("consultations:building_grid", args=[r["visit"].household.building_id]),
        reverse("consultations:opinion_list"),
        r["opinion"].get_absolute_url(),
        reverse("consultations:demand_list"),
        reverse("consultations:meeting_list"),
        r["meeting"].get_absolute_url(),
        reverse("consultations:deliberation_list"),
        r["deliberation"].get_absolute_url(),
        reverse("consultations:notice_list"),
        r["notice"].get_absolute_url(),
    ]


def test_pages_render_in_chinese(client, secretary_a, records_a):
    client.force_login(secretary_a)
    for url in _pages(records_a):
        r = client.get(url)
        assert r.status_code == 200, url
    assert "登记走访" in client.get(reverse("consultations:my_households")).content.decode()
    body = client.get(reverse("consultations:coverage")).content.decode()
    assert "走访覆盖" in body and "户已走访" in body


def test_objects_of_community_a_are_404_for_secretary_b(client, secretary_b, records_a):
    client.force_login(secretary_b)
    for key in ("visit", "opinion", "notice", "meeting", "deliberation"):
        assert client.get(records_a[key].get_absolute_url()).status_code == 404
    grid = reverse("consultations:building_grid", args=[records_a["visit"].household.building_id])
    assert client.get(grid).status_code == 404


def test_contractor_sees_no_consultations(client, contractor, records_a):
    client.force_login(contractor)
    assert client.get(reverse("consultations:coverage")).status_code == 404
    assert client.get(records_a["opinion"].get_absolute_url()).status_code == 404
    assert client.get(reverse("consultations:visit_create")).status_code == 403


def test_viewer_reads_but_cannot_move_opinions(client, viewer, records_a):
    client.force_login(viewer)
    opinion = records_a["opinion"]
    assert client.get(opinion.get_absolute_url()).status_code == 200
    r = client.post(reverse("consultations:opinion_transition", args=[opinion.pk]), {"to": "accepted"})
    assert r.status_code in (302, 403)
    assert Opinion.objects.get(pk=opinion.pk).status == "received"


def test_log_visit_through_the_form(client, grid_worker_a, household_a):
    client.force_login(grid_worker_a)
    url = reverse("consultations:visit_create") + f"?household={household_a.pk}"
    assert client.get(url).status_code == 200
    r = client.post(
        url,
        {
            "household": household_a.pk,
            "channel": "door",
            "attitude": "oppose",
            "notes": "担心施工噪音",
            "op-TOTAL_FORMS": "2",
            "op-INITIAL_FORMS": "0",
            "op-0-category": "elevator",
            "op-0-content": "希望加装电梯",
            "op-1-category": "",
            "op-1-content": "",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    visit = Visit.objects.get()
    assert visit.attitude == "oppose" and visit.opinions.get().category == "elevator"
    done = client.get(r.url).content.decode()
    assert "data-clear-draft" in done


def test_opinion_lifecycle_through_pages(client, secretary_a, records_a):
    client.force_login(secretary_a)
    opinion = records_a["opinion"]
    url = reverse("consultations:opinion_transition", args=[opinion.pk])
    client.post(url, {"to": "declined"})  # no reason: refused
    assert Opinion.objects.get(pk=opinion.pk).status == "received"
    client.post(url, {"to": "accepted", "answer": "纳入需求清单"})
    assert Opinion.objects.get(pk=opinion.pk).status == "accepted"
    assert "车位" in client.get(reverse("consultations:demand_list")).content.decode()


def test_public_notice_takes_objections_without_login_and_rate_limits(client, records_a):
    cache.clear()
    notice = records_a["notice"]
    url = notice.get_public_url()
    page = client.get(url)
    assert page.status_code == 200 and "有异议吗" in page.content.decode()
    assert (
        client.get(reverse("consultations:notice_qr", args=[notice.slug]))["Content-Type"] == "image/svg+xml"
    )
    for i in range(5):
        r = client.post(url, {"text": f"异议{i}"})
        assert r.status_code == 302
    r = client.post(url, {"text": "第六条"})
    assert r.status_code == 200 and "频繁" in r.content.decode()
    assert NoticeObjection.objects.filter(notice=notice).count() == 5
    cache.clear()


@pytest.mark.parametrize(
    "name",
    [
        "visit_list",
        "opinion_list",
        "meeting_list",
        "notice_list",
        "deliberation_list",
        "demand_list",
        "my_households",
    ],
)
def test_page_lists_run_constant_queries(
    client, world, secretary_a, records_a, name, django_assert_max_num_queries
):
    client.force_login(secretary_a)
    url = reverse(f"consultations:{name}")
    client.get(url)

    def grow():
        branch = cf.branch_for(world.compound_a)
        me = cf.member(branch, user=secretary_a)
        building = f.BuildingFactory(compound=world.compound_a)
        for i in range(12):
            h = f.HouseholdFactory(building=building)
            cf.assign(branch, h, me)
            v = services.log_visit(
                user=secretary_a,
                household=h,
                attitude="support",
                opinions=[{"category": "roads", "content": f"路{i}"}],
            )
            services.transition_opinion(v.opinions.get(), "accepted", user=secretary_a)
            services.publish_notice(compound=world.compound_a, title=f"n{i}", body="b", user=secretary_a)
            services.create_meeting(user=secretary_a, kind="bench", title=f"m{i}", compound=world.compound_a)
            services.start_deliberation(
                user=secretary_a,
                procedure=services.ensure_standard_procedures()[0],
                title=f"d{i}",
                compound=world.compound_a,
            )

    with django_assert_max_num_queries(20) as small:
        client.get(url)
    grow()
    with django_assert_max_num_queries(len(small.captured_queries) + 1):
        assert client.get(url).status_code == 200


def test_coverage_of_too_many_households_asks_for_a_narrower_place(
    client, api_as, district_admin, records_a, world, monkeypatch
):
    """Coverage sums every household of the place in one pass: for a province superuser with no place
    chosen that was 901,400 households, 3 million visits and a table of 25,000 buildings (15.6 s).
    Past `coverage.MAX_HOUSEHOLDS` the page and the API say to choose a narrower place (the overview
    has the figures of whole districts and cities); a place under it shows its figures as before."""
    from consultations import coverage

    monkeypatch.setattr(coverage, "MAX_HOUSEHOLDS", 1)
    f.HouseholdFactory(building=f.BuildingFactory(compound=world.compound_b))  # the district holds 2
    client.force_login(district_admin)
    body = client.get(reverse("consultations:coverage")).content.decode()
    assert 'id="coverage-figures"' not in body and 'name="compound"' in body
    assert "住户超过 1 户" in body
    api = api_as(district_admin).get("/api/v1/coverage/")
    assert api.status_code == 400 and "1" in api.json()["detail"]

    body = client.get(reverse("consultations:coverage"), {"compound": world.compound_a.pk}).content.decode()
    assert 'id="coverage-figures"' in body and "住户超过" not in body
    assert (
        api_as(district_admin).get("/api/v1/coverage/", {"compound": world.compound_a.pk}).status_code == 200
    )
