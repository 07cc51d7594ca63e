"""A refused submit keeps what was typed (the page comes back with the text in its field)."""

from django.urls import reverse

from consultations.models import NoticeObjection, Opinion

from .test_views import household_a, records_a  # noqa: F401  (fixtures)


def test_refused_objection_handling_keeps_the_text(client, secretary_a, records_a):  # noqa: F811
    notice = records_a["notice"]
    objection = NoticeObjection.objects.create(notice=notice, text="楼道堆物没写进方案")
    client.force_login(secretary_a)
    url = reverse("consultations:objection_handle", args=[objection.pk])
    typed = "已电话联系，方案补充楼道清理"
    response = client.post(url, {"handling": typed})  # no outcome chosen: refused
    assert response.status_code == 200
    assert typed in response.content.decode()
    objection.refresh_from_db()
    assert objection.status == "pending" and not objection.handling


def test_refused_answer_keeps_the_text(client, secretary_a, records_a):  # noqa: F811
    opinion = records_a["opinion"]
    other = Opinion.objects.create(compound=opinion.compound, category="parking", content="同上")
    client.force_login(secretary_a)
    client.post(
        reverse("consultations:opinion_transition", args=[other.pk]),
        {"to": "merged", "merged_into": opinion.pk},
    )
    other.refresh_from_db()
    assert other.status == "merged"
    typed = "车位规划已纳入二期"
    response = client.post(reverse("consultations:opinion_answer", args=[other.pk]), {"answer": typed})
    assert response.status_code == 200
    assert typed in response.content.decode()
    other.refresh_from_db()
    assert other.answer != typed
