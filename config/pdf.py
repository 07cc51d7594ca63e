"""Server-side PDF documents (slips, posters, reports, cards) from Django templates with WeasyPrint.

No browser is needed in production. Fonts: WeasyPrint uses the system's fontconfig; Chinese needs a CJK
font (Debian: fonts-noto-cjk, installed by `make test`/`make run`). Nothing is fetched from the network:
the URL fetcher serves only files of the static folders and inline `data:` URLs."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string


class PdfResourceRefused(Exception):
    pass


def _static_path(url: str) -> Path:
    """The file of the static folders a `static:/...` URL names, else PdfResourceRefused."""
    prefix = "static:/"
    if url.startswith(prefix):
        name = url[len(prefix) :].lstrip("/")
        found = finders.find(name) if ".." not in Path(name).parts else None
        if found:
            return Path(found)
    raise PdfResourceRefused(f"PDF resource not allowed: {url[:80]}")


def _fetcher():
    """A WeasyPrint fetcher that reads inline data: URLs and static files, and nothing else."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            path = _static_path(url)
            # the type matters: WeasyPrint ignores a stylesheet served as text/plain
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": kind})

    return StaticOnlyFetcher(allowed_protocols={"data", "static"}, fail_on_errors=True)


def render_pdf(template_name: str, context: dict[str, Any] | None = None, request=None) -> bytes:
    """Render `template_name` to PDF bytes. In the template, load stylesheets/images as
    `static:/<path under static/>` (e.g. `<link rel="stylesheet" href="static:/css/print.css">`)."""
    from weasyprint import HTML

    html = render_to_string(template_name, context or {}, request=request)
    return HTML(string=html, base_url="static:/", url_fetcher=_fetcher()).write_pdf()


def pdf_font_available() -> bool:
    """True when a CJK font is installed (else Chinese would print as boxes)."""
    import subprocess

    try:
        out = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return bool(out.strip())


__all__ = ["PdfResourceRefused", "pdf_font_available", "render_pdf"]
