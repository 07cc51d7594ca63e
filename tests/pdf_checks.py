"""Reading the PDFs the product makes, as a person would: the text (pdftotext) and where each QR code
points (the images pdfimages extracts, compared module by module with the QR of a given URL)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest


def _need(tool: str) -> None:
    if not shutil.which(tool):
        pytest.skip(f"{tool} (poppler-utils) not installed: `make browser-deps`")


def keep_pdf(data: bytes, name: str) -> str:
    """Keep a generated document under test-artifacts/ to look at (like the browser screenshots)."""
    from tests.conftest import ARTIFACTS

    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.pdf"
    path.write_bytes(data)
    return str(path)


def pdf_text(data: bytes, *, layout: bool = False) -> str:
    assert data.startswith(b"%PDF-"), data[:40]
    _need("pdftotext")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "doc.pdf"
        path.write_bytes(data)
        args = ["pdftotext", *(["-layout"] if layout else []), str(path), "-"]
        return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def pdf_pages(data: bytes) -> int:
    _need("pdfinfo")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "doc.pdf"
        path.write_bytes(data)
        out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in out.splitlines() if line.startswith("Pages:")))


def pdf_images(data: bytes) -> list:
    """The raster images embedded in the PDF, as greyscale PIL images."""
    from PIL import Image

    _need("pdfimages")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "doc.pdf"
        path.write_bytes(data)
        subprocess.run(["pdfimages", "-png", str(path), str(Path(tmp) / "img")], check=True)
        images = []
        for f in sorted(Path(tmp).glob("img-*.png")):
            with Image.open(f) as im:
                images.append(im.convert("L").copy())
        return images


def qr_points_to(image, url: str, border: int = 2) -> bool:
    """True when `image` is the QR code of `url` (as segno makes it, error level M)."""
    import segno

    matrix = segno.make(url, error="m").matrix
    n = len(matrix)
    size = n + 2 * border
    if image.width != image.height or image.width % size:
        return False
    scale = image.width // size
    px = image.load()
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            cx, cy = (x + border) * scale + scale // 2, (y + border) * scale + scale // 2
            if (px[cx, cy] < 128) != bool(dark):
                return False
    return True


def qr_targets(data: bytes, candidates: list[str]) -> list[str]:
    """Which of `candidates` the PDF's QR codes point to, one entry per QR image recognised."""
    found = []
    for image in pdf_images(data):
        for url in candidates:
            if qr_points_to(image, url):
                found.append(url)
                break
    return found
