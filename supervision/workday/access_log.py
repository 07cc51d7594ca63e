"""Who saw what (issue 13): the access log read back for the roles that audit it.

Auditors: district administrators and street-office staff (and superusers). Each sees the entries of
the users who hold a role inside their own area (a street sees its street's and communities' staff,
not the district's); nobody else opens the page (403).

Readable: a page that shows working contacts' phones (branch members, project parties) writes one row
per page view. Those rows are grouped here into one line per user, kind of record and day with a
count; every other entry (a reveal with its reason, an export, a download) stays one line. One query
counts the lines, one reads the page of lines, one names their users: constant whatever the log holds.
"""

from __future__ import annotations

import contextlib
import datetime

from django.contrib.auth import get_user_model
from django.db.models import Case, CharField, Count, F, IntegerField, Max, Min, Q, QuerySet, Value, When
from django.db.models.functions import TruncDate
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from communities.choices import Role
from communities.filters import local_days_q
from communities.models import AccessLog, RoleAssignment
from communities.scoping import get_scope

AUDIT_ROLES = (Role.DISTRICT_ADMIN, Role.STREET_STAFF)
WORK_CONTACT = "working contact"  # projects.services.record_contact_phones_shown (translated when written)

# what the entries are about, as people say it (object_type -> label, detail URL name)
RECORD_KINDS: dict[str, tuple[object, str]] = {
    "person": (_("Person"), "communities:person_detail"),
    "household": (_("Household"), "communities:household_detail"),
    "compound": (_("Compound roster"), "communities:compound_detail"),
    "objection": (_("Objection"), ""),
    "visit": (_("Visit ledger"), ""),
    "opinion": (_("Demand list"), ""),
    "job": (_("Export file"), "communities:job_detail"),
    "ballot_codes": (_("Ballot codes"), "ballots:ballot_detail"),
    "ballot_slips": (_("Ballot slips"), "ballots:ballot_detail"),
    "ballots.vote": (_("Paper ballot photo"), ""),
    "household_cards": (_("Household cards"), ""),
    "residents.reportphoto": (_("Resident's report photo"), ""),
    "consultations.meetingphoto": (_("Meeting photo"), ""),
    "projects.project": (_("Project file"), "projects:project_detail"),
    "project_ledger": (_("Project ledger"), ""),
    "rectification": (_("Rectification ledger"), ""),
    "projects.projectparty": (_("Project parties' contacts"), ""),
    "projects.branchmember": (_("Branch members' contacts"), ""),
}


def may_audit(user) -> bool:
    return get_scope(user).has_role(*AUDIT_ROLES)


def _work_contact_reasons() -> list[str]:
    with translation.override("zh-hans"):
        zh = str(translation.gettext(WORK_CONTACT))
    return sorted({WORK_CONTACT, zh})


def entries_for(user) -> QuerySet:
    """Access-log rows of the users with a role inside the auditor's area (superuser: all)."""
    scope = get_scope(user)
    qs = AccessLog.objects.all()
    if scope.is_superuser:
        return qs
    if not scope.has_role(*AUDIT_ROLES):
        return qs.none()
    staff = RoleAssignment.objects.filter(scope.q("division__path", AUDIT_ROLES)).values("user_id")
    return qs.filter(user_id__in=staff)


def kind_choices() -> list[tuple[str, str]]:
    return [(key, str(label)) for key, (label, _url) in RECORD_KINDS.items()]


def filtered(
    user, *, person: int | None = None, kind: str = "", number: int | None = None, since=None, until=None
) -> QuerySet:
    """The auditor's entries by person, kind of record, record number (one of the ids an entry names)
    and date (from / until, inclusive, local dates)."""
    qs = entries_for(user)
    if person:
        qs = qs.filter(user_id=person)
    if kind:
        qs = qs.filter(object_type=kind)
    if number is not None:
        qs = qs.filter(object_id__regex=rf"(^|,){int(number)}(,|$)")
    if since or until:
        qs = qs.filter(local_days_q("at", since, until))  # a range of the time index
    return qs


def grouped(qs: QuerySet) -> QuerySet:
    """Lines: working-contact rows grouped per user, kind of record and day; the rest one per row."""
    contact = Q(action=AccessLog.Action.REVEAL, fields="phone", reason__in=_work_contact_reasons())
    return (
        qs.annotate(
            day=TruncDate("at"),
            line=Case(When(contact, then=Value(0)), default=F("id"), output_field=IntegerField()),
            ids=Case(When(contact, then=Value("")), default=F("object_id"), output_field=CharField()),
            # written in the language of the page that logged it: one group whatever the language
            why=Case(When(contact, then=Value("")), default=F("reason"), output_field=CharField()),
            ip=Case(When(contact, then=Value(None)), default=F("ip_address")),
        )
        .values("user_id", "action", "object_type", "fields", "why", "ip", "day", "line", "ids")
        .annotate(count=Count("id"), last_at=Max("at"), first_at=Min("at"))
        .order_by("-last_at", "-line")
    )


def describe(lines: list[dict]) -> list[dict]:
    """Names the users (one query) and the kinds of record of a page of lines."""
    users = {
        u.pk: u
        for u in get_user_model().objects.filter(pk__in={ln["user_id"] for ln in lines if ln["user_id"]})
    }
    actions = dict(AccessLog.Action.choices)
    for ln in lines:
        user = users.get(ln["user_id"])
        ln["who"] = user.display_name if user else "—"
        ln["action_label"] = actions.get(ln["action"], ln["action"])
        label, url_name = RECORD_KINDS.get(ln["object_type"], (ln["object_type"], ""))
        ln["kind_label"] = label
        ln["grouped"] = ln["line"] == 0
        ln["reason"] = _("working contact") if ln["grouped"] else ln["why"]
        ids = [i for i in (ln["ids"] or "").split(",") if i]
        ln["record_url"] = ""
        if url_name and len(ids) == 1 and ids[0].isdigit():
            with contextlib.suppress(NoReverseMatch):
                ln["record_url"] = reverse(url_name, args=[int(ids[0])])
        ln["id_list"] = ids
    return lines


def staff_choices(user) -> list[tuple[int, str]]:
    """The people whose entries the auditor may read (for the person filter)."""
    if get_scope(user).is_superuser:
        users = get_user_model().objects.filter(pk__in=AccessLog.objects.values("user_id"))
    else:
        users = get_user_model().objects.filter(
            pk__in=RoleAssignment.objects.filter(get_scope(user).q("division__path", AUDIT_ROLES)).values(
                "user_id"
            )
        )
    return sorted(((u.pk, u.display_name) for u in users), key=lambda p: p[1])


def parse_date(value: str | None) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None
