"""Absolute links for what leaves the screen (printed documents, QR codes): always on SITE_URL, the
configured site, never the host a request happened to come in on."""

from __future__ import annotations

from django.conf import settings


def absolute_url(path: str) -> str:
    return settings.SITE_URL + path


def qr_png_data_uri(url: str, scale: int = 4) -> str:
    """A QR code as a PNG data URI for PDFs (error level M, 2-module quiet zone)."""
    import segno

    return segno.make(url, error="m").png_data_uri(scale=scale, border=2)


__all__ = ["absolute_url", "qr_png_data_uri"]
