"""The voting slips PDF: eight slips a page, laid out page by page.

WeasyPrint lays a flex container out again for every page it spans, each time measuring every child
still to place. One flex container holding all the slips made the PDF quadratic: 240 slips took
several minutes (a ballot of 900 electors would not finish). Each page's eight slips are a
container of their own now."""

import datetime
import re
import shutil
import subprocess
from html.parser import HTMLParser

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from config.pdf import render_pdf
from config.site import qr_png_data_uri

PER_PAGE = 8


class _Ballot:
    title = "南阳路174号院加装电梯表决"
    closes_at = datetime.datetime(2026, 12, 20, 18, 0)


def _slips(n: int) -> list[dict]:
    url = "http://127.0.0.1:8000/vote/"
    return [
        {
            "building": "3号楼",
            "unit": "2",
            "room": f"{i + 101}",
            "area": None,
            "code": f"SLIP-{i:04d}",
            "url": url,
            "qr": "",
            "qr_png": qr_png_data_uri(url),
            "base_url": url,
        }
        for i in range(n)
    ]


class _Sheets(HTMLParser):
    """The codes of the slips in each `.sheet`, in document order."""

    def __init__(self):
        super().__init__()
        self.sheets: list[list[str]] = []
        self._in_code = False

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if "sheet" in classes:
            self.sheets.append([])
        self._in_code = "code" in classes

    def handle_data(self, data):
        if self._in_code and data.strip():
            self.sheets[-1].append(data.strip())
            self._in_code = False


def test_each_sheet_holds_one_page_of_slips_in_order():
    slips = _slips(20)
    html = render_to_string("ballots/_slips_sheet.html", {"ballot": _Ballot, "slips": slips, "pdf": True})
    parser = _Sheets()
    parser.feed(html)
    assert [len(s) for s in parser.sheets] == [8, 8, 4]
    assert [code for sheet in parser.sheets for code in sheet] == [s["code"] for s in slips]


def test_the_pdf_prints_eight_slips_a_page(tmp_path):
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) not installed: `make browser-deps`")
    slips = _slips(20)
    with translation.override("zh-hans"):
        data = render_pdf("ballots/slips_pdf.html", {"ballot": _Ballot, "slips": slips})
    pdf = tmp_path / "slips.pdf"
    pdf.write_bytes(data)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = text.split("\f")
    codes = [re.findall(r"SLIP-\d{4}", page) for page in pages if page.strip()]
    expected = [s["code"] for s in slips]
    assert codes == [expected[i : i + PER_PAGE] for i in range(0, len(expected), PER_PAGE)]
