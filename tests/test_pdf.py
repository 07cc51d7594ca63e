"""The shared PDF renderer: real WeasyPrint, Chinese text extractable, no network fetches."""

import shutil
import subprocess

import pytest

from config.pdf import PdfResourceRefused, _static_path, render_pdf


@pytest.fixture
def template(tmp_path, settings):
    (tmp_path / "t.html").write_text(
        "<html><body><h1>{{ name }}</h1><p>共 {{ n }} 户</p></body></html>", encoding="utf-8"
    )
    # Changing TEMPLATES through the settings fixture resets Django's template engines.
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    return "t.html"


def test_render_pdf_keeps_chinese_text(template, tmp_path):
    data = render_pdf(template, {"name": "南阳路174号院", "n": 173})
    assert data.startswith(b"%PDF-")
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) not installed: `make browser-deps`")
    pdf = tmp_path / "t.pdf"
    pdf.write_bytes(data)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "南阳路174号院" in text
    assert "共 173 户" in text


def test_static_files_are_allowed():
    assert _static_path("static:/vendor/bootstrap/bootstrap.min.css").is_file()


def test_fetcher_refuses_network_and_files():
    for url in ("http://example.com/x.css", "file:///etc/passwd", "static:/../../etc/passwd"):
        with pytest.raises(PdfResourceRefused):
            _static_path(url)


def test_static_stylesheet_applies(tmp_path, settings):
    """A stylesheet linked as static:/css/print.css is applied (it was once fetched as text/plain and
    silently ignored): the print font is embedded, not the default serif."""
    (tmp_path / "s.html").write_text(
        '<html><head><link rel="stylesheet" href="static:/css/print.css"></head>'
        '<body class="doc"><p>南阳路174号院</p></body></html>',
        encoding="utf-8",
    )
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    data = render_pdf("s.html")
    if not shutil.which("pdffonts"):
        pytest.skip("pdffonts (poppler-utils) not installed")
    pdf = tmp_path / "s.pdf"
    pdf.write_bytes(data)
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "CJK" in fonts and "Serif" not in fonts
