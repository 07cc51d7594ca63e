"""Private files: exports and other job files, implementation plans, paper-vote photos, photos of the
works and of meetings.

They live under PRIVATE_ROOT (STORAGES["private"]), outside MEDIA_URL and every static route, under
names nobody can guess (128 random bits), and reach a browser only through a view that first checks
the scope of the record they belong to and then calls `serve()`: it logs the download in the access
log and sends headers that stop a file from running as a page on the product's origin (nosniff, a
sandboxing CSP, `attachment` for anything but a photo). Production can hand the bytes to the reverse
proxy (`PRIVATE_FILES_SERVE = x-accel-redirect | x-sendfile`, see README) after the same checks."""

from __future__ import annotations

import datetime
import mimetypes
import os
import re
import secrets
from pathlib import PurePosixPath

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.http import FileResponse, Http404, HttpResponse
from django.utils.deconstruct import deconstructible
from django.utils.functional import cached_property
from django.utils.http import content_disposition_header

# Files a browser may show inline; everything else is sent as an attachment.
INLINE_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".webp": "image/webp"}
# The only extensions a stored file may have (anything else is stored as .bin).
SAFE_EXTENSIONS = {
    ".jpg", ".jpeg", ".png", ".webp", ".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx",
    ".odt", ".ods", ".odp", ".wps", ".et", ".dps", ".csv", ".zip", ".txt",
}  # fmt: skip
CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".csv": "text/csv; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".zip": "application/zip",
}
SANDBOX_CSP = "sandbox; default-src 'none'"
SERVE_MODES = ("django", "x-accel-redirect", "x-sendfile")


class PrivateStorage(FileSystemStorage):
    """A file-system storage under PRIVATE_ROOT with no URL: `.url` is None, so nothing can link to a
    file directly; a view serves it (see module docstring)."""

    @cached_property
    def base_location(self):
        return self._value_or_setting(self._location, settings.PRIVATE_ROOT)

    @cached_property
    def location(self):
        return os.path.abspath(self.base_location)

    def _clear_cached_properties(self, setting, **kwargs):
        super()._clear_cached_properties(setting, **kwargs)
        if setting == "PRIVATE_ROOT":
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)

    def url(self, name):
        return None


def private_storage() -> FileSystemStorage:
    """The storage of FileFields holding private files (a callable: migrations don't freeze it)."""
    return storages["private"]


def _stamp() -> str:
    return f"{datetime.date.today():%Y/%m}"


def safe_extension(filename: str, allowed: frozenset[str] | set[str] = SAFE_EXTENSIONS) -> str:
    ext = os.path.splitext(filename or "")[1].lower()
    return ext if ext in allowed else ".bin"


# files the product writes itself may also be printable HTML (ballot slips): always sent as attachment
GENERATED_EXTENSIONS = SAFE_EXTENSIONS | {".html"}


def random_name(prefix: str, filename: str) -> str:
    """prefix/YYYY/MM/<32 random hex>.<safe ext>: the uploader's name is never kept."""
    return f"{prefix}/{_stamp()}/{secrets.token_hex(16)}{safe_extension(filename)}"


_UNSAFE_CHARS = re.compile(r"[^\w.\-]+", re.UNICODE)


def friendly_filename(filename: str) -> str:
    """A file name we generate (e.g. roster-12-20261203-1315.xlsx) made safe for a path segment."""
    base = PurePosixPath(filename or "file").name
    stem, _ext = os.path.splitext(base)
    stem = _UNSAFE_CHARS.sub("-", stem).strip(".-")[:80] or "file"
    return f"{stem}{safe_extension(base, GENERATED_EXTENSIONS)}"


@deconstructible
class RandomName:
    """upload_to for uploads: a random name with a safe extension under `prefix`."""

    def __init__(self, prefix: str):
        self.prefix = prefix

    def __call__(self, instance, filename: str) -> str:
        return random_name(self.prefix, filename)

    def __eq__(self, other) -> bool:
        return isinstance(other, RandomName) and other.prefix == self.prefix


@deconstructible
class RandomFolder:
    """upload_to for files the product makes (exports): a random folder keeps the name unguessable
    while the file keeps its readable name for the download."""

    def __init__(self, prefix: str):
        self.prefix = prefix

    def __call__(self, instance, filename: str) -> str:
        return f"{self.prefix}/{_stamp()}/{secrets.token_hex(16)}/{friendly_filename(filename)}"

    def __eq__(self, other) -> bool:
        return isinstance(other, RandomFolder) and other.prefix == self.prefix


