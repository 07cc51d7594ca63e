from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class SurveyStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("menu survey status", "Draft")
    OPEN = "open", pgettext_lazy("menu survey status", "Open")
    CLOSED = "closed", pgettext_lazy("menu survey status", "Closed")


class MenuChoice(models.TextChoices):
    WANT = "want", _("Want")
    DONT_WANT = "dont_want", _("Don't want")
    NO_OPINION = "no_opinion", _("No opinion")


class AnswerChannel(models.TextChoices):
    ONLINE = "online", _("Household page")
    PAPER = "paper", _("Paper form (entered by staff)")


class ThresholdBasis(models.TextChoices):
    ANSWERED = "answered", _("Households that answered")
    ALL = "all", _("All households")


DEFAULT_THRESHOLD_PERCENT = 50
DEFAULT_THRESHOLD_BASIS = ThresholdBasis.ANSWERED
MAX_REPORT_PHOTOS = 3
