"""`manage.py generate_scale [--small]`: a province-sized data set for the benchmarks, written with COPY.

1 province, 9 cities, 88 districts, 1,000 streets, 3,000 communities, 5,601 compounds, 25,000
buildings, 901,400 households with owners and exclusive areas, 2,000 projects (work items, funding,
parties, milestones, a temporary Party branch each with every household assigned), 3,000,000 visits,
20,000 opinions, 1,000 ballots with electors and votes, acceptance rounds, 10,000 rectification orders
and disputes; `--small` writes a tenth of it. Everything goes into the configured database
(DATABASE_URL), in one transaction, with the history triggers switched off for it (generated rows have
no history to keep); then the overview's rollups are counted in full. Prints the time each step took
and the database size.

Use a database of its own: `createdb reno_scale && DATABASE_URL=postgres://…/reno_scale manage.py
migrate && … generate_scale`. It refuses to write a second province into the same database.
"""

from __future__ import annotations

import datetime
import random
import time
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

PROVINCE = "贵州省（规模数据）"

FULL = {
    "cities": 9,
    "districts": 88,
    "streets": 1000,
    "communities": 3000,
    "compounds": 5601,
    "buildings": 25000,
    "households": 901_400,
    "projects": 2000,
    "visits": 3_000_000,
    "opinions": 20_000,
    "ballots": 1000,
    "rectifications": 10_000,
}

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国红梅兰凤玉珍海波"
STATUS_WEIGHTS = {
    "planning": 10,
    "consulting": 15,
    "approved": 15,
    "under_construction": 30,
    "acceptance": 8,
    "rework": 2,
    "accepted": 12,
    "maintenance": 8,
}
SOURCES = [
    "central_subsidy",
    "central_budget",
    "local_fiscal",
    "soe_three_supplies",
    "district_matching",
    "utility_companies",
    "residents",
    "social_capital",
]


# The large tables are loaded the way pg_restore does it: their foreign keys, unique constraints and
# secondary indexes are dropped first and built again once the rows are in (one index build and one
# validating join each, instead of millions of row-by-row checks). All in the same transaction.
BULK_TABLES = [
    "communities_household",
    "communities_person",
    "communities_ownership",
    "projects_householdassignment",
    "consultations_visit",
    "ballots_elector",
    "ballots_vote",
]


class Writer:
    """COPY rows into tables with explicit ids; sequences are moved past them at the end."""

    def __init__(self, stdout) -> None:
        self.stdout = stdout
        self.next_id: dict[str, int] = {}
        self.counts: dict[str, int] = {}
        self.dropped: list[tuple[str, list, list]] = []
        self.defaulted: list[tuple[str, str]] = []

    def drop_keys(self, table: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
                " WHERE conrelid = %s::regclass AND contype IN ('f', 'u') ORDER BY conname",
                [table],
            )
            constraints = cursor.fetchall()
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
                " AND tablename = %s AND indexname NOT IN"
                " (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass) ORDER BY indexname",
                [table, table],
            )
            indexes = cursor.fetchall()
            for name, _definition in constraints:
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            for name, _definition in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
        self.dropped.append((table, constraints, indexes))

    def restore_keys(self) -> None:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for table, constraints, indexes in self.dropped:
                for _name, definition in indexes:
                    cursor.execute(definition)
                for name, definition in constraints:
                    cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        self.stdout.write(
            f"  indexes and keys of the large tables rebuilt in {time.perf_counter() - started:.1f} s"
        )

    def start(self, table: str) -> int:
        if table not in self.next_id:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT COALESCE(max(id), 0) + 1 FROM {table}")
                self.next_id[table] = cursor.fetchone()[0]
        return self.next_id[table]

    def copy(self, table: str, columns: list[str], rows) -> int:
        """rows: tuples WITHOUT the id; ids are given here in order. Returns the first id."""
        first = self.start(table)
        n = 0
        started = time.perf_counter()
        defaulted = self._defaults_for_missing(table, columns)
        sql = f"COPY {table} (id, {', '.join(columns)}) FROM STDIN"
        with connection.connection.cursor() as cursor, cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row((first + n, *row))
                n += 1
        self.defaulted.extend((table, column) for column in defaulted)
        self.next_id[table] = first + n
        self.counts[table] = self.counts.get(table, 0) + n
        self.stdout.write(f"  {table}: {n:,} rows in {time.perf_counter() - started:.1f} s")
        return first

    def _defaults_for_missing(self, table: str, columns: list[str]) -> list[str]:
        """Columns added to a model after this generator was written (NOT NULL, with a Python-side
        default or blank text) get their model default as a database default for the duration of
        the COPY, so the generator keeps working as the models grow. Returns the columns so
        defaulted."""
        from django.apps import apps

        model = next((m for m in apps.get_models() if m._meta.db_table == table), None)
        if model is None:
            return []
        defaulted = []
        with connection.cursor() as cursor:
            for f in model._meta.concrete_fields:
                if f.column in columns or f.primary_key or f.null:
                    continue
                default = f.get_default()  # "" for a text field without an explicit default
                if default is None:
                    continue
                value = f.get_db_prep_save(default, connection)
                cursor.execute(f'ALTER TABLE {table} ALTER COLUMN "{f.column}" SET DEFAULT %s', [value])
                defaulted.append(f.column)
        return defaulted

    def finish(self) -> None:
        with connection.cursor() as cursor:
            if self.defaulted:
                # the deferred foreign-key checks run now: a table with pending ones cannot be altered
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                for table, column in self.defaulted:
                    cursor.execute(f'ALTER TABLE {table} ALTER COLUMN "{column}" DROP DEFAULT')
            for table, next_id in self.next_id.items():
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), GREATEST(%s, 1), true)",
                    [table, next_id - 1],
                )


