"""Upload checks: meeting photos are JPEG/PNG/WebP images of at most PHOTO_MAX_BYTES."""

import contextlib

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

PHOTO_MAX_BYTES = 8 * 1024 * 1024
PHOTO_FORMATS = {"JPEG", "PNG", "WEBP"}


def validate_photo(file) -> None:
    if file.size and file.size > PHOTO_MAX_BYTES:
        raise ValidationError(_("A photo may be at most 8 MB."))
    from PIL import Image

    try:
        file.seek(0)
        with Image.open(file) as image:
            fmt = image.format
            image.verify()
    except Exception as exc:
        raise ValidationError(_("This file is not a readable image.")) from exc
    finally:
        with contextlib.suppress(Exception):
            file.seek(0)
    if fmt not in PHOTO_FORMATS:
        raise ValidationError(_("Upload a JPEG, PNG or WebP photo."))