def content_type_for(name: str) -> str:
    ext = PurePosixPath(name).suffix.lower()
    if ext in INLINE_TYPES:
        return INLINE_TYPES[ext]
    if ext in CONTENT_TYPES:
        return CONTENT_TYPES[ext]
    guessed, _encoding = mimetypes.guess_type(f"x{ext}")
    # never a type a browser would render as a document with script (html, svg, xml, js)
    if guessed and not any(t in guessed for t in ("html", "svg", "xml", "javascript")):
        return guessed
    return "application/octet-stream"


def secure_headers(response: HttpResponse) -> HttpResponse:
    """Headers every file response carries: no sniffing a type, no script, no plugins, no embedding."""
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX_CSP
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


def serve(
    request,
    field_file,
    *,
    object_type: str,
    object_id: object,
    filename: str | None = None,
    log: bool = True,
    reason: str = "download",
    action: str | None = None,
    fields: str | None = None,
    cache: str = "private, no-store",
) -> HttpResponse:
    """Send a stored file AFTER the caller checked scope. Logs the download (unless `log` is False:
    public photos), forces `attachment` for anything but a photo, and adds secure_headers()."""
    from . import access
    from .models import AccessLog

    if not field_file:
        raise Http404
    name = field_file.name
    storage = field_file.storage
    if not storage.exists(name):
        raise Http404
    ext = PurePosixPath(name).suffix.lower()
    inline = ext in INLINE_TYPES
    download_name = filename or PurePosixPath(name).name
    if log:
        access.record(
            user=request.user,
            action=action or AccessLog.Action.DOWNLOAD,
            object_type=object_type,
            object_ids=[object_id],
            fields=fields if fields is not None else name[-200:],
            reason=reason,
            request=request,
        )
    mode = getattr(settings, "PRIVATE_FILES_SERVE", "django")
    if mode == "django":
        response = FileResponse(
            storage.open(name, "rb"),
            as_attachment=not inline,
            filename=download_name,
            content_type=content_type_for(name),
        )
    else:
        response = HttpResponse(content_type=content_type_for(name))
        response["Content-Disposition"] = content_disposition_header(not inline, download_name)
        if mode == "x-accel-redirect":
            prefix = settings.PRIVATE_FILES_ACCEL_PREFIX.rstrip("/")
            response["X-Accel-Redirect"] = f"{prefix}/{name}"
        else:
            response["X-Sendfile"] = storage.path(name)
    response["Cache-Control"] = cache
    return secure_headers(response)


# --- uploaded documents (implementation plans) -----------------------------------------------------------

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy Office / WPS: .doc .xls .ppt .wps .et .dps
OLE2_EXTENSIONS = {".doc", ".xls", ".ppt", ".wps", ".et", ".dps"}
OOXML_PARTS = {"word/document.xml": ".docx", "xl/workbook.xml": ".xlsx", "ppt/presentation.xml": ".pptx"}
ODF_TYPES = {
    "application/vnd.oasis.opendocument.text": ".odt",
    "application/vnd.oasis.opendocument.spreadsheet": ".ods",
    "application/vnd.oasis.opendocument.presentation": ".odp",
}


def document_extension(upload) -> str | None:
    """The extension a document really has, read from its content (PDF, Office, WPS, OpenDocument),
    or None when it is none of them (HTML, script, image, anything else)."""
    import zipfile

    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return ".pdf"
    if head == OLE2_MAGIC:
        ext = PurePosixPath(getattr(upload, "name", "") or "").suffix.lower()
        return ext if ext in OLE2_EXTENSIONS else ".doc"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(upload) as archive:
                names = set(archive.namelist())
                if "mimetype" in names:
                    kind = archive.read("mimetype")[:100].decode("ascii", "replace").strip()
                    if kind in ODF_TYPES:
                        return ODF_TYPES[kind]
                if "[Content_Types].xml" in names:
                    for part, ext in OOXML_PARTS.items():
                        if part in names:
                            return ext
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        finally:
            upload.seek(0)
    return None


