"""The rollup arithmetic in bulk SQL: every place's figures of a year in a handful of grouped queries.

Two steps (services.refresh runs them):
1. `count_facts(compound_ids)`: the household facts of some compounds (households, coverage, attitudes,
   opinions, ratings) - the heavy part, over households, ownerships, visits and opinions, so it runs
   only for compounds that changed (or all of them, in the hourly recount). They do not depend on the
   year.
2. `year_figures(year, facts)`: for one year, every division's and every compound's figures from the
   stored facts (masked by the year's plan) and from the small tables (projects, work items, funding,
   milestones, ballots, acceptance rounds, rectification orders, disputes, programmes).

A place is a compound ("c", id) or a division ("d", id); a row counts in a division when its compound
lies in the division's subtree (ancestors come from the materialised path, so no recursion). This
module is checked against an independent live aggregate (`live.py`, ORM per division) by the tests.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.db import connection

from consultations.services import default_opinion_answer_days, opinion_answer_days_of

from . import figures as F

Node = tuple[str, int]


def t(label: str) -> str:
    return apps.get_model(label)._meta.db_table


def m2m(label: str, field: str) -> str:
    return apps.get_model(label)._meta.get_field(field).remote_field.through._meta.db_table


def _rows(sql: str, params: dict) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _ancestors_sql(division_alias: str) -> str:
    """A lateral list of the division's ancestors' ids (itself included) from its materialised path."""
    return f"unnest(string_to_array(rtrim({division_alias}.path, '/'), '/')::bigint[])"


# --- 1. household facts per compound ------------------------------------------------------------------


def count_facts(compound_ids: list[int] | None, now: datetime.datetime) -> dict[int, dict]:
    """compound id -> facts (FACT_KEYS), for the given compounds (None: all). Compounds with nothing
    recorded get all zeros."""
    where = "" if compound_ids is None else "WHERE c.id = ANY(%(ids)s)"
    params = {"ids": compound_ids or [], "now": now}
    out: dict[int, dict] = {}
    for (cid,) in _rows(f"SELECT c.id FROM {t('communities.Compound')} c {where}", params):
        out[cid] = dict.fromkeys(F.FACT_KEYS, 0)
    if not out:
        return out
    target = f"SELECT c.id FROM {t('communities.Compound')} c {where}"
    for cid, n in _rows(
        f"SELECT compound_id, count(*) FROM {t('communities.Building')} WHERE compound_id IN ({target})"
        " GROUP BY compound_id",
        params,
    ):
        out[cid]["plan_buildings"] = n
    for cid, n in _rows(
        f"SELECT b.compound_id, count(*) FROM {t('communities.Ownership')} o"
        f" JOIN {t('communities.Household')} h ON h.id = o.household_id"
        f" JOIN {t('communities.Building')} b ON b.id = h.building_id"
        f" WHERE b.compound_id IN ({target}) AND o.household_id IN ("
        f"  SELECT h2.id FROM {t('communities.Household')} h2 JOIN {t('communities.Building')} b2"
        f"  ON b2.id = h2.building_id WHERE b2.compound_id IN ({target}))"
        " GROUP BY b.compound_id",
        params,
    ):
        out[cid]["plan_residents"] = n
    # households with their visits: each household's visits grouped once, the latest answered attitude
    # taken from them ("not at home" never hides an earlier answer)
    sql = f"""
        WITH hh AS (
            SELECT h.id, h.is_vacant, b.compound_id
            FROM {t("communities.Household")} h JOIN {t("communities.Building")} b ON b.id = h.building_id
            WHERE b.compound_id IN ({target})
        ), vis AS (
            SELECT v.household_id, count(*) AS n,
                   (array_agg(v.attitude ORDER BY v.visited_at DESC, v.id DESC)
                        FILTER (WHERE v.attitude <> 'not_at_home'))[1] AS latest
            FROM {t("consultations.Visit")} v JOIN hh ON hh.id = v.household_id
            -- by the visit row's own compound (indexed): few rows when few compounds are recounted
            WHERE v.compound_id IN ({target})
            GROUP BY v.household_id
        )
        SELECT hh.compound_id,
               count(*),
               count(*) FILTER (WHERE NOT hh.is_vacant),
               count(vis.household_id) FILTER (WHERE NOT hh.is_vacant),
               count(vis.latest) FILTER (WHERE NOT hh.is_vacant),
               count(*) FILTER (WHERE NOT hh.is_vacant AND vis.latest = 'support'),
               count(*) FILTER (WHERE NOT hh.is_vacant AND vis.latest = 'neutral'),
               count(*) FILTER (WHERE NOT hh.is_vacant AND vis.latest = 'oppose'),
               COALESCE(sum(vis.n), 0)
        FROM hh LEFT JOIN vis ON vis.household_id = hh.id
        GROUP BY hh.compound_id
    """
    keys = ["plan_households", "households_nonvacant", "visited", "reached", "support", "neutral", "oppose"]
    for cid, *values in _rows(sql, params):
        out[cid].update(zip([*keys, "visits"], [int(v) for v in values], strict=True))
    # opinions: answered on time within their area's answer time, read for the compounds' divisions at
    # once (the home page's rule, consultations.services.opinion_answer_days) and joined in as a table
    days = _answer_days(compound_ids)
    params.update(ad_ids=list(days), ad_days=list(days.values()), ad_default=default_opinion_answer_days())
    status_cols = ", ".join(f"count(*) FILTER (WHERE o.status = '{s}')" for s in F.OPINION_STATUSES)
    sql = f"""
        WITH ad AS (
            SELECT * FROM unnest(%(ad_ids)s::bigint[], %(ad_days)s::int[]) AS ad(division_id, days)
        ), op AS (
            -- a compound moved since the days were read falls back to the default until its recount
            SELECT o.*, make_interval(days => COALESCE(ad.days, %(ad_default)s)) AS answer_time
            FROM {t("consultations.Opinion")} o JOIN {t("communities.Compound")} c ON c.id = o.compound_id
            LEFT JOIN ad ON ad.division_id = c.division_id
            WHERE o.compound_id IN ({target})
        )
        SELECT o.compound_id, {status_cols},
               count(*) FILTER (WHERE o.status = 'resolved' AND o.work_item_id IS NOT NULL),
               count(*) FILTER (WHERE o.status <> 'merged' AND (o.answered_at IS NOT NULL
                                OR o.created_at < %(now)s - o.answer_time)),
               count(*) FILTER (WHERE o.status <> 'merged' AND o.answered_at IS NOT NULL),
               count(*) FILTER (WHERE o.status <> 'merged' AND o.answered_at <= o.created_at + o.answer_time),
               count(*) FILTER (WHERE o.rating = 'satisfied'),
               count(*) FILTER (WHERE o.rating = 'basically'),
               count(*) FILTER (WHERE o.rating = 'unsatisfied')
        FROM op o GROUP BY o.compound_id
    """
    keys = [
        *[f"opinions_{s}" for s in F.OPINION_STATUSES],
        "opinions_resolved_with_item",
        "answers_due",
        "answered",
        "answered_on_time",
        "rating_satisfied",
        "rating_basically",
        "rating_unsatisfied",
    ]
    for cid, *values in _rows(sql, params):
        out[cid].update(zip(keys, values, strict=True))
    return out


def _answer_days(compound_ids: list[int] | None) -> dict[int, int]:
    """{division id: opinion answer days} for the divisions of these compounds (None: all): two queries
    whatever their number."""
    from communities.models import Compound

    compounds = Compound.objects.all()
    if compound_ids is not None:
        compounds = compounds.filter(pk__in=compound_ids)
    return opinion_answer_days_of(compounds.order_by().values("division_id"))


# --- 2. a year's figures for every place ---------------------------------------------------------------


def _ballot_year_sql() -> str:
    return "COALESCE(p.year, extract(year FROM b.opens_at AT TIME ZONE %(tz)s)::int)"


def _compound_nodes() -> dict[int, list[Node]]:
    """compound id -> the places it counts in: itself and every division above it."""
    out: dict[int, list[Node]] = {}
    for cid, path in _rows(
        f"SELECT c.id, d.path FROM {t('communities.Compound')} c"
        f" JOIN {t('communities.Division')} d ON d.id = c.division_id",
        {},
    ):
        out[cid] = [("c", cid)] + [("d", int(p)) for p in path.strip("/").split("/") if p]
    return out


def year_figures(year: int, facts: dict[int, dict], now: datetime.datetime) -> dict[Node, dict]:
    """Every place's figures of `year` (KEYS), for the places that have anything that year.

    `facts`: compound id -> FACT_KEYS (the stored household facts)."""
    from django.utils import timezone

    today = timezone.localdate(now)
    params = {
        "year": year,
        "today": today,
        "now": now,
        "soon": now + datetime.timedelta(days=F.CLOSING_SOON_DAYS),
        "tz": settings.TIME_ZONE,
        "started": F.STARTED,
        "completed": F.COMPLETED,
    }
    nodes_of = _compound_nodes()
    result: dict[Node, dict] = defaultdict(F.empty)

    # compounds in plan, and the per-compound flags from the year's projects and ballots
    project, project_compounds = t("projects.Project"), m2m("projects.Project", "compounds")
    ballot, extra = t("ballots.Ballot"), m2m("ballots.Ballot", "extra_compounds")
    sql = f"""
        WITH plan AS (
            SELECT pc.compound_id FROM {m2m("projects.Programme", "compounds")} pc
            JOIN {t("projects.Programme")} pr ON pr.id = pc.programme_id WHERE pr.year = %(year)s
            UNION
            SELECT pc.compound_id FROM {project_compounds} pc
            JOIN {project} p ON p.id = pc.project_id WHERE p.year = %(year)s
        ), flags AS (
            SELECT pc.compound_id,
                   bool_or(p.status = ANY(%(started)s)) AS started,
                   bool_or(p.status = ANY(%(completed)s)) AS completed
            FROM {project_compounds} pc JOIN {project} p ON p.id = pc.project_id
            WHERE p.year = %(year)s GROUP BY pc.compound_id
        ), consent AS (
            SELECT b.compound_id FROM {ballot} b LEFT JOIN {project} p ON p.id = b.project_id
            WHERE b.kind = 'renovation_consent' AND b.status = 'closed' AND b.passed
              AND {_ballot_year_sql()} = %(year)s
            UNION
            SELECT x.compound_id FROM {extra} x JOIN {ballot} b ON b.id = x.ballot_id
            LEFT JOIN {project} p ON p.id = b.project_id
            WHERE b.kind = 'renovation_consent' AND b.status = 'closed' AND b.passed
              AND {_ballot_year_sql()} = %(year)s
        )
        SELECT plan.compound_id, COALESCE(flags.started, false), COALESCE(flags.completed, false),
               flags.compound_id IS NOT NULL, consent.compound_id IS NOT NULL
        FROM plan LEFT JOIN flags USING (compound_id) LEFT JOIN consent USING (compound_id)
    """
    for cid, started, completed, has_project, consented in _rows(sql, params):
        fact = facts.get(cid) or dict.fromkeys(F.FACT_KEYS, 0)
        row = dict(fact)
        row["plan_compounds"] = 1
        row["started_compounds"] = int(started)
        row["completed_compounds"] = int(completed)
        row["project_households"] = fact["plan_households"] if has_project else 0
        row["consent_compounds"] = int(consented)
        for node in nodes_of.get(cid, ()):
            target = result[node]
            for k, v in row.items():
                target[k] += v

    # projects: each year's project counts once in every place one of its compounds lies in
    status_cols = ", ".join(f"count(*) FILTER (WHERE yp.status = '{s}')" for s in F.STATUSES)
    planned_cols = ", ".join(f"COALESCE(sum(fl.planned_{s}), 0)" for s in F.SOURCES)
    received_cols = ", ".join(f"COALESCE(sum(fl.received_{s}), 0)" for s in F.SOURCES)
    fl_cols = ", ".join(
        f"sum(planned) FILTER (WHERE source = '{s}') AS planned_{s},"
        f" sum(received) FILTER (WHERE source = '{s}') AS received_{s}"
        for s in F.SOURCES
    )
    open_cols = ", ".join(f"COALESCE(sum(rc.open_{r}), 0)" for r in F.PARTY_ROLES)
    overdue_cols = ", ".join(f"COALESCE(sum(rc.overdue_{r}), 0)" for r in F.PARTY_ROLES)
    rc_cols = ", ".join(
        f"count(*) FILTER (WHERE pp.role = '{r}' AND r.status <> 'verified') AS open_{r},"
        f" count(*) FILTER (WHERE pp.role = '{r}' AND r.status <> 'verified'"
        f" AND r.deadline < %(today)s) AS overdue_{r}"
        for r in F.PARTY_ROLES
    )
    division = t("communities.Division")
    sql = f"""
        WITH yp AS (
            SELECT id, status, planned_end FROM {project} WHERE year = %(year)s
        ), pn AS (
            SELECT pc.project_id, 'c' AS kind, pc.compound_id AS node
            FROM {project_compounds} pc JOIN yp ON yp.id = pc.project_id
            UNION
            SELECT pc.project_id, 'd', a.anc
            FROM {project_compounds} pc JOIN yp ON yp.id = pc.project_id
            JOIN {t("communities.Compound")} c ON c.id = pc.compound_id
            JOIN {division} d ON d.id = c.division_id
            CROSS JOIN LATERAL {_ancestors_sql("d")} AS a(anc)
        ), wi AS (
            SELECT project_id, sum(budget) AS budget, sum(budget * progress) AS weighted,
                   bool_or(planned_end < %(today)s AND progress < 100) AS late
            FROM {t("projects.WorkItem")} WHERE project_id IN (SELECT id FROM yp) GROUP BY project_id
        ), ms AS (
            SELECT project_id, count(*) AS overdue FROM {t("projects.Milestone")}
            WHERE project_id IN (SELECT id FROM yp) AND actual_date IS NULL AND planned_date < %(today)s
            GROUP BY project_id
        ), fl AS (
            SELECT project_id, {fl_cols} FROM {t("projects.FundingLine")}
            WHERE project_id IN (SELECT id FROM yp) GROUP BY project_id
        ), ar AS (
            SELECT project_id,
                   bool_or(number = 1 AND status IN ('passed', 'failed')) AS first_decided,
                   bool_or(number = 1 AND status = 'passed') AS first_passed,
                   min(number) FILTER (WHERE status = 'passed') AS accepted_at,
                   max(number) FILTER (WHERE status IN ('passed', 'failed')) AS last_number
            FROM {t("supervision.AcceptanceRound")} WHERE project_id IN (SELECT id FROM yp)
            GROUP BY project_id
        ), last AS (
            SELECT r.project_id, COALESCE(r.valid_count, 0) AS valid, COALESCE(r.satisfied_count, 0) AS sat,
                   r.status
            FROM {t("supervision.AcceptanceRound")} r JOIN ar ON ar.project_id = r.project_id
             AND r.number = ar.last_number
        ), rc AS (
            SELECT r.project_id, {rc_cols}
            FROM {t("supervision.Rectification")} r JOIN {t("projects.ProjectParty")} pp
              ON pp.id = r.responsible_party_id
            WHERE r.project_id IN (SELECT id FROM yp) GROUP BY r.project_id
        ), dp AS (
            SELECT project_id,
                   count(*) FILTER (WHERE status IN ('open', 'mediating')) AS open,
                   count(*) FILTER (WHERE status = 'resolved') AS resolved,
                   count(*) FILTER (WHERE status = 'unresolved') AS unresolved
            FROM {t("supervision.Dispute")} WHERE project_id IN (SELECT id FROM yp) GROUP BY project_id
        )
        SELECT pn.kind, pn.node, count(*), {status_cols},
               COALESCE(sum(wi.budget), 0), COALESCE(sum(wi.weighted), 0),
               count(*) FILTER (WHERE yp.status <> ALL(%(completed)s)
                                AND (yp.planned_end < %(today)s OR COALESCE(wi.late, false))),
               COALESCE(sum(ms.overdue), 0),
               {planned_cols}, {received_cols},
               count(*) FILTER (WHERE ar.first_decided), count(*) FILTER (WHERE ar.first_passed),
               count(ar.accepted_at), COALESCE(sum(ar.accepted_at), 0),
               COALESCE(sum(last.valid), 0), COALESCE(sum(last.sat), 0),
               count(*) FILTER (WHERE last.status = 'passed'), count(*) FILTER (WHERE last.status = 'failed'),
               {open_cols}, {overdue_cols},
               COALESCE(sum(dp.open), 0), COALESCE(sum(dp.resolved), 0), COALESCE(sum(dp.unresolved), 0)
        FROM pn JOIN yp ON yp.id = pn.project_id
        LEFT JOIN wi ON wi.project_id = pn.project_id LEFT JOIN ms ON ms.project_id = pn.project_id
        LEFT JOIN fl ON fl.project_id = pn.project_id LEFT JOIN ar ON ar.project_id = pn.project_id
        LEFT JOIN last ON last.project_id = pn.project_id LEFT JOIN rc ON rc.project_id = pn.project_id
        LEFT JOIN dp ON dp.project_id = pn.project_id
        GROUP BY pn.kind, pn.node
    """
    for kind, node, *values in _rows(sql, params):
        target = result[(kind, node)]
        for k, v in zip(F.PROJECT_KEYS, values, strict=True):
            target[k] = v if k in F.MONEY_KEYS else int(v)

    # open ballots of the year, once in every place one of their compounds lies in
    sql = f"""
        WITH yb AS (
            SELECT b.id, b.closes_at, b.electorate_size FROM {ballot} b
            LEFT JOIN {project} p ON p.id = b.project_id
            WHERE b.status = 'open' AND {_ballot_year_sql()} = %(year)s
        ), bc AS (
            SELECT b.id AS ballot_id, b.compound_id FROM {ballot} b JOIN yb ON yb.id = b.id
            UNION
            SELECT x.ballot_id, x.compound_id FROM {extra} x JOIN yb ON yb.id = x.ballot_id
        ), bn AS (
            SELECT ballot_id, 'c' AS kind, compound_id AS node FROM bc
            UNION
            SELECT bc.ballot_id, 'd', a.anc FROM bc
            JOIN {t("communities.Compound")} c ON c.id = bc.compound_id
            JOIN {division} d ON d.id = c.division_id
            CROSS JOIN LATERAL {_ancestors_sql("d")} AS a(anc)
        ), votes AS (
            SELECT ballot_id, count(*) AS n FROM {t("ballots.Vote")}
            WHERE ballot_id IN (SELECT id FROM yb) GROUP BY ballot_id
        )
        SELECT bn.kind, bn.node, count(*), count(*) FILTER (WHERE yb.closes_at <= %(soon)s),
               COALESCE(sum(yb.electorate_size), 0), COALESCE(sum(votes.n), 0)
        FROM bn JOIN yb ON yb.id = bn.ballot_id LEFT JOIN votes ON votes.ballot_id = bn.ballot_id
        GROUP BY bn.kind, bn.node
    """
    for kind, node, *values in _rows(sql, params):
        result[(kind, node)].update(zip(F.BALLOT_KEYS, [int(v) for v in values], strict=True))

    # the programmes' targets, in every division at or above their district
    sql = f"""
        SELECT a.anc, sum(pr.target_compounds), sum(pr.target_buildings), sum(pr.target_households),
               sum(pr.target_investment)
        FROM {t("projects.Programme")} pr JOIN {division} d ON d.id = pr.district_id
        CROSS JOIN LATERAL {_ancestors_sql("d")} AS a(anc)
        WHERE pr.year = %(year)s GROUP BY a.anc
    """
    for node, *values in _rows(sql, params):
        target = result[("d", node)]
        for k, v in zip(F.TARGET_KEYS, values, strict=True):
            target[k] = None if v is None else (Decimal(v) if k in F.MONEY_KEYS else int(v))
    return dict(result)
