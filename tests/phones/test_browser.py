"""Every staff page on a phone (390 px wide), as the role that uses it, in one Chromium.

The pages are found, not listed: each role starts at its home page and follows the links it is shown
(one page per route), so a new page is covered as soon as something links to it. Routes that no role
reached are checked against the URLconf: a new page must be linked from somewhere or named below
with the reason it is not a page. Two tests share the crawl:
- no page scrolls sideways at 390 px (tables scroll inside their own `.table-responsive` box);
- every page's stylesheets loaded (no 404 on CSS), and no badge is white on white.
"""

from __future__ import annotations

import html
import io
import re
from collections import deque
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve
from playwright.sync_api import Error as PlaywrightError

from communities.choices import Role
from tests import factories as f
from tests.conftest import screenshot

WIDTH = 390
PASSWORD = "pass-Renovation-2026"

# Not pages a person reads on a phone: files, PDFs, pictures, exports, actions that only take a POST,
# and machine endpoints. Keyed by route name; a new route that no role reaches must be added here
# (with its kind) or linked from a page.
NOT_PAGES = {
    # files and documents (PDF, xlsx, images, QR codes)
    "communities:job_download": "file",
    "communities:roster_template": "file",
    "projects:project_plan": "file",
    "communities:roster_export": "post",
    "projects:project_qr": "image",
    "consultations:notice_qr": "image",
    "consultations:meeting_photo": "image",
    "consultations:demand_print": "pdf",
    "consultations:meeting_sign_in": "pdf",
    "consultations:notice_poster": "pdf",
    "supervision:acceptance_report": "pdf",
    "supervision:photo_file": "image",
    "supervision:photo_public": "image",
    "ballots:vote_photo": "image",
    "ballots:elector_options": "fragment (htmx)",
    # POST-only actions
    "logout": "post",
    "communities:job_cancel": "post",
    "set_language": "post",
    "projects:ledger_export": "post",
    "projects:project_transition": "post",
    "projects:gate_exception_withdraw": "post",
    "projects:branch_groups_per_building": "post",
    "consultations:visit_export": "post",
    "consultations:demand_export": "post",
    "consultations:opinion_transition": "post",
    "consultations:opinion_answer": "post",
    "consultations:opinion_rate": "post",
    "consultations:notice_close": "post",
    "consultations:notice_reveal": "post",
    "consultations:objection_handle": "post",
    "communities:household_reveal": "post",
    "communities:person_reveal": "post",
    "ballots:ballot_close": "post",
    "ballots:slips_print": "post",
    "ballots:elector_reissue": "post",
    "ballots:code_pause_lift": "post",
    "ballots:vote_confirm": "post",
    "ballots:vote_cast": "post",
    "supervision:rectification_export": "post",
    "overview:refresh": "post",
    "overview:export": "post",
    "residents:card_reissue": "post",
    "residents:survey_open": "post",
    "residents:survey_close": "post",
    "residents:survey_to_work_items": "post",
    # machine endpoints and account pages outside the product's own screens
    "healthz": "probe",
    "readyz": "probe",
    "password_reset_confirm": "account",
    "password_reset_complete": "account",
    "password_reset_done": "account",
    "password_reset": "account",
    "password_change_done": "account",
    "residents:staff_report_photo": "image",
    "projects:visit_mark": "post",
}
# Routes a staff link reaches only in states the small demo does not produce on every run.
SOMETIMES = {
    "projects:project_child_delete",
    "projects:branch_child_delete",
    "supervision:team_member_remove",
    "communities:ownership_remove",
    "ballots:ballot_delete",
    "ballots:ballot_edit",
    "ballots:ballot_open",
    "communities:job_detail",
    "consultations:visit_logged",
    "residents:survey_paper",
    "residents:survey_detail",  # the small demo has no menu survey
    "ballots:vote_enter",  # the target of the paper-vote form on the ballot page
    "projects:gate_exception",  # the target of the district's exception form
    "communities:person_detail",  # the small demo's households have no registered people
    "communities:person_edit",
    "communities:ownership_edit",
    # home visits of a work item done inside homes: the small demo has none
    "projects:visit_slots",
    "projects:visit_day",
    "projects:visit_unbooked",
}

# Crawl order: the roles with the fewest pages first, so each page is opened by the role that uses
# it (a contractor's progress report, a grid worker's visit form) before a wider role gets to it.
ROLES = ["contractor", "grid_a", "secretary_a", "street_a", "district_admin", "viewer"]
MAX_PAGES = 400
# Where every role starts: its home page, and the pages reached by a form or typed, not by a link.
START = [
    "/",
    "/search/?q=1",
    "/accounts/login/",
    "/accounts/password_change/",
    "/h/",
    "/ballots/vote/",
    "/ballots/receipt/",
]
HREF = re.compile(r'<a\b[^>]*\bhref="([^"]+)"')