def spread(total: int, parts: int, rng: random.Random, low: float = 0.5) -> list[int]:
    """`total` split into `parts` positive integers of varying size."""
    weights = [low + rng.random() for _ in range(parts)]
    scale = (total - parts) / sum(weights)
    sizes = [1 + int(w * scale) for w in weights]
    for i in range(total - sum(sizes)):
        sizes[i % parts] += 1
    return sizes


class Command(BaseCommand):
    help = "Write a province-sized data set (COPY) for the benchmarks; --small writes a tenth."

    def add_arguments(self, parser):
        parser.add_argument("--small", action="store_true", help="a tenth of the province")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--no-refresh", action="store_true", help="do not count the overview's rollups")

    def handle(self, *args, **options):
        from communities.models import Division

        if Division.objects.filter(name=PROVINCE, parent__isnull=True).exists():
            raise CommandError(f"{PROVINCE} is already in this database; use a fresh database.")
        sizes = {k: (max(1, v // 10) if options["small"] else v) for k, v in FULL.items()}
        rng = random.Random(options["seed"])
        started = time.perf_counter()
        w = Writer(self.stdout)
        self.stdout.write(f"generating {'a tenth of ' if options['small'] else ''}a province: {sizes}")
        with transaction.atomic():
            self._quiet_history()
            for table in BULK_TABLES:
                w.drop_keys(table)
            generate(w, sizes, rng, self.stdout)
            w.restore_keys()
            w.finish()
            self._history_back_on()
        self.stdout.write(f"rows written in {time.perf_counter() - started:.1f} s")
        step = time.perf_counter()
        with connection.cursor() as cursor:
            # VACUUM too: the visibility map a live database keeps through autovacuum. Without it an
            # index-only scan fetches every row from the table, and the planner prices a district's
            # bounded count of people as a read of all 1,081,728 (45-435 ms instead of 4 ms)
            cursor.execute("VACUUM (ANALYZE)")
        self.stdout.write(f"VACUUM (ANALYZE) in {time.perf_counter() - step:.1f} s")
        if not options["no_refresh"]:
            from supervision.overview.services import refresh

            step = time.perf_counter()
            report = refresh(full=True)
            self.stdout.write(
                f"overview rollups counted in {time.perf_counter() - step:.1f} s "
                f"({report.compounds_recounted:,} compounds, {report.rows_written:,} rows, "
                f"years {report.years})"
            )
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
            size = cursor.fetchone()[0]
        total = sum(w.counts.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"done: {total:,} rows in {time.perf_counter() - started:.1f} s; database size {size}"
            )
        )

    def _quiet_history(self) -> None:
        """Switch off the history (pgtrigger) triggers of the tables written, for this transaction only
        (ALTER TABLE … DISABLE TRIGGER USER is transactional: they are on again at commit or rollback
        in the ENABLE below or by the rollback). Generated rows have no history to keep; a per-row
        trigger costs more than the row. Foreign keys are still checked."""
        from pgtrigger import registry

        # history triggers only: the access log keeps its append-only guard (nothing here writes it)
        tables = sorted({m._meta.db_table for m, _t in registry.registered()} - {"communities_accesslog"})
        self._history_tables = tables
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")

    def _history_back_on(self) -> None:
        with connection.cursor() as cursor:
            # the deferred foreign-key checks run now (ALTER TABLE waits for no pending trigger event)
            step = time.perf_counter()
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            self.stdout.write(f"  foreign keys checked in {time.perf_counter() - step:.1f} s")
            for table in self._history_tables:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")


def generate(w: Writer, n: dict, rng: random.Random, stdout) -> None:
    # timestamps go to COPY as text (psycopg's datetime dumper costs more than the row itself)
    now_dt = timezone.now()
    now = now_dt.isoformat()
    today = timezone.localdate()
    year = today.year
    randint, random_, choice = rng.randint, rng.random, rng.choice

    # --- divisions: province > cities > districts > streets > communities
    div_rows: list[tuple] = []
    first = w.start("communities_division")
    next_id = first

    def division(name: str, level: str, parent: tuple | None) -> tuple:
        nonlocal next_id
        pk = next_id
        next_id += 1
        path = (parent[1] if parent else "") + f"{pk}/"
        div_rows.append((pk, "", name, level, path, parent[0] if parent else None))
        return (pk, path)

    province = division(PROVINCE, "province", None)
    cities = [division(f"第{i + 1}市", "city", province) for i in range(n["cities"])]
    districts = [division(f"第{i + 1}区", "district", cities[i % len(cities)]) for i in range(n["districts"])]
    streets = [
        division(f"第{i + 1}街道", "street", districts[i % len(districts)]) for i in range(n["streets"])
    ]
    communities = [
        division(f"第{i + 1}社区", "community", streets[i % len(streets)]) for i in range(n["communities"])
    ]
    w.copy(
        "communities_division",
        ["code", "name", "level", "path", "parent_id"],
        (row[1:] for row in div_rows),
    )
    street_of = {c[0]: streets[i % len(streets)][0] for i, c in enumerate(communities)}
    district_of = {s[0]: districts[i % len(districts)][0] for i, s in enumerate(streets)}

    # --- compounds, buildings, households, people, ownership
    compound_community = [communities[i % len(communities)][0] for i in range(n["compounds"])]
    first = w.copy(
        "communities_compound",
        [
            "name",
            "address",
            "year_built",
            "renovation_need",
            "management_mode",
            "has_owners_committee",
            "note",
            "created_at",
            "updated_at",
            "division_id",
        ],
        (
            (
                f"规模小区{i + 1}",
                f"规模路{i + 1}号",
                randint(1975, 2005),
                choice(["basic", "basic", "improvement", "upgrade"]),
                choice(["none", "property_company", "self_management", "red_property"]),
                random_() < 0.3,
                "",
                now,
                now,
                compound_community[i],
            )
            for i in range(n["compounds"])
        ),
    )
    compounds = list(range(first, first + n["compounds"]))
    community_of = dict(zip(compounds, compound_community, strict=True))
    buildings_per = spread(n["buildings"], len(compounds), rng)
    building_compound = [c for c, k in zip(compounds, buildings_per, strict=True) for _ in range(k)]
    units = [randint(1, 4) for _ in building_compound]
    floors = [randint(5, 7) for _ in building_compound]
    first = w.copy(
        "communities_building",
        ["name", "unit_count", "floor_count", "year_built", "has_elevator", "compound_id"],
        ((f"{i + 1}栋", units[i], floors[i], None, False, c) for i, c in enumerate(building_compound)),
    )
    buildings = list(range(first, first + len(building_compound)))
    households_per = spread(n["households"], len(buildings), rng)
    hh_building: list[int] = []
    hh_vacant: list[bool] = []

    def household_rows():
        for b, count, u, fl in zip(buildings, households_per, units, floors, strict=True):
            per_unit = max(1, -(-count // u))
            for k in range(count):
                unit, pos = divmod(k, per_unit)
                floor, room = divmod(pos, max(1, -(-per_unit // fl)))
                vacant = random_() < 0.03
                hh_building.append(b)
                hh_vacant.append(vacant)
                yield (
                    str(unit + 1),
                    floor + 1,
                    f"{floor + 1}{room + 1:02d}",
                    Decimal(randint(4500, 13000)) / 100,
                    "register",
                    vacant,
                    "",
                    b,
                )

    first = w.copy(
        "communities_household",
        ["unit", "floor", "room", "exclusive_area", "area_source", "is_vacant", "note", "building_id"],
        household_rows(),
    )
    households = range(first, first + len(hh_building))
    building_to_compound = dict(zip(buildings, building_compound, strict=True))
    hh_compound = [building_to_compound[b] for b in hh_building]
    by_compound: dict[int, list[int]] = {}
    for h, c in zip(households, hh_compound, strict=True):
        by_compound.setdefault(c, []).append(h)

    owners: list[tuple[int, int, str]] = []  # (household, person index, kind)

    def person_rows():
        i = 0
        for h, c in zip(households, hh_compound, strict=True):
            for kind in ("owner", "co_owner") if random_() < 0.2 else ("owner",):
                owners.append((h, i, kind))
                name = choice(SURNAMES) + choice(GIVEN) + (choice(GIVEN) if random_() < 0.6 else "")
                yield (
                    name,
                    f"1{choice('3589')}{i:09d}",
                    "",
                    False,
                    "",
                    "",
                    False,
                    False,
                    "",
                    now,
                    now,
                    community_of[c],
                )
                i += 1

    first_person = w.copy(
        "communities_person",
        [
            "name",
            "phone",
            "id_number",
            "is_party_member",
            "party_organization",
            "employer",
            "is_organization",
            "is_developer",
            "note",
            "created_at",
            "updated_at",
            "division_id",
        ],
        person_rows(),
    )
    w.copy(
        "communities_ownership",
        ["kind", "since", "household_id", "person_id"],
        ((kind, None, h, first_person + i) for h, i, kind in owners),
    )
    owners.clear()

    # --- the year's programmes: every compound of each district
    district_compounds: dict[int, list[int]] = {}
    for c in compounds:
        district_compounds.setdefault(district_of[street_of[community_of[c]]], []).append(c)
    prog_districts = sorted(district_compounds)
    first = w.copy(
        "projects_programme",
        [
            "year",
            "name",
            "target_compounds",
            "target_households",
            "target_buildings",
            "target_investment",
            "note",
            "created_at",
            "district_id",
        ],
        (
            (
                year,
                f"{year}年老旧小区改造计划（{d}）",
                len(district_compounds[d]) + randint(0, 3),
                sum(len(by_compound.get(c, ())) for c in district_compounds[d]),
                None,
                Decimal(len(district_compounds[d]) * 1_500_000),
                "",
                now,
                d,
            )
            for d in prog_districts
        ),
    )
    programme_of = {d: first + i for i, d in enumerate(prog_districts)}
    w.copy(
        "projects_programme_compounds",
        ["programme_id", "compound_id"],
        ((programme_of[d], c) for d in prog_districts for c in district_compounds[d]),
    )

    # --- projects: one per compound, one in ten a block over two compounds of the same street
    pool = compounds[:]
    rng.shuffle(pool)
    groups: list[list[int]] = []
    it = iter(pool)
    for k in range(n["projects"]):
        a = next(it)
        if k % 10 == 0:
            b = next(it)
            groups.append([a, b])
        else:
            groups.append([a])
    statuses = rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()), k=len(groups))
    first = w.copy(
        "projects_project",
        [
            "name",
            "year",
            "category",
            "status",
            "description",
            "is_key_project",
            "responsible_leader",
            "lead_department",
            "implementation_plan",
            "schedule",
            "planned_start",
            "planned_end",
            "created_at",
            "updated_at",
            "created_by_id",
            "division_id",
            "programme_id",
        ],
        (
            (
                f"规模小区{g[0] - compounds[0] + 1}改造",
                year,
                "basic",
                statuses[i],
                "",
                i % 20 == 0,
                "",
                "住建局",
                "",
                "",
                today - datetime.timedelta(days=randint(60, 240)),
                today + datetime.timedelta(days=randint(-60, 240)),
                now,
                now,
                None,
                street_of[community_of[g[0]]],
                programme_of[district_of[street_of[community_of[g[0]]]]],
            )
            for i, g in enumerate(groups)
        ),
    )
    projects = list(range(first, first + len(groups)))
    w.copy(
        "projects_project_compounds",
        ["project_id", "compound_id"],
        ((p, c) for p, g in zip(projects, groups, strict=True) for c in g),
    )
    progress_by_status = {
        "planning": 0,
        "consulting": 0,
        "approved": 0,
        "under_construction": 45,
        "acceptance": 95,
        "rework": 85,
        "accepted": 100,
        "maintenance": 100,
    }

    def work_items():
        for p, status in zip(projects, statuses, strict=True):
            base = progress_by_status[status]
            for k in range(5):
                progress = min(100, max(0, base + randint(-30, 30))) if 0 < base < 100 else base
                end = today + datetime.timedelta(days=randint(-90, 180))
                yield (
                    f"改造内容{k + 1}",
                    Decimal(randint(1, 500)),
                    "项",
                    Decimal(randint(50_000, 2_000_000)),
                    end - datetime.timedelta(days=90),
                    end,
                    progress,
                    "",
                    None,
                    p,
                )

    w.copy(
        "projects_workitem",
        [
            "name",
            "quantity",
            "unit",
            "budget",
            "planned_start",
            "planned_end",
            "progress",
            "note",
            "catalog_item_id",
            "project_id",
        ],
        work_items(),
    )

    def funding():
        for p in projects:
            for s in rng.sample(SOURCES, randint(2, 5)):
                planned = Decimal(randint(100_000, 3_000_000))
                yield (s, planned, (planned * randint(0, 100) / 100).quantize(Decimal("0.01")), "", p)

    w.copy("projects_fundingline", ["source", "planned", "received", "note", "project_id"], funding())
    roles = ["lead", "design", "construction", "supervision"]
    first = w.copy(
        "projects_projectparty",
        ["role", "name", "contact_person", "phone", "public_phone", "project_id"],
        ((r, f"{r}单位{p}", "", "", "", p) for p in projects for r in roles),
    )
    party_of = {
        (p, r): first + i * len(roles) + k for i, p in enumerate(projects) for k, r in enumerate(roles)
    }

    def milestones():
        for p in projects:
            for k, name in enumerate(("方案公示", "进场施工", "竣工验收")):
                planned = today + datetime.timedelta(days=randint(-120, 120) + 30 * k)
                done = planned <= today and random_() < 0.8
                yield (name, planned, planned if done else None, "", p)

    w.copy("projects_milestone", ["name", "planned_date", "actual_date", "note", "project_id"], milestones())

    # --- a temporary Party branch per project, five members, every household assigned
    first = w.copy(
        "projects_partybranch",
        ["kind", "name", "established_on", "dissolved_on", "note", "division_id", "project_id"],
        (
            ("temporary", f"项目{p}临时党支部", today, None, "", street_of[community_of[g[0]]], p)
            for p, g in zip(projects, groups, strict=True)
        ),
    )
    branches = list(range(first, first + len(projects)))
    member_roles = ["secretary", "committee", "member", "member", "member"]
    first = w.copy(
        "projects_branchmember",
        [
            "name",
            "organization",
            "party_organization",
            "role",
            "phone",
            "public_contact",
            "joined_on",
            "person_id",
            "user_id",
            "branch_id",
        ],
        (
            (f"党员{b}-{k}", "", "", r, "", "", today, None, None, b)
            for b in branches
            for k, r in enumerate(member_roles)
        ),
    )
    members_of = {b: list(range(first + i * 5, first + i * 5 + 5)) for i, b in enumerate(branches)}
    project_of_compound: dict[int, tuple[int, int]] = {}
    for p, b, g in zip(projects, branches, groups, strict=True):
        for c in g:
            project_of_compound[c] = (p, b)
    w.copy(
        "projects_householdassignment",
        ["assigned_at", "household_id", "member_id", "branch_id"],
        (
            (now, h, members_of[b][k % 5], b)
            for c, (p, b) in project_of_compound.items()
            for k, h in enumerate(by_compound.get(c, ()))
        ),
    )

    # --- visits: 3,000,000 over the households not vacant
    visitable = [h for h, v in zip(households, hh_vacant, strict=True) if not v]
    hh_compound_of = dict(zip(households, hh_compound, strict=True))
    attitudes = ["support"] * 70 + ["neutral"] * 12 + ["oppose"] * 4 + ["not_at_home"] * 14
    channels = ["door"] * 8 + ["phone", "wechat"]
    start = timezone.now() - datetime.timedelta(days=400)
    moments = [
        (start + datetime.timedelta(seconds=randint(0, 400 * 86400))).isoformat() for _ in range(50_000)
    ]
    n_moments, n_visitable = len(moments), len(visitable)
    n_att, n_ch = len(attitudes), len(channels)
    visit_of = {}  # household -> (compound, member, project), looked up once per household
    for h in visitable:
        c = hh_compound_of[h]
        pb = project_of_compound.get(c)
        visit_of[h] = (c, members_of[pb[1]][h % 5] if pb else None, pb[0] if pb else None)

    def visits():
        for k in range(n["visits"]):
            h = visitable[k] if k < n_visitable else visitable[int(random_() * n_visitable)]
            c, member, project = visit_of[h]
            at = moments[int(random_() * n_moments)]
            yield (
                at,
                channels[int(random_() * n_ch)],
                attitudes[int(random_() * n_att)],
                "",
                at,
                c,
                h,
                member,
                project,
                None,
            )

    w.copy(
        "consultations_visit",
        [
            "visited_at",
            "channel",
            "attitude",
            "notes",
            "created_at",
            "compound_id",
            "household_id",
            "member_id",
            "project_id",
            "visitor_id",
        ],
        visits(),
    )
    visitable.clear()

    # --- opinions
    opinion_status = (
        ["received"] * 15 + ["accepted"] * 25 + ["resolved"] * 45 + ["declined"] * 10 + ["merged"] * 5
    )
    categories = [
        "parking",
        "drainage",
        "roads",
        "greening",
        "lighting",
        "leaks_roofs",
        "pipelines",
        "safety",
    ]

    def opinions():
        for k in range(n["opinions"]):
            c = compounds[randint(0, len(compounds) - 1)]
            hs = by_compound.get(c) or [None]
            status = choice(opinion_status[:-5]) if k == 0 else choice(opinion_status)
            created = now_dt - datetime.timedelta(days=randint(0, 200), seconds=randint(0, 86400))
            answered = created + datetime.timedelta(days=randint(1, 40)) if status != "received" else None
            if answered and answered > now_dt:
                answered = None
            resolved = status == "resolved"
            yield (
                choice(["visit", "meeting", "hotline"]),
                choice(categories),
                "规模意见",
                status,
                "不在改造范围" if status == "declined" else "",
                "已答复" if answered else "",
                answered,
                choice(["satisfied", "satisfied", "basically", "unsatisfied", ""]) if resolved else "",
                None,
                None,
                None,
                created,
                now,
                c,
                None,
                choice(hs),
                None,
                first_opinion if status == "merged" else None,
                None,
                None,
                None,
            )

    first_opinion = w.start("consultations_opinion")
    w.copy(
        "consultations_opinion",
        [
            "source",
            "category",
            "content",
            "status",
            "decline_reason",
            "answer",
            "answered_at",
            "rating",
            "rated_at",
            "accepted_at",
            "resolved_at",
            "created_at",
            "updated_at",
            "compound_id",
            "created_by_id",
            "household_id",
            "meeting_id",
            "merged_into_id",
            "project_id",
            "work_item_id",
            "visit_id",
        ],
        opinions(),
    )

    # --- ballots on project compounds, their electors (households) and votes
    ballot_compounds = [g[0] for g in groups][: n["ballots"]]
    ballot_state = [choice(["closed", "closed", "closed", "open", "open", "draft"]) for _ in ballot_compounds]
    ballot_project = [project_of_compound[c][0] for c in ballot_compounds]

    def ballots():
        for c, state, p in zip(ballot_compounds, ballot_state, ballot_project, strict=True):
            opens = now_dt - datetime.timedelta(days=randint(1, 20))
            closes = (
                now_dt + datetime.timedelta(days=randint(1, 10))
                if state != "closed"
                else now_dt - datetime.timedelta(hours=1)
            )
            yield (
                "renovation_consent",
                "改造意愿表决",
                "",
                "compound",
                "[]",
                opens,
                closes,
                False,
                False,
                False,
                state,
                "",
                "threshold",
                95,
                100,
                "eligible",
                2,
                3,
                1,
                2,
                True,
                7,
                now,
                now,
                opens if state != "draft" else None,
                closes if state == "closed" else None,
                False,
                "",
                len(by_compound.get(c, ())),
                Decimal("0"),
                None,
                (random_() < 0.7) if state == "closed" else None,
                None,
                c,
                None,
                p,
                None,
                None,
            )

    first = w.copy(
        "ballots_ballot",
        [
            "kind",
            "title",
            "question",
            "scope_kind",
            "scope_units",
            "opens_at",
            "closes_at",
            "secret",
            "realtime_results",
            "allow_change",
            "status",
            "rule_policy_label",
            "rule",
            "threshold_num",
            "threshold_den",
            "threshold_base",
            "participation_num",
            "participation_den",
            "pass_num",
            "pass_den",
            "pass_inclusive",
            "notice_days",
            "created_at",
            "updated_at",
            "opened_at",
            "closed_at",
            "closed_early",
            "close_reason",
            "electorate_size",
            "eligible_area",
            "result",
            "passed",
            "closed_by_id",
            "compound_id",
            "created_by_id",
            "project_id",
            "rule_policy_id",
            "result_notice_id",
        ],
        ballots(),
    )
    ballot_ids = list(range(first, first + len(ballot_compounds)))
    first_option = w.copy(
        "ballots_ballotoption",
        ["position", "label", "counts_as_yes", "is_abstention", "ballot_id"],
        ((k, label, k == 0, False, b) for b in ballot_ids for k, label in enumerate(("同意", "不同意"))),
    )
    elector_plan = [
        (b, h) for b, c in zip(ballot_ids, ballot_compounds, strict=True) for h in by_compound.get(c, ())
    ]
    first_elector = w.copy(
        "ballots_elector",
        [
            "household_ids",
            "label",
            "building_name",
            "unit",
            "room",
            "part_count",
            "area",
            "area_source",
            "is_developer",
            "has_veto",
            "code_hash",
            "code_issued_at",
            "code_version",
            "ballot_id",
            "person_id",
        ],
        (
            ([h], f"户{h}", "1栋", "1", str(h), 1, Decimal("0"), "", False, False, "", None, 0, b, None)
            for b, h in elector_plan
        ),
    )
    state_of = dict(zip(ballot_ids, ballot_state, strict=True))
    w.copy(
        "ballots_vote",
        [
            "secret",
            "channel",
            "cast_at",
            "changed_at",
            "change_count",
            "paper_serial",
            "photo",
            "receipt",
            "ballot_id",
            "elector_id",
            "entered_by_id",
            "option_id",
        ],
        (
            (
                False,
                "online",
                now,
                None,
                0,
                "",
                "",
                f"S{first_elector + i:015d}"[-16:],
                b,
                first_elector + i,
                None,
                first_option + 2 * (b - ballot_ids[0]) + (0 if random_() < 0.85 else 1),
            )
            for i, (b, _h) in enumerate(elector_plan)
            if state_of[b] != "draft" and random_() < 0.7
        ),
    )
    elector_plan.clear()

    # --- acceptance rounds, rectification orders, disputes
    def rounds():
        for p, status in zip(projects, statuses, strict=True):
            if status not in ("acceptance", "rework", "accepted", "maintenance"):
                continue
            count = randint(1, 3)
            for k in range(1, count + 1):
                last = k == count
                if status in ("accepted", "maintenance") and last:
                    state = "passed"
                elif status == "acceptance" and last:
                    state = "voting"
                else:
                    state = "failed"
                valid = randint(60, 300)
                sat = (
                    randint(int(valid * 0.9), valid)
                    if state == "passed"
                    else randint(int(valid * 0.6), int(valid * 0.89))
                )
                decided = state in ("passed", "failed")
                yield (
                    k,
                    state,
                    today - datetime.timedelta(days=30 * (count - k)),
                    "pass",
                    "",
                    None,
                    Decimal("90"),
                    sat if decided else None,
                    valid if decided else None,
                    now if decided else None,
                    None,
                    None,
                    "",
                    None,
                    "",
                    "",
                    now,
                    None,
                    p,
                    None,
                )

    w.copy(
        "supervision_acceptanceround",
        [
            "number",
            "status",
            "scheduled_on",
            "panel_verdict",
            "panel_notes",
            "panel_recorded_at",
            "threshold_percent",
            "satisfied_count",
            "valid_count",
            "closed_at",
            "filing_deadline",
            "filed_on",
            "filing_reference",
            "handed_over_on",
            "handover_to",
            "handover_recipient",
            "created_at",
            "created_by_id",
            "project_id",
            "ballot_id",
        ],
        rounds(),
    )
    building_projects = [p for p, s in zip(projects, statuses, strict=True) if progress_by_status[s] > 0]

    def rectifications():
        for _k in range(n["rectifications"]):
            p = building_projects[randint(0, len(building_projects) - 1)]
            status = choice(["open", "in_progress", "submitted", "verified", "verified", "verified"])
            yield (
                "inspection",
                "规模整改事项",
                choice(["minor", "major", "critical"]),
                today + datetime.timedelta(days=randint(-30, 30)),
                status,
                "",
                "",
                0,
                None,
                None,
                now,
                now,
                None,
                None,
                None,
                p,
                party_of[(p, choice(roles))],
                None,
                None,
            )

    w.copy(
        "supervision_rectification",
        [
            "source",
            "description",
            "severity",
            "deadline",
            "status",
            "response",
            "rejection_reason",
            "rejection_count",
            "submitted_at",
            "verified_at",
            "created_at",
            "updated_at",
            "acceptance_round_id",
            "created_by_id",
            "inspection_id",
            "project_id",
            "responsible_party_id",
            "verified_by_id",
            "work_item_id",
        ],
        rectifications(),
    )

    def disputes():
        for p, g in zip(projects, groups, strict=True):
            if random_() < 0.4:
                status = choice(["open", "mediating", "resolved", "resolved", "unresolved"])
                yield (
                    "住户之间",
                    "施工扰民",
                    status,
                    "已调解" if status == "resolved" else "",
                    today - datetime.timedelta(days=randint(0, 90)),
                    None,
                    now,
                    g[0],
                    None,
                    p,
                    None,
                )

    w.copy(
        "supervision_dispute",
        [
            "parties",
            "issue",
            "status",
            "resolution",
            "raised_on",
            "resolved_on",
            "created_at",
            "compound_id",
            "mediator_id",
            "project_id",
            "recorded_by_id",
        ],
        disputes(),
    )
