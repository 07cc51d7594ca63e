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