def validate_document(upload, *, stem: str = "document"):
    """Check an uploaded document by content and size; return it renamed `<stem><real ext>` (the
    storage then gives it a random name), or raise ValidationError with a clear message."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    size = getattr(upload, "size", None) or 0
    limit = settings.PLAN_MAX_BYTES
    if size > limit:
        raise ValidationError(
            _("The file is too large (%(size)s MB); the limit is %(limit)s MB.")
            % {"size": f"{size / 1024 / 1024:.1f}", "limit": limit // (1024 * 1024)},
            code="too_large",
        )
    ext = document_extension(upload)
    if ext is None:
        raise ValidationError(
            _("Only PDF, Word, Excel, PowerPoint, WPS or OpenDocument files can be uploaded here."),
            code="bad_type",
        )
    upload.name = f"{stem}{ext}"
    return upload


def demo_pdf(text: str) -> bytes:
    """A one-page PDF with one line of ASCII text (demo data and tests; real plans are uploaded)."""
    safe = "".join(c for c in text if 32 <= ord(c) < 127).replace("\\", "").replace("(", "").replace(")", "")
    stream = f"BT /F1 18 Tf 72 720 Td ({safe}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


# --- moving files stored before the private root existed ------------------------------------------------

# (app label, model, field, folder of the new name): every FileField whose files are private
PRIVATE_FIELDS = (
    ("communities", "BackgroundJob", "input_file", "jobs/in"),
    ("communities", "BackgroundJob", "result_file", "jobs/out"),
    ("projects", "Project", "implementation_plan", "projects/plans"),
    ("ballots", "Vote", "photo", "ballots/paper"),
    ("consultations", "MeetingPhoto", "image", "meetings"),
    ("supervision", "Photo", "image", "supervision/photos"),
)


def move_public_files(*, dry_run: bool = False) -> dict[str, int]:
    """Move every private file still under MEDIA_ROOT (stored by an older version, where MEDIA_URL
    could serve it) into PRIVATE_ROOT under a new random name, and point its row at it. Idempotent:
    a file already in the private root is left alone. Returns counts per outcome."""
    from django.apps import apps
    from django.core.files.storage import FileSystemStorage

    public = FileSystemStorage(location=settings.MEDIA_ROOT)
    private = private_storage()
    counts = {"moved": 0, "already_private": 0, "missing": 0}
    for app_label, model_name, field_name, prefix in PRIVATE_FIELDS:
        model = apps.get_model(app_label, model_name)
        field = model._meta.get_field(field_name)
        rows = model._base_manager.exclude(**{field_name: ""}).exclude(**{f"{field_name}__isnull": True})
        for pk, name in rows.values_list("pk", field_name).iterator():
            if private.exists(name):
                counts["already_private"] += 1
                continue
            if not public.exists(name):
                counts["missing"] += 1
                continue
            if isinstance(field.upload_to, RandomFolder):
                new_name = RandomFolder(prefix)(None, PurePosixPath(name).name)
            else:
                new_name = random_name(prefix, name)
            if not dry_run:
                with public.open(name, "rb") as handle:
                    saved = private.save(new_name, handle)
                # .update(): no save() side effects; the history trigger records the new name
                model._base_manager.filter(pk=pk).update(**{field_name: saved})
                public.delete(name)
            counts["moved"] += 1
    if not dry_run:
        counts["secret_photos_detached"] = detach_secret_paper_photos()
    return counts


def detach_secret_paper_photos() -> int:
    """A photo of a signed paper form kept on a secret ballot's vote row (older versions allowed it)
    links the voter to the choice. Keep the file apart from the elector, like the ballot box: moved to
    `ballots/secret-paper/<ballot>/<random>` with nothing pointing from a vote to it, and the vote's
    photo cleared. Returns how many were detached."""
    from django.apps import apps

    vote_model = apps.get_model("ballots", "Vote")
    storage = private_storage()
    detached = 0
    for pk, ballot_id, name in (
        vote_model._base_manager.filter(secret=True).exclude(photo="").values_list("pk", "ballot_id", "photo")
    ):
        if storage.exists(name):
            with storage.open(name, "rb") as handle:
                storage.save(random_name(f"ballots/secret-paper/{ballot_id}", name), handle)
            storage.delete(name)
        vote_model._base_manager.filter(pk=pk).update(photo="")
        detached += 1
    return detached


# --- form widget -----------------------------------------------------------------------------------------

DOCUMENT_ACCEPT = ".pdf,.doc,.docx,.xls,.xlsx,.ppt,.pptx,.wps,.et,.dps,.odt,.ods,.odp"


class _Link:
    def __init__(self, url: str, label: str):
        self.url, self.label = url, label

    def __str__(self) -> str:
        return self.label


def private_file_input(url_name: str, *, accept: str = DOCUMENT_ACCEPT):
    """A ClearableFileInput for a private file: "currently" links to the view that serves it (the
    storage has no URL), so the file can still be seen and cleared on the form."""
    from django import forms
    from django.urls import reverse
    from django.utils.translation import gettext as _

    class PrivateClearableFileInput(forms.ClearableFileInput):
        def is_initial(self, value) -> bool:
            return bool(value and getattr(getattr(value, "instance", None), "pk", None))

        def get_context(self, name, value, attrs):
            context = super().get_context(name, value, attrs)
            if self.is_initial(value):
                context["widget"]["value"] = _Link(
                    reverse(url_name, args=[value.instance.pk]), _("uploaded file (download)")
                )
            return context

    return PrivateClearableFileInput(attrs={"accept": accept})
