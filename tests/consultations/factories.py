"""Factories for consultations tests (projects' rows are built directly: small and explicit)."""

import factory
from django.utils import timezone

from consultations import choices, models
from tests import factories as f


class VisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Visit

    household = factory.SubFactory(f.HouseholdFactory)
    compound = factory.LazyAttribute(lambda o: o.household.building.compound)
    visited_at = factory.LazyFunction(timezone.now)
    channel = choices.Channel.DOOR
    attitude = choices.Attitude.SUPPORT


class OpinionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Opinion

    compound = factory.SubFactory(f.CompoundFactory)
    source = choices.OpinionSource.VISIT
    category = choices.OpinionCategory.PARKING
    content = factory.Sequence(lambda n: f"停车难，希望规划车位 {n}")


def project_for(compound, **kwargs):
    from projects.models import Project

    project = Project.objects.create(
        name=kwargs.pop("name", f"{compound.name}改造项目"), division=compound.division, year=2024, **kwargs
    )
    project.compounds.add(compound)
    return project


def work_item_for(project, name="雨污分流"):
    from projects.models import WorkItem

    return WorkItem.objects.create(project=project, name=name)


def branch_for(compound, project=None):
    from projects.models import PartyBranch

    branch = PartyBranch.objects.create(
        name=f"{compound.name}临时党支部", project=project, division=compound.division
    )
    branch.compounds.add(compound)
    return branch


def member(branch, user=None, name="党员"):
    from projects.models import BranchMember

    return BranchMember.objects.create(branch=branch, user=user, name=name)


def assign(branch, household, member_):
    from projects.models import HouseholdAssignment

    return HouseholdAssignment.objects.create(branch=branch, household=household, member=member_)
