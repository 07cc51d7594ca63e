"""Problems reported from the household page: an opinion (source: household page) routed like the others,
up to three photos validated and kept private, status and answer shown, rated once resolved."""

import io

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from consultations import services as consultation_services
from consultations.models import Opinion
from consultations.residents.models import ReportPhoto
from tests.residents.helpers import card_codes, make_households

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


def png(name="leak.png", color=(200, 30, 30)):
    out = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def test_resident_reports_with_photos_and_staff_route_answer_and_resident_rates(client, world, street_user):
    mine, other = make_households(world.compound_a, n=2)
    codes = card_codes([mine, other])
    code = codes[mine.pk]
    response = client.post(
        f"/h/{code}/report/",
        {"category": "leaks_roofs", "content": "3楼楼道屋顶漏水", "photos": [png("a.png"), png("b.png")]},
    )
    assert response.status_code == 302
    opinion = Opinion.objects.get()
    assert (opinion.source, opinion.household, opinion.compound, opinion.status) == (
        "household_page", mine, world.compound_a, "received",
    )  # fmt: skip
    photos = list(ReportPhoto.objects.filter(opinion=opinion))
    assert len(photos) == 2 and "/media/" not in photos[0].image.path and photos[0].image.url is None
    # the household sees its report, the photo through its own page only
    home = client.get(f"/h/{code}/").content.decode()
    assert "3楼楼道屋顶漏水" in home and "已受理" not in home
    assert client.get(f"/h/{code}/report-photos/{photos[0].pk}/").status_code == 200
    assert client.get(f"/h/{codes[other.pk]}/report-photos/{photos[0].pk}/").status_code == 404
    assert "3楼楼道屋顶漏水" not in client.get(f"/h/{codes[other.pk]}/").content.decode()
    # staff route it like every opinion and answer it
    consultation_services.transition_opinion(opinion, "accepted", user=street_user)
    consultation_services.answer_opinion(opinion, user=street_user, answer="已安排施工单位周五维修")
    consultation_services.transition_opinion(opinion, "resolved", user=street_user)
    home = client.get(f"/h/{code}/").content.decode()
    assert "已安排施工单位周五维修" in home and f"/h/{code}/report/{opinion.pk}/rate/" in home
    # another household cannot rate it; the household rates once
    assert (
        client.post(f"/h/{codes[other.pk]}/report/{opinion.pk}/rate/", {"rating": "unsatisfied"}).status_code
        == 404
    )
    client.post(f"/h/{code}/report/{opinion.pk}/rate/", {"rating": "satisfied"})
    client.post(f"/h/{code}/report/{opinion.pk}/rate/", {"rating": "unsatisfied"})
    opinion.refresh_from_db()
    assert opinion.rating == "satisfied"
    # staff see the photos on the opinion's page
    client.force_login(street_user)
    page = client.get(f"/consultations/opinions/{opinion.pk}/").content.decode()
    assert f"/residents/report-photos/{photos[0].pk}/" in page
    assert client.get(f"/residents/report-photos/{photos[0].pk}/").status_code == 200


def test_bad_reports_change_nothing(client, world):
    mine = make_households(world.compound_a, n=1)[0]
    code = card_codes([mine])[mine.pk]
    too_many = client.post(
        f"/h/{code}/report/",
        {"category": "roads", "content": "路面破损", "photos": [png(f"{i}.png") for i in range(4)]},
    )
    assert too_many.status_code == 400 and "最多 3 张" in too_many.content.decode()
    fake = SimpleUploadedFile("x.png", b"<script>alert(1)</script>", content_type="image/png")
    not_photo = client.post(
        f"/h/{code}/report/", {"category": "roads", "content": "路面破损", "photos": [fake]}
    )
    assert not_photo.status_code == 400
    assert client.post(f"/h/{code}/report/", {"category": "", "content": "x"}).status_code == 400
    assert client.post(f"/h/{code}/report/", {"category": "roads", "content": "  "}).status_code == 400
    assert not Opinion.objects.exists() and not ReportPhoto.objects.exists()
    kept = client.post(
        f"/h/{code}/report/",
        {"category": "roads", "content": "路面破损", "photos": [png() for _ in range(4)]},
    )
    assert "路面破损" in kept.content.decode()  # what was typed is kept


def test_a_resent_report_is_the_first_one(world):
    from consultations.residents import reports

    h = make_households(world.compound_a, n=1)[0]
    first = reports.report_problem(h, category="roads", content="路面破损", photos=[png()])
    again = reports.report_problem(h, category="roads", content="路面破损", photos=[png()])
    assert again.pk == first.pk and Opinion.objects.count() == 1 and ReportPhoto.objects.count() == 1


def test_household_page_queries_do_not_grow_with_the_data(
    client, world, street_user, django_assert_max_num_queries
):
    import datetime as dt

    from django.utils import timezone

    from consultations.residents import reports
    from projects import bookings
    from projects.models import WorkItem
    from tests.residents.menu_helpers import make_survey

    households = make_households(world.compound_a, n=4)
    code = card_codes(households)[households[0].pk]
    survey = make_survey(street_user, world.compound_a)
    for n in range(6):
        WorkItem.objects.create(project=survey.project, name=f"项目{n}")
    item = WorkItem.objects.create(project=survey.project, name="更换外窗", needs_home_entry=True)
    day = timezone.localdate() + dt.timedelta(days=1)
    bookings.publish_slots(
        item, street_user, day=day, start=dt.time(8), end=dt.time(18), minutes=60, capacity=3
    )
    for n in range(5):
        reports.report_problem(households[0], category="roads", content=f"问题{n}", photos=[png()])
    with django_assert_max_num_queries(12):  # measured: 12
        assert client.get(f"/h/{code}/").status_code == 200
