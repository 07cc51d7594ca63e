"""Printable A4 slips (building, unit, room, code, QR code to the voting page), made as a PDF by a
background job (config/pdf.py: WeasyPrint on the server, no browser).

The plain codes exist only in the slips file (the database keeps their hash), so the file is offered to
the person who printed it (BackgroundJob pages are the creator's own)."""

from __future__ import annotations

import segno
from django.core.files.base import ContentFile
from django.utils import translation
from django.utils.translation import gettext as _

from communities.access import record
from communities.jobs import JobFailed
from communities.spreadsheets import csv_row
from config.pdf import render_pdf
from config.site import qr_png_data_uri

from .models import Ballot, Elector
from .services import IssuedCode, format_code, issue_codes


def qr_svg(url: str) -> str:
    """An inline SVG QR code (no external request; prints sharp)."""
    return segno.make(url, error="m").svg_inline(scale=3, border=2, dark="#000", light="#fff")


def slip_rows(ballot: Ballot, issued: list[IssuedCode], progress=None, *, pdf: bool = False) -> list[dict]:
    electors = Elector.objects.in_bulk([i.elector_id for i in issued])
    rows = []
    for n, item in enumerate(issued, start=1):
        e = electors[item.elector_id]
        url = ballot.voting_url(item.code)
        rows.append(
            {
                "label": e.label,
                "building": e.building_name,
                "unit": e.unit,
                "room": e.room,
                "area": e.area if ballot.is_owners_decision else None,
                "code": format_code(item.code),
                "url": url,
                "qr": "" if pdf else qr_svg(url),
                "qr_png": qr_png_data_uri(url) if pdf else "",
                "base_url": ballot.voting_url(),
            }
        )
        if progress is not None and n % 25 == 0:
            progress(n, len(issued))
    return rows


def _issue(job, ballot: Ballot, progress, share: int = 1) -> list[IssuedCode]:
    """Issue the job's codes (new ones for everyone who has not voted with params["reissue"]),
    reporting progress over 1/share of the bar."""
    electors = ballot.electors.all()
    ids = None
    if job.params.get("reissue"):
        ids = list(electors.filter(vote__isnull=True).values_list("pk", flat=True))
        todo = len(ids)
    else:
        todo = electors.filter(code_hash="").count()
    progress(0, max(todo * share, 1), force=True)
    return issue_codes(
        ballot,
        job.created_by,
        elector_ids=ids,
        reissue=bool(job.params.get("reissue")),
        progress=lambda done, total: progress(done, max(total * share, 1)),
    )


def _ballot_for(job) -> Ballot:
    ballot = (
        Ballot.objects.select_related("compound__division").filter(pk=job.params.get("ballot_id")).first()
    )
    if ballot is None:
        raise JobFailed(_("No such ballot."))
    if not Ballot.objects.editable_by(job.created_by).filter(pk=ballot.pk).exists():
        raise JobFailed(_("You may not print slips for this ballot."))
    return ballot


def issue_codes_csv(job, progress) -> None:
    """Job handler (API): issue codes and keep them in a CSV (label, code, voting link) for the caller
    to download once -- the database keeps only their hash. params {"ballot_id": id, "reissue": bool}."""
    import csv
    import io

    ballot = _ballot_for(job)
    issued = _issue(job, ballot, progress)
    labels = dict(Elector.objects.filter(pk__in=[i.elector_id for i in issued]).values_list("pk", "label"))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["elector", "label", "code", "url"])
    for item in issued:
        writer.writerow(
            csv_row(
                [item.elector_id, labels.get(item.elector_id, ""), item.display, ballot.voting_url(item.code)]
            )
        )
    job.result_file.save(
        f"ballot-{ballot.pk}-codes.csv", ContentFile(out.getvalue().encode("utf-8-sig")), save=False
    )
    job.result = {"codes": len(issued), "ballot": ballot.pk}
    job.message = _("%(n)s codes issued") % {"n": len(issued)}
    record(
        user=job.created_by,
        action="export",
        object_type="ballot_codes",
        object_ids=[ballot.pk],
        fields="codes",
        reason="issue voting codes",
    )


def render_slips(job, progress) -> None:
    """Job handler: params {"ballot_id": id, "reissue": bool}."""
    ballot = _ballot_for(job)
    issued = _issue(job, ballot, progress, share=2)  # issuing is the first half of the bar, slips the second
    if not issued:
        job.message = _(
            "Every elector already has a code: use 'Reprint all slips with new codes' (the old slips "
            "stop working)."
        )
        return
    n = len(issued)
    with translation.override("zh-hans"):
        rows = slip_rows(ballot, issued, lambda done, total: progress(n + done, 2 * n), pdf=True)
        pdf = render_pdf("ballots/slips_pdf.html", {"ballot": ballot, "slips": rows})
    job.result_file.save(f"ballot-{ballot.pk}-slips.pdf", ContentFile(pdf), save=False)
    job.result = {"slips": len(rows), "ballot": ballot.pk}
    job.message = _("%(n)s slips") % {"n": len(rows)}
    record(
        user=job.created_by,
        action="export",
        object_type="ballot_slips",
        object_ids=[ballot.pk],
        fields="codes",
        reason="print voting slips",
    )
    progress(2 * n, 2 * n, force=True)
