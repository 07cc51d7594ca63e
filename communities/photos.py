"""Photo uploads for every app (meetings, inspections, progress reports, evidence): check the type by
content (not by name), refuse oversized files, shrink to a sensible size and strip metadata (EXIF may
carry the phone's location) before anything is stored."""

from __future__ import annotations

import io
import os
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import InMemoryUploadedFile, UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = getattr(settings, "PHOTO_MAX_BYTES", 8 * 1024 * 1024)
MAX_SIDE = getattr(settings, "PHOTO_MAX_SIDE", 1600)
ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
# decompression bombs: refuse anything above ~50 megapixels before decoding it
MAX_PIXELS = 50_000_000


def validate_photo(upload: UploadedFile) -> None:
    """Field validator: a readable JPEG/PNG/WebP photo within the size limit."""
    _open_checked(upload)
    upload.seek(0)


def validate_and_resize(upload: UploadedFile) -> InMemoryUploadedFile:
    """Return a new in-memory file ready to store, or raise ValidationError with a clear message."""
    image, fmt = _open_checked(upload)
    image = ImageOps.exif_transpose(image)  # honour the phone's orientation, then drop EXIF
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    ext = ALLOWED_FORMATS[fmt]
    if fmt == "JPEG":
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(out, "JPEG", quality=85, optimize=True)
    elif fmt == "PNG":
        image.save(out, "PNG", optimize=True)
    else:
        image.save(out, "WEBP", quality=85)
    out.seek(0)
    name = f"{uuid.uuid4().hex}.{ext}"
    content_type = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}[ext]
    return InMemoryUploadedFile(out, "image", name, content_type, out.getbuffer().nbytes, None)


def _open_checked(upload: UploadedFile) -> tuple[Image.Image, str]:
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, os.SEEK_END)
        size = upload.tell()
    if size > MAX_BYTES:
        raise ValidationError(
            _("The photo is too large (%(size)s MB); the limit is %(limit)s MB.")
            % {"size": f"{size / 1024 / 1024:.1f}", "limit": MAX_BYTES // (1024 * 1024)},
            code="too_large",
        )
    upload.seek(0)
    try:
        image = Image.open(upload)
        fmt = image.format
        if fmt not in ALLOWED_FORMATS:
            raise ValidationError(
                _("Only JPEG, PNG or WebP photos can be uploaded, not %(format)s.") % {"format": fmt or "?"},
                code="bad_type",
            )
        if image.width * image.height > MAX_PIXELS:
            raise ValidationError(_("The photo has too many pixels."), code="too_large")
        image.load()
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError) as exc:
        raise ValidationError(
            _("This file is not a photo: only JPEG, PNG or WebP photos can be uploaded."), code="bad_type"
        ) from exc

    return image, fmt
