"""The resident supervision team page: set up, add residents and Party members, remove; scoped."""

import pytest
from django.test import Client

from supervision import services
from supervision.models import SupervisionTeam, SupervisionTeamMember
from tests import factories as f
from tests.projects import factories as pf


def _client(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def people(world, site):
    resident = f.PersonFactory(name="李大爷", phone="13987655678", division=world.community_a)
    f.OwnershipFactory(person=resident, household=site.households[0])
    stranger = f.PersonFactory(name="李外人", division=world.community_c)
    branch = pf.PartyBranchFactory(project=site.project, name="古艾巷临时党支部")
    party_member = pf.BranchMemberFactory(branch=branch, name="张书记")
    return resident, stranger, party_member


def test_street_sets_up_team_from_residents_and_party_members(site, street_user, people):
    resident, stranger, party_member = people
    client = _client(street_user)
    url = f"/supervision/projects/{site.project.pk}/team/"
    page = client.get(url).content.decode()
    assert "尚未成立居民监督队" in page
    assert client.post(url, {"action": "create", "name": ""}).status_code == 302
    team = SupervisionTeam.objects.get(project=site.project)

    page = client.get(url, {"q": "李"}).content.decode()
    assert "李大爷" in page and "139****5678" in page and "13987655678" not in page
    assert "李外人" not in page  # not a resident of the project's compounds (and outside scope)
    assert "张书记" in page

    response = client.post(url + "?q=李", {"action": "add", "person": resident.pk, "role": "leader"})
    assert response.status_code == 302
    response = client.post(url, {"action": "add", "branch_member": party_member.pk, "role": "member"})
    assert response.status_code == 302
    members = {m.name: m for m in team.members.all()}
    assert members["李大爷"].role == "leader" and members["张书记"].branch_member_id == party_member.pk
    # added once only: a second tap is refused with a message, nothing doubles
    response = client.post(url, {"action": "add", "person": resident.pk, "role": "member"}, follow=True)
    assert "已在监督队中" in response.content.decode()
    assert team.members.count() == 2
    # outside the user's scope: 404, nothing added
    assert client.post(url, {"action": "add", "person": stranger.pk, "role": "member"}).status_code == 404

    page = client.get(url).content.decode()
    assert "李大爷" in page and "队长" in page and "张书记" in page
    remove = members["张书记"].pk
    # one click does not remove: the button leads to a confirmation page, the POST there removes
    assert 'value="remove"' not in page
    confirm = f"{url}{remove}/remove/"
    assert confirm in page
    response = client.post(url, {"action": "remove", "member": remove})
    assert response.status_code == 302 and response.url == confirm
    assert SupervisionTeamMember.objects.filter(pk=remove).exists()
    question = client.get(confirm).content.decode()
    assert "张书记" in question and 'id="confirm-delete"' in question
    assert client.post(confirm).status_code == 302
    assert not SupervisionTeamMember.objects.filter(pk=remove).exists()


def test_team_page_scoping(site, people, secretary_b, viewer, contractor, street_user):
    url = f"/supervision/projects/{site.project.pk}/team/"
    _client(street_user).post(url, {"action": "create"})
    resident = people[0]
    # secretary of another community: the project is outside scope
    assert _client(secretary_b).get(url).status_code == 404
    # a viewer reads the team, cannot change it
    page = _client(viewer).get(url)
    assert page.status_code == 200 and 'value="add"' not in page.content.decode()
    assert _client(viewer).post(url, {"action": "add", "person": resident.pk}).status_code == 403
    assert _client(contractor).post(url, {"action": "add", "person": resident.pk}).status_code in (403, 404)
    assert not SupervisionTeamMember.objects.exists()


def test_team_page_constant_queries(site, street_user, world, django_assert_max_num_queries):
    from supervision import services

    url = f"/supervision/projects/{site.project.pk}/team/"
    client = _client(street_user)
    client.post(url, {"action": "create"})
    team = SupervisionTeam.objects.get(project=site.project)

    def add(n):
        for i in range(n):
            person = f.PersonFactory(name=f"王{i}{n}", division=world.community_a)
            f.OwnershipFactory(person=person, household=site.households[i % 6])
            services.add_team_member(user=street_user, team=team, person=person)

    add(1)
    with django_assert_max_num_queries(40) as small:
        client.get(url, {"q": "王"})
    add(6)
    with django_assert_max_num_queries(40) as big:
        client.get(url, {"q": "王"})
    assert len(big.captured_queries) == len(small.captured_queries)


def test_a_second_team_on_a_project_is_a_conflict(site, street_user):
    from communities.errors import Conflict

    services.create_team(user=street_user, project=site.project)
    with pytest.raises(Conflict, match="already has a resident supervision team"):
        services.create_team(user=street_user, project=site.project, name="第二支")
    assert SupervisionTeam.objects.get(project=site.project).name != "第二支"