def _page_routes() -> set[str]:
    """Every named route of the product's pages (not the API, the admin or the schema)."""

    def walk(patterns, ns="", route=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(
                    p.url_patterns, ns + (f"{p.namespace}:" if p.namespace else ""), route + str(p.pattern)
                )
            elif isinstance(p, URLPattern) and p.name:
                yield ns + p.name, route + str(p.pattern)

    return {
        name
        for name, route in walk(get_resolver().url_patterns)
        if not route.startswith(("api/", "admin/"))
        and name not in NOT_PAGES
        # residents' own pages, opened with the code on their household card, not from a staff page
        and "<str:code>" not in route
    }


def _route_key(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    if match.view_name in NOT_PAGES or match.route.startswith(("api/", "admin/")):
        return None
    kind = match.kwargs.get("kind") or match.kwargs.get("fmt")
    return f"{match.view_name}[{kind}]" if kind else match.view_name


@dataclass
class Visit:
    role: str
    url: str
    route: str
    width: int = 0
    widest: str = ""
    css_failures: list[str] = field(default_factory=list)
    unstyled_badges: list[str] = field(default_factory=list)
    wrapped_numbers: list[str] = field(default_factory=list)
    status: int = 0


def _small_demo(world):
    """The demo stories on the test world (as tests/test_demo_gates.py): every kind of record exists."""
    from consultations import demo as consultations_demo
    from consultations.ballots import demo as ballots_demo
    from projects import demo as projects_demo
    from supervision import demo as supervision_demo

    street = f.UserFactory(username="street")
    f.RoleAssignmentFactory(user=street, role=Role.STREET_STAFF, division=world.street_a)
    f.UserFactory(username="admin", is_superuser=True)
    accepted = f.CompoundFactory(division=world.community_a, name=supervision_demo.ACCEPTED_COMPOUND)
    for compound in (world.compound_a, world.compound_b, accepted):
        building = f.BuildingFactory(compound=compound, name="1栋")
        for i in range(18):
            f.HouseholdFactory(building=building, unit=str(1 + i % 2), floor=1 + i // 2, room=f"{i + 1:02d}")
    out = io.StringIO()
    for demo in (projects_demo, consultations_demo, ballots_demo, supervision_demo):
        demo.load(out)
    from supervision.overview import services as overview

    overview.refresh(full=True)


_JS_MEASURE = """() => {
  const doc = document.scrollingElement || document.documentElement;
  let widest = '';
  if (doc.scrollWidth > window.innerWidth) {
    let best = 0;
    for (const el of document.body.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.right > best && !el.closest('.table-responsive')) {
        best = r.right;
        widest = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
          (typeof el.className === 'string' && el.className.trim()
            ? '.' + el.className.trim().split(/\\s+/).join('.') : '') +
          ' (' + Math.round(r.right) + ' px)';
      }
    }
  }
  const sheets = [...document.querySelectorAll('link[rel=stylesheet]')]
    .filter(l => !l.media || l.media === 'all' || l.media === 'screen')
    .filter(l => !l.sheet).map(l => l.getAttribute('href'));
  const badges = [...document.querySelectorAll('.badge')].filter(b => {
    const s = getComputedStyle(b);
    const transparent = s.backgroundColor === 'rgba(0, 0, 0, 0)' || s.backgroundColor === 'transparent';
    const white = s.color === 'rgb(255, 255, 255)';
    return b.textContent.trim() && (s.color === s.backgroundColor || (transparent && white));
  }).map(b => b.className + ': ' + b.textContent.trim());
  const wrapped = [...document.querySelectorAll('td, th')].filter(c => {
    const text = c.textContent.trim();
    if (!/^[-+]?[\\d,.]+ ?(%|m²|元|户|人)?$/.test(text) || text.length < 4) return false;
    // a number wrapped: one of its text nodes lies on more than one line
    const walker = document.createTreeWalker(c, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.textContent.trim()) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      if (new Set([...range.getClientRects()].map(r => Math.round(r.top))).size > 1) return true;
    }
    return false;
  }).map(c => c.textContent.trim());
  return {width: doc.scrollWidth, widest, sheets, badges, wrapped};
}"""


def _crawl(chromium, live_server) -> tuple[list[Visit], set[str]]:
    visits: list[Visit] = []
    seen: set[str] = set()
    own_routes: dict[str, set[str]] = {}
    dead_links: list[str] = []
    for role in ROLES:
        context = chromium.new_context(viewport={"width": WIDTH, "height": 844}, locale="zh-CN")
        failed_css: list[str] = []
        context.on(
            "response",
            lambda r, failed_css=failed_css: (
                failed_css.append(f"{r.status} {r.url}")
                if r.request.resource_type == "stylesheet" and r.status >= 400
                else None
            ),
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(live_server.url + "/accounts/login/")
        page.fill("#id_username", role)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        client = Client()
        client.force_login(User.objects.get(username=role))
        queue = deque(START)
        queued = set(START)

        def follow(hrefs, queue=queue, queued=queued):
            for href in hrefs:
                parts = urlsplit(href)
                if parts.scheme or parts.netloc or not parts.path.startswith("/"):
                    continue
                target = parts.path + (f"?{parts.query}" if parts.query else "")
                if target not in queued:
                    queued.add(target)
                    queue.append(target)

        while queue and len(visits) < MAX_PAGES:
            url = queue.popleft()
            route = _route_key(urlsplit(url).path)
            if route is None:
                continue
            if route in seen:
                # opened already by another role: only read its links as this role (no browser)
                if route not in own_routes.setdefault(role, set()):
                    own_routes[role].add(route)
                    answer = client.get(url)
                    if answer.status_code == 200 and "text/html" in answer.get("Content-Type", ""):
                        follow(html.unescape(h) for h in HREF.findall(answer.content.decode()))
                continue
            seen.add(route)
            own_routes.setdefault(role, set()).add(route)
            failed_css.clear()
            try:
                response = page.goto(live_server.url + url, wait_until="load")
            except PlaywrightError as exc:
                if "Download is starting" in str(exc):
                    continue  # a file, not a page (list it in NOT_PAGES)
                raise
            landed = _route_key(urlsplit(page.url).path)
            if landed and landed != route:  # a redirect (the overview's landing opens the user's division)
                seen.add(landed)
                route = landed
            visit = Visit(role, url, route, status=response.status if response else 0)
            if visit.status in (403, 404):
                # a link this role is shown but may not open: another role opens the page
                seen.discard(route)
                dead_links.append(f"{visit.status} {role} {url}")
                continue
            if visit.status == 200 and "text/html" in (response.headers.get("content-type") or ""):
                measured = page.evaluate(_JS_MEASURE)
                visit.width, visit.widest = measured["width"], measured["widest"]
                visit.css_failures = list(failed_css) + [f"not loaded: {h}" for h in measured["sheets"]]
                visit.unstyled_badges = measured["badges"]
                visit.wrapped_numbers = measured["wrapped"]
                if visit.width > WIDTH:
                    screenshot(page, f"phone-{route.replace(':', '-')}")
                follow(
                    page.evaluate(
                        "() => [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))"
                    )
                )
            visits.append(visit)
        context.close()
    if dead_links:  # shown in the test output (-rA / on failure); not a phone problem
        print("links shown to a role that cannot open them:\n" + "\n".join(dead_links))
    return visits, seen


@pytest.fixture
def _crawl_once(request, chromium, live_server, world, contractor):
    _small_demo(world)
    # the other roles after the demo (its stories pick their actors by role)
    for name in ("grid_worker_a", "secretary_a", "street_user", "district_admin", "viewer"):
        request.getfixturevalue(name)
    return _crawl(chromium, live_server)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_staff_page_fits_a_phone_and_loads_its_styles(_crawl_once):
    visits, seen = _crawl_once
    reached = {key.split("[")[0] for key in seen}
    errors = []
    errors += [f"HTTP {v.status}: {v.role} {v.url}" for v in visits if v.status != 200]
    errors += [f"{v.width} px wide: {v.role} {v.url} widest {v.widest}" for v in visits if v.width > WIDTH]
    errors += [f"stylesheet: {v.role} {v.url} {v.css_failures}" for v in visits if v.css_failures]
    errors += [f"white on white: {v.role} {v.url} {v.unstyled_badges}" for v in visits if v.unstyled_badges]
    errors += [f"number wrapped: {v.role} {v.url} {v.wrapped_numbers}" for v in visits if v.wrapped_numbers]
    assert not errors, f"{len(errors)} problems on {len(visits)} pages:\n" + "\n".join(errors)
    missing = sorted(_page_routes() - reached - SOMETIMES)
    per_role = {r: sum(1 for v in visits if v.role == r) for r in ROLES}
    assert not missing, f"pages no role reached (link them, or list them in NOT_PAGES): {missing} {per_role}"
    assert len(visits) >= 60, len(visits)
