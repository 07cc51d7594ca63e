import datetime
from decimal import Decimal

import factory

from projects import choices, models
from tests import factories as f


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Project
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"改造项目{n}")
    division = factory.SubFactory(f.DivisionFactory)
    year = 2024
    category = choices.ProjectCategory.BASIC

    @factory.post_generation
    def compounds(self, create, extracted, **kwargs):
        if create and extracted:
            self.compounds.set(extracted)


class CatalogItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.CatalogItem
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"T{n:03d}")
    name = factory.Sequence(lambda n: f"目录项{n}")
    category = choices.CatalogCategory.BASIC
    unit = "m"


class WorkItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.WorkItem

    project = factory.SubFactory(ProjectFactory)
    name = factory.Sequence(lambda n: f"工程{n}")
    quantity = Decimal("10")
    unit = "m"
    budget = Decimal("10000.00")
    progress = 0


class FundingLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.FundingLine

    project = factory.SubFactory(ProjectFactory)
    source = choices.FundingSource.CENTRAL_SUBSIDY
    planned = Decimal("100000.00")
    received = Decimal("0")


class ProjectPartyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ProjectParty

    project = factory.SubFactory(ProjectFactory)
    role = choices.PartyRole.CONSTRUCTION
    name = "江西建工第三建筑有限公司"
    contact_person = "王工"
    phone = "13912345678"


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Milestone

    project = factory.SubFactory(ProjectFactory)
    name = "进场施工"
    planned_date = datetime.date(2024, 5, 1)


class UtilityWorkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.UtilityWork

    project = factory.SubFactory(ProjectFactory)
    kind = choices.UtilityKind.WATER
    zone = "主路"
    window_start = datetime.date(2024, 5, 1)
    window_end = datetime.date(2024, 5, 10)


class PartyBranchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.PartyBranch
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"临时党支部{n}")
    project = factory.SubFactory(ProjectFactory)
    division = factory.LazyAttribute(lambda o: o.project.division if o.project else None)

    @factory.post_generation
    def compounds(self, create, extracted, **kwargs):
        if not create:
            return
        if extracted:
            self.compounds.set(extracted)
        elif self.project_id:
            self.compounds.set(self.project.compounds.all())


class BranchMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.BranchMember

    branch = factory.SubFactory(PartyBranchFactory)
    name = factory.Sequence(lambda n: f"党员{n}")
    organization = "新宁镇政府"
    party_organization = "新宁镇机关党支部"
    phone = factory.Sequence(lambda n: f"137{n:08d}")


class HouseholdAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.HouseholdAssignment

    branch = factory.SubFactory(PartyBranchFactory)
    member = factory.SubFactory(BranchMemberFactory, branch=factory.SelfAttribute("..branch"))
    household = factory.SubFactory(f.HouseholdFactory)


class BranchActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.BranchActivity

    branch = factory.SubFactory(PartyBranchFactory)
    kind = choices.ActivityKind.COMMITTEE
    topic = "研究改造方案"


class PartyGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.PartyGroup

    branch = factory.SubFactory(PartyBranchFactory)
    name = "1栋党小组"


class CommandoTeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.CommandoTeam

    branch = factory.SubFactory(PartyBranchFactory)
    name = "党员突击队"


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Programme

    district = factory.SubFactory(f.DivisionFactory, level="district")
    year = 2022
    name = factory.Sequence(lambda n: f"年度改造计划{n}")
