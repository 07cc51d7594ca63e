"""The household page's panels from the residents' own page (communities.household_panels): whether the
household has a card (never its code: only a hash is kept) and the problems it reported from its page.

One query each. Only roles that see residents' data get them."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from communities.household_panels import Panel, PanelRow, first_rows, register
from communities.scoping import get_scope
from consultations.choices import OpinionSource
from consultations.models import Opinion

from .models import HouseholdCard


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def card(user, household) -> Panel | None:
    if not get_scope(user).sees_residents:
        return None
    issued = HouseholdCard.objects.filter(household=household).only("version", "issued_at").first()
    rows = []
    if issued is not None:
        rows.append(
            PanelRow(
                _("Card issued (card No. %(n)s)") % {"n": issued.version},
                "",
                [
                    _("issued %(when)s") % {"when": _when(issued.issued_at)},
                    _("reissued: earlier cards no longer work") if issued.version > 1 else _("first card"),
                ],
            )
        )
    return Panel("card", _("Household card"), rows, _("No household card issued yet."))


def reports(user, household) -> Panel | None:
    if not get_scope(user).sees_residents:
        return None
    qs = (
        Opinion.objects.for_user(user)
        .filter(household=household, source=OpinionSource.HOUSEHOLD_PAGE)
        .only("pk", "category", "status", "answered_at", "created_at")
        .order_by("-created_at", "-pk")
    )
    rows, total = first_rows(qs)
    more = (
        reverse("consultations:opinion_list")
        + f"?household={household.pk}&source={OpinionSource.HOUSEHOLD_PAGE}"
    )
    return Panel(
        "reports",
        _("Problems reported from the household page"),
        [
            PanelRow(
                o.get_category_display(),
                o.get_absolute_url(),
                [
                    _when(o.created_at),
                    o.get_status_display(),
                    _("answered %(when)s") % {"when": _when(o.answered_at)}
                    if o.answered_at
                    else _("not answered"),
                ],
            )
            for o in rows
        ],
        _("No problem reported from the household page."),
        more if total else "",
        total,
    )


def connect() -> None:
    register("card", card, order=5)
    register("reports", reports, order=35)
