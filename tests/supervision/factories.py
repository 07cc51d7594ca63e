import datetime
import io

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from supervision import choices, models
from tests.projects import factories as pf


def image_upload(name="photo.jpg", fmt="JPEG", size=(2400, 1800), color=(200, 80, 40)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, fmt)
    content_type = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}[fmt]
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=content_type)


def full_panel(*, signed: bool = True, verdict: str = "", residents=("李大爷", "王阿姨")) -> list[dict]:
    """A complete technical panel (DESIGN.md §7): the five units and the resident representatives,
    each having signed the verdict (`signed`) with their own opinion (`verdict`, empty: the verdict's)."""
    seats = [
        {"role": "lead", "name": "刘科长", "organization": "县住建局"},
        {"role": "design", "name": "陈工", "organization": "九江市规划设计院"},
        {"role": "construction", "name": "王工", "organization": "江西建工"},
        {"role": "supervision", "name": "赵工", "organization": "华诚监理"},
        {"role": "street", "name": "街道城建办", "organization": "新宁镇"},
        *({"role": "resident", "name": n, "organization": "居民代表"} for n in residents),
    ]
    return [{**seat, "signed": signed, "verdict": verdict} for seat in seats]


class InspectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Inspection

    project = factory.SubFactory(pf.ProjectFactory)
    inspector_kind = choices.InspectorKind.TEAM
    findings = "外墙保温层空鼓"
    result = choices.InspectionResult.PROBLEMS


class RectificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Rectification

    project = factory.LazyAttribute(lambda o: o.responsible_party.project)
    source = choices.RectificationSource.INSPECTION
    inspection = factory.LazyAttribute(lambda o: InspectionFactory(project=o.project))
    responsible_party = factory.SubFactory(pf.ProjectPartyFactory)
    description = "雨污分流管道接口渗漏，返工"
    severity = choices.Severity.MAJOR
    deadline = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=7))
