"""The acceptance report as a printed document (PDF made on the server)."""

from django.urls import reverse

from tests.pdf_checks import keep_pdf, pdf_text

from .test_acceptance import _run_round


def test_acceptance_report_pdf(client, site, street_user, secretary_b):
    acceptance = _run_round(street_user, site.project, satisfied=5)  # 5 of 6: 83.33% < 90%
    client.force_login(street_user)
    page = client.get(acceptance.get_absolute_url()).content.decode()
    url = reverse("supervision:acceptance_report", args=[acceptance.pk])
    assert url in page
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    keep_pdf(response.content, "acceptance-report")
    text = pdf_text(response.content)
    flat = text.replace("\n", " ")
    assert "验收报告" in text and "民居巷血防站改造" in text
    # the panel, each member with a signature column, and its verdict
    for m in acceptance.panel.all():
        assert m.name in text
    assert "签字" in text and acceptance.get_panel_verdict_display() in text and "资料齐全" in text
    # the satisfaction figures and the outcome
    assert "83.33%" in flat and "90%" in flat
    assert acceptance.get_status_display() in text
    client.force_login(secretary_b)  # another community: outside the project's scope
    assert client.get(url).status_code == 404
