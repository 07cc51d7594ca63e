"""The project's gates (DESIGN.md §7): what residents decided gates the next step of the project.

Each gate item is ONE function in the services of the app that owns its evidence (consent ballots and
elevator ballots in `consultations.ballots.services`, the plan notice, the deliberation procedure and the
door-to-door visits in `consultations.services`). Those apps sit above `projects`, which may not import
them, so they register their functions here when Django starts (their `AppConfig.ready`), together with
the provider of the rule policy that holds the numbers (`consultations.ballots`).

A function takes the project and the policy in force and returns a `GateItem`: met or not, what it saw,
what is missing (the sentence a refusal names), a link to the evidence or to where the evidence is made.
`checklist()` adds the district exception in force for each item (a row the gate reads, never a flag that
skips the check); `refusal()` is the one sentence that `transition_refusal` answers, the page shows and
the API returns with 409.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_UP, Decimal
from fractions import Fraction
from typing import Any

from django.utils.translation import gettext as _

from .choices import ProjectStatus


@dataclass
class GateItem:
    met: bool
    key: str = ""  # filled in from the registration
    label: str = ""
    detail: str = ""  # what the gate saw, with its numbers
    missing: str = ""  # what is missing: the clause of the refusal (empty when met)
    link: str = ""  # the evidence, or where to make it
    link_label: str = ""
    required: bool = True  # False: the policy does not ask for it for this project
    public_link: str = ""  # evidence residents may open without an account (a notice's public page)
    exception: Any = None  # the GateException in force, filled in by checklist()
    evidence: list[tuple[str, str]] = field(default_factory=list)  # (label, url) of further evidence

    @property
    def state(self) -> str:
        if not self.required:
            return "not_required"
        if self.met:
            return "met"
        return "excepted" if self.exception is not None else "missing"

    @property
    def blocking(self) -> bool:
        return self.state == "missing"

    @property
    def state_label(self) -> str:
        return {
            "not_required": _("not required"),
            "met": _("met"),
            "excepted": _("district exception"),
            "missing": _("not met"),
        }[self.state]


GateCheck = Callable[[Any, Any], GateItem]


def listing(parts) -> str:
    """Clauses of one sentence, with the language's separator (；in Chinese)."""
    return _("; ").join(str(p) for p in parts)


def _pct(value: Fraction, rounding) -> str:
    shown = (Decimal(value.numerator) * 100 / Decimal(value.denominator)).quantize(
        Decimal("0.01"), rounding=rounding
    )
    return f"{shown}%"


def ratio_text(numerator: int, denominator: int, required: Fraction) -> str:
    """ "8 / 10 = 80.00%, required ≥ 90.00%", rounded toward the verdict so the shown ratio never
    contradicts it (a share just below the line never shows as reaching it)."""
    if not denominator:
        return _("%(n)s / 0, required ≥ %(req)s") % {"n": numerator, "req": _pct(required, ROUND_UP)}
    value = Fraction(numerator, denominator)
    rounding = ROUND_UP if value >= required else ROUND_DOWN
    return _("%(n)s / %(d)s = %(value)s, required ≥ %(req)s") % {
        "n": numerator,
        "d": denominator,
        "value": _pct(value, rounding),
        "req": _pct(required, ROUND_UP),
    }


@dataclass(frozen=True)
class Gate:
    to_status: str
    key: str
    label: Any  # lazy text: the checklist line
    order: int
    check: GateCheck


_GATES: dict[str, Gate] = {}
_policy_provider: Callable[[Any], Any] | None = None


def register(to_status: str, key: str, check: GateCheck, *, label, order: int = 100) -> None:
    """Called from an AppConfig.ready(): `check(project, policy) -> GateItem` gates `to_status`."""
    _GATES[key] = Gate(to_status=to_status, key=key, label=label, order=order, check=check)


def set_policy_provider(provider: Callable[[Any], Any]) -> None:
    """`provider(project)` -> the rule policy in force for the project (its numbers and flags)."""
    global _policy_provider
    _policy_provider = provider


def gates_for(to_status: str) -> list[Gate]:
    return sorted((g for g in _GATES.values() if g.to_status == to_status), key=lambda g: g.order)


def gate_keys() -> list[str]:
    return [g.key for g in sorted(_GATES.values(), key=lambda g: (g.to_status, g.order))]


def gate(key: str) -> Gate | None:
    return _GATES.get(key)


def label(key: str) -> str:
    g = _GATES.get(key)
    return str(g.label) if g is not None else key


def policy_for(project) -> Any:
    return _policy_provider(project) if _policy_provider is not None else None


def _exceptions_in_force(project) -> dict:
    from .models import GateException

    return {
        e.gate: e
        for e in GateException.objects.in_force().filter(project=project).select_related("granted_by")
    }


def checklist(project, to_status: str, *, policy=None, exceptions: dict | None = None) -> list[GateItem]:
    """Every gate item of `to_status` for `project`, each with the district exception in force."""
    gates = gates_for(to_status)
    if not gates:
        return []
    policy = policy if policy is not None else policy_for(project)
    exceptions = exceptions if exceptions is not None else _exceptions_in_force(project)
    items = []
    for g in gates:
        item = g.check(project, policy)
        item.key = g.key
        item.label = item.label or str(g.label)
        if item.required and not item.met:
            item.exception = exceptions.get(g.key)
        items.append(item)
    return items


REFUSAL_OPENINGS = {
    ProjectStatus.APPROVED: lambda: _("Cannot approve the plan"),
    ProjectStatus.UNDER_CONSTRUCTION: lambda: _("Cannot start construction"),
}


def refusal_from(items: list[GateItem], to_status: str) -> str | None:
    blocking = [i for i in items if i.blocking]
    if not blocking:
        return None
    opening = REFUSAL_OPENINGS.get(to_status, lambda: _("Cannot move on"))()
    return _("%(opening)s: %(missing)s.") % {
        "opening": opening,
        "missing": listing(i.missing.rstrip("。.") for i in blocking),
    }


def refusal(project, to_status: str) -> str | None:
    """The sentence naming everything missing before `project` may move to `to_status` (None: nothing)."""
    return refusal_from(checklist(project, to_status), to_status)


def blocking_items(project, to_status: str) -> list[GateItem]:
    return [i for i in checklist(project, to_status) if i.blocking]


def excepted_note(project, to_status: str) -> str:
    """For the status history: the items passed on a district exception (empty when none)."""
    items = [i for i in checklist(project, to_status) if i.state == "excepted"]
    if not items:
        return ""
    return _("By district exception: %(items)s") % {
        "items": listing(f"{i.label} ({i.exception.reason[:80]})" for i in items)
    }
