"""Documents printed for residents: the notice poster for the board."""

from django.urls import reverse
from django.utils import timezone

from consultations.models import NoticeObjection
from tests.pdf_checks import keep_pdf, pdf_pages, pdf_text, qr_targets

from .test_views import household_a, records_a  # noqa: F401  (fixtures)


def test_notice_poster_is_a_one_page_pdf_without_objections(
    client,
    secretary_a,
    records_a,  # noqa: F811
    settings,
):
    settings.SITE_URL = "http://127.0.0.1:8781"
    notice = records_a["notice"]
    NoticeObjection.objects.create(
        notice=notice, text="楼道堆物没写进方案", name="王秀英", contact="13912345678", handling="已电话联系"
    )
    client.force_login(secretary_a)
    detail = client.get(reverse("consultations:notice_detail", args=[notice.pk])).content.decode()
    poster_url = reverse("consultations:notice_poster", args=[notice.pk])
    assert poster_url in detail
    response = client.get(poster_url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    data = response.content
    keep_pdf(data, "notice-poster")
    text = pdf_text(data)
    assert "方案公示" in text and "正文" in text and "公示期" in text
    # the poster shows the local (Asia/Shanghai) date: after 16:00 UTC it is already the next day there
    assert timezone.localtime(notice.ends_at).strftime("%Y年%-m月%-d日") in text
    # nothing of the objections: no text, no name, no phone (masked or not), no handling note
    for private in ("楼道堆物", "王秀英", "1391", "5678", "已电话联系", "异议人"):
        assert private not in text
    public = "http://127.0.0.1:8781" + notice.get_public_url()
    assert public in text.replace("\n", "")
    assert qr_targets(data, [public]) == [public]
    assert pdf_pages(data) == 1


def test_notice_poster_is_scoped(client, secretary_b, records_a):  # noqa: F811
    client.force_login(secretary_b)
    url = reverse("consultations:notice_poster", args=[records_a["notice"].pk])
    assert client.get(url).status_code == 404


def test_meeting_sign_in_sheet_lists_households_without_names(
    client,
    secretary_a,
    records_a,  # noqa: F811
    household_a,  # noqa: F811
):
    meeting = records_a["meeting"]
    client.force_login(secretary_a)
    page = client.get(reverse("consultations:meeting_detail", args=[meeting.pk])).content.decode()
    url = reverse("consultations:meeting_sign_in", args=[meeting.pk])
    assert url in page
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    keep_pdf(response.content, "meeting-sign-in")
    text = pdf_text(response.content)
    assert "板凳会" in text and "签到表" in text and "签字" in text and "参会人姓名" in text
    assert household_a.label in text  # a row per household of the compound
    for person in household_a.ownerships.select_related("person"):
        assert person.person.name not in text and person.person.phone not in text


def test_demand_list_pdf(client, secretary_a, records_a):  # noqa: F811
    opinion = records_a["opinion"]
    client.force_login(secretary_a)
    client.post(
        reverse("consultations:opinion_transition", args=[opinion.pk]), {"to": "accepted", "answer": "纳入"}
    )
    page = client.get(reverse("consultations:demand_list")).content.decode()
    url = reverse("consultations:demand_print")
    assert url in page
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    keep_pdf(response.content, "demand-list")
    text = pdf_text(response.content)
    assert "需求清单" in text and "车位" in text and "停车" in text and "已纳入需求清单" in text
    assert household_a_label_absent(text, opinion)


def household_a_label_absent(text: str, opinion) -> bool:
    return opinion.household is None or opinion.household.label not in text
