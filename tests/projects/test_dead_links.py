"""A page shows a role only the links it may open: no link on a project page answers 403 or 404 for
the role it was shown to (a contractor used to get links to ballots, notices, opinions, coverage and
the programme, all 404 for them)."""

import html
import re

import pytest
from django.urls import Resolver404, resolve

from projects.models import Project
from tests.phones.test_browser import _small_demo

HREF = re.compile(r'<a\b[^>]*\bhref="(/[^"#]*)"')


@pytest.mark.django_db
def test_project_pages_link_only_to_what_the_role_may_open(request, client, world, contractor):
    _small_demo(world)
    # the roles that read a project without owning its residents' records
    users = [contractor, request.getfixturevalue("viewer")]
    dead = []
    for user in users:
        client.force_login(user)
        opened = set()
        for project in Project.objects.for_user(user):
            page = client.get(project.get_absolute_url())
            assert page.status_code == 200
            for href in {html.unescape(h) for h in HREF.findall(page.content.decode())}:
                try:
                    route = resolve(href.split("?")[0]).view_name
                except Resolver404:
                    continue
                if route in opened:
                    continue
                opened.add(route)
                status = client.get(href).status_code
                if status in (403, 404):
                    dead.append((user.username, project.name, href, status))
    assert not dead, dead
