"""The overview's sections as the page (and the ledger's summary sheet) show them: each a table of its
numbers and, where a picture helps, a chart drawn from the same numbers (static/js/overview.js turns
the chart specs into ECharts options)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from consultations.choices import Rating
from projects.choices import FundingSource, PartyRole, ProjectStatus

from . import figures as F
from .figures import Rate


def intcomma(value) -> str:
    # imported here: humanize pulls in locale machinery, not needed until a page is drawn
    from django.contrib.humanize.templatetags.humanize import intcomma as humanize_intcomma

    return humanize_intcomma(value)


def money(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return intcomma(f"{value.quantize(Decimal('0.01'))}")


def count(value: int | None) -> str:
    return "—" if value is None else intcomma(value)


def fraction(rate: Rate, unit: str = "") -> str:
    """ "412 / 517" beside a percent, so anyone can check it."""
    num = money(rate.numerator) if isinstance(rate.numerator, Decimal) else count(rate.numerator)
    den = money(rate.denominator) if isinstance(rate.denominator, Decimal) else count(rate.denominator)
    return f"{num} / {den}{unit}"


def pct_number(rate: Rate) -> float | None:
    p = rate.percent()
    return None if p is None else float(p)


@dataclass
class Line:
    label: str
    value: str
    detail: str = ""
    warn: bool = False


@dataclass
class Section:
    key: str
    title: str
    lines: list[Line]
    chart: dict | None = None
    columns: list[str] = field(default_factory=list)  # a wide table instead of label/value lines
    table: list[list[str]] = field(default_factory=list)


def _rate_line(label: str, rate: Rate, unit: str = "") -> Line:
    detail = fraction(rate, unit) if rate.denominator else _("no base yet")
    if rate.line is not None and rate.value is not None:
        verdict = _("reaches") if rate.reaches_line else _("below")
        detail += " · " + _("%(verdict)s the %(line)s line") % {
            "verdict": verdict,
            "line": rate.line_display(),
        }
    return Line(label, rate.display(), detail, warn=rate.reaches_line is False)


def kpis(fig) -> list[Line]:
    """The tiles at the top of the page."""
    r, c, d = fig.rates, fig.counts, fig.derived
    base_note = _("of the target") if d["completion_base_kind"] == "target" else _("of the compounds in plan")
    return [
        Line(
            _("Compounds in plan"),
            count(c["plan_compounds"]),
            _("target %(n)s") % {"n": count(c["target_compounds"])},
        ),
        Line(_("Started (开工率)"), r["start_rate"].display(), f"{fraction(r['start_rate'])} {base_note}"),
        Line(
            _("Completed (完工率)"),
            r["completion_rate"].display(),
            f"{fraction(r['completion_rate'])} {base_note}",
        ),
        Line(
            _("Budget-weighted progress"),
            r["progress"].display(),
            _("budget %(v)s yuan") % {"v": money(c["budget_total"])},
        ),
        Line(_("Visit coverage"), r["coverage"].display(), fraction(r["coverage"])),
        Line(_("Answered on time"), r["answered_on_time"].display(), fraction(r["answered_on_time"])),
        Line(
            _("Behind schedule"),
            count(c["projects_behind"]),
            _("%(n)s overdue milestones") % {"n": count(c["milestones_overdue"])},
            warn=c["projects_behind"] > 0,
        ),
        Line(
            _("Overdue rectification orders"),
            count(d["rect_overdue"]),
            _("%(n)s open") % {"n": count(d["rect_open"])},
            warn=d["rect_overdue"] > 0,
        ),
    ]


def _bar(categories, series, *, percent=False, horizontal=False, stacked=False, lines=None, unit=""):
    return {
        "type": "bar",
        "categories": [str(c) for c in categories],
        "series": series,
        "percent": percent,
        "horizontal": horizontal,
        "stacked": stacked,
        "lines": lines or [],
        "unit": unit,
    }


def sections(fig) -> list[Section]:
    r, c, d = fig.rates, fig.counts, fig.derived
    out: list[Section] = []

    # 1. the programme against its targets
    target_rows = [
        (_("Compounds"), c["plan_compounds"], c["target_compounds"], r["compounds_vs_target"]),
        (_("Buildings"), c["plan_buildings"], c["target_buildings"], r["buildings_vs_target"]),
        (_("Households"), c["plan_households"], c["target_households"], r["households_vs_target"]),
    ]
    chart = None
    if any(t for _l, _p, t, _r in target_rows):
        chart = _bar(
            [label for label, *_rest in target_rows],
            [{"name": _("In plan, % of target"), "data": [pct_number(rate) for *_x, rate in target_rows]}],
            percent=True,
            lines=[{"value": 100, "label": _("target")}],
        )
    out.append(
        Section(
            "programme",
            _("Programme and targets"),
            [],
            chart,
            columns=["", _("In plan"), _("Target"), _("In plan / target")],
            table=[[str(label), count(p), count(t), rate.display()] for label, p, t, rate in target_rows]
            + [
                [_("Residents on the rosters"), count(c["plan_residents"]), "—", "—"],
                [_("Investment (yuan)"), money(d["funding_planned"]), money(c["target_investment"]), "—"],
            ],
        )
    )

    # 2. the lifecycle
    statuses = ProjectStatus.choices
    out.append(
        Section(
            "lifecycle",
            _("Projects by stage"),
            [
                Line(_("Projects"), count(c["projects"])),
                _rate_line(_("Started (开工率)"), r["start_rate"]),
                _rate_line(_("Completed (完工率)"), r["completion_rate"]),
                Line(
                    _("Base of the rates"),
                    count(d["completion_base"]),
                    _("the programmes' target")
                    if d["completion_base_kind"] == "target"
                    else _("compounds in plan"),
                ),
            ],
            _bar(
                [label for _v, label in statuses],
                [{"name": _("Projects"), "data": [c[f"projects_{v}"] for v, _l in statuses]}],
                horizontal=True,
            ),
            columns=[_("Stage"), _("Projects")],
            table=[[str(label), count(c[f"projects_{v}"])] for v, label in statuses],
        )
    )

    # 3. progress
    out.append(
        Section(
            "progress",
            _("Progress"),
            [
                _rate_line(_("Budget-weighted progress"), r["progress"], ""),
                Line(_("Budget of the work items (yuan)"), money(c["budget_total"])),
                Line(
                    _("Projects behind schedule"), count(c["projects_behind"]), warn=c["projects_behind"] > 0
                ),
                Line(
                    _("Overdue milestones"), count(c["milestones_overdue"]), warn=c["milestones_overdue"] > 0
                ),
            ],
        )
    )
    # the weighted progress reads better as a plain percent than as "Σ budget×% / Σ budget×100"
    out[-1].lines[0].detail = _("Σ budget × progress ÷ Σ budget of %(n)s projects") % {
        "n": count(c["projects"])
    }

    # 4. money by source
    sources = FundingSource.choices
    table = []
    for v, label in sources:
        planned, received = c[f"funding_planned_{v}"], c[f"funding_received_{v}"]
        table.append([str(label), money(planned), money(received), Rate("x", received, planned).display()])
    table.append(
        [
            _("Total"),
            money(d["funding_planned"]),
            money(d["funding_received"]),
            r["funding_received"].display(),
        ]
    )
    out.append(
        Section(
            "money",
            _("Funding by source"),
            [
                _rate_line(_("Received / planned"), r["funding_received"]),
                Line(
                    _("Planned per household"),
                    money(d["planned_per_household"]),
                    _("over %(n)s households of the year's projects") % {"n": count(c["project_households"])},
                ),
            ],
            _bar(
                [label for _v, label in sources],
                [
                    {
                        "name": _("Planned (10,000 yuan)"),
                        "data": [float(c[f"funding_planned_{v}"] / 10000) for v, _l in sources],
                    },
                    {
                        "name": _("Received (10,000 yuan)"),
                        "data": [float(c[f"funding_received_{v}"] / 10000) for v, _l in sources],
                    },
                ],
                horizontal=True,
            ),
            columns=[_("Source"), _("Planned (yuan)"), _("Received (yuan)"), _("Received / planned")],
            table=table,
        )
    )

    # 5. door-to-door visits
    attitudes = [
        (_("Supports"), c["support"]),
        (_("Neutral"), c["neutral"]),
        (_("Opposes"), c["oppose"]),
        (_("No answer yet"), d["no_answer_yet"]),
    ]
    out.append(
        Section(
            "visits",
            _("Door-to-door visits"),
            [
                Line(_("Households (not vacant)"), count(c["households_nonvacant"])),
                _rate_line(_("Visit coverage"), r["coverage"]),
                _rate_line(_("Households reached"), r["reached"]),
                _rate_line(_("Support among those reached"), r["support"]),
                Line(_("Visits recorded"), count(c["visits"])),
            ],
            {
                "type": "pie",
                "categories": [str(label) for label, _n in attitudes],
                "series": [{"name": _("Latest attitude"), "data": [n for _l, n in attitudes]}],
            },
            columns=[_("Latest attitude"), _("Households")],
            table=[[str(label), count(n)] for label, n in attitudes],
        )
    )

    # 6. demands
    funnel = d["funnel"]
    rated = [
        (Rating.SATISFIED.label, c["rating_satisfied"]),
        (Rating.BASICALLY.label, c["rating_basically"]),
        (Rating.UNSATISFIED.label, c["rating_unsatisfied"]),
    ]
    out.append(
        Section(
            "demands",
            _("Demands and answers"),
            [
                _rate_line(_("Answered on time"), r["answered_on_time"]),
                _rate_line(_("Residents satisfied (民评)"), r["rating"]),
            ]
            + [Line(str(label), count(n)) for label, n in rated]
            + [Line(_("Declined"), count(funnel["declined"]))],
            _bar(
                [str(F.FUNNEL_LABELS[k]) for k in ("received", "accepted", "planned", "resolved")],
                [
                    {
                        "name": _("Opinions"),
                        "data": [funnel[k] for k in ("received", "accepted", "planned", "resolved")],
                    }
                ],
                horizontal=True,
            ),
            columns=[_("Stage"), _("Opinions")],
            table=[
                [str(F.FUNNEL_LABELS[k]), count(funnel[k])]
                for k in ("received", "accepted", "planned", "resolved")
            ],
        )
    )

    # 7. decisions: consent, ballots, acceptance
    decision_rates = [
        (_("Consent reached"), r["consent"]),
        (_("Turnout of open ballots"), r["turnout"]),
        (_("First-round acceptance"), r["first_round_pass"]),
        (_("Last-round satisfaction"), r["last_satisfaction"]),
    ]
    lines = [
        {"index": i, "value": float(rate.line * 100), "label": _("line")}
        for i, (_l, rate) in enumerate(decision_rates)
        if rate.line is not None
    ]
    out.append(
        Section(
            "decisions",
            _("Consent, ballots and acceptance"),
            [
                _rate_line(_("Compounds with consent"), r["consent"]),
                Line(
                    _("Compounds without consent yet"),
                    count(d["consent_pending"]),
                    warn=d["consent_pending"] > 0,
                ),
                Line(_("Ballots open"), count(c["ballots_open"])),
                Line(_("Closing within 3 days"), count(c["ballots_closing_soon"])),
                _rate_line(_("Turnout of open ballots"), r["turnout"]),
                _rate_line(_("Acceptance passed in the first round"), r["first_round_pass"]),
                Line(
                    _("Rounds until accepted (mean)"),
                    "—" if d["mean_rounds_to_accept"] is None else str(d["mean_rounds_to_accept"]),
                    _("%(n)s projects accepted") % {"n": count(c["accepted_projects"])},
                ),
                _rate_line(_("Satisfaction of the last round"), r["last_satisfaction"]),
                Line(
                    _("Last rounds passed / failed"),
                    f"{count(c['last_round_passed'])} / {count(c['last_round_failed'])}",
                ),
            ],
            {
                **_bar(
                    [str(label) for label, _r in decision_rates],
                    [{"name": _("Percent"), "data": [pct_number(rate) for _l, rate in decision_rates]}],
                    percent=True,
                    horizontal=True,
                ),
                "marks": lines,
            },
        )
    )

    # 8. supervision
    roles = PartyRole.choices
    out.append(
        Section(
            "supervision",
            _("Rectification orders and disputes"),
            [
                Line(_("Disputes open"), count(c["disputes_open"]), warn=c["disputes_open"] > 0),
                Line(_("Disputes resolved"), count(c["disputes_resolved"])),
                Line(_("Disputes not resolved"), count(c["disputes_unresolved"])),
            ],
            _bar(
                [label for _v, label in roles],
                [
                    {
                        "name": _("Open, within deadline"),
                        "data": [c[f"rect_open_{v}"] - c[f"rect_overdue_{v}"] for v, _l in roles],
                    },
                    {"name": _("Overdue"), "data": [c[f"rect_overdue_{v}"] for v, _l in roles]},
                ],
                horizontal=True,
                stacked=True,
            ),
            columns=[_("Responsible party"), _("Open orders"), _("of which overdue")],
            table=[
                [str(label), count(c[f"rect_open_{v}"]), count(c[f"rect_overdue_{v}"])] for v, label in roles
            ]
            + [[_("Total"), count(d["rect_open"]), count(d["rect_overdue"])]],
        )
    )
    return out


def chart_specs(all_sections: list[Section]) -> dict:
    """The charts for static/js/overview.js, keyed by section."""
    return {s.key: s.chart for s in all_sections if s.chart}
