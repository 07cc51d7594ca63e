from django.db import models
from django.utils.translation import gettext_lazy as _


class ProjectStatus(models.TextChoices):
    PLANNING = "planning", _("Planning")
    CONSULTING = "consulting", _("Consulting residents")
    APPROVED = "approved", _("Plan approved")
    UNDER_CONSTRUCTION = "under_construction", _("Under construction")
    ACCEPTANCE = "acceptance", _("Acceptance")
    REWORK = "rework", _("Rework")
    ACCEPTED = "accepted", _("Accepted")
    MAINTENANCE = "maintenance", _("Long-term maintenance")


# from -> allowed next statuses. acceptance -> rework -> acceptance as often as needed.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    ProjectStatus.PLANNING: (ProjectStatus.CONSULTING,),
    ProjectStatus.CONSULTING: (ProjectStatus.APPROVED, ProjectStatus.PLANNING),
    ProjectStatus.APPROVED: (ProjectStatus.UNDER_CONSTRUCTION, ProjectStatus.CONSULTING),
    ProjectStatus.UNDER_CONSTRUCTION: (ProjectStatus.ACCEPTANCE,),
    ProjectStatus.ACCEPTANCE: (ProjectStatus.ACCEPTED, ProjectStatus.REWORK),
    ProjectStatus.REWORK: (ProjectStatus.ACCEPTANCE,),
    ProjectStatus.ACCEPTED: (ProjectStatus.MAINTENANCE,),
    ProjectStatus.MAINTENANCE: (),
}

# statuses in lifecycle order (for "has the project reached X yet")
STATUS_ORDER = [
    ProjectStatus.PLANNING,
    ProjectStatus.CONSULTING,
    ProjectStatus.APPROVED,
    ProjectStatus.UNDER_CONSTRUCTION,
    ProjectStatus.ACCEPTANCE,
    ProjectStatus.REWORK,
    ProjectStatus.ACCEPTED,
    ProjectStatus.MAINTENANCE,
]


class CatalogCategory(models.TextChoices):
    BASIC = "basic", _("Basic")
    IMPROVEMENT = "improvement", _("Improvement")
    UPGRADE = "upgrade", _("Upgrade")


# Work items that add an elevator to an existing building (加装电梯): the catalog's item, or a free item
# whose name says so. Their construction waits for the unit's elevator ballot (projects.gates).
ELEVATOR_CATALOG_CODES = ("I03",)
ELEVATOR_WORDS = ("加装电梯", "增设电梯", "elevator retrofit")

# A project's category is the highest catalog category it reaches (same values).
ProjectCategory = CatalogCategory


class FundingSource(models.TextChoices):
    CENTRAL_SUBSIDY = "central_subsidy", _("Central subsidy")
    CENTRAL_BUDGET = "central_budget", _("Central budget investment")
    LOCAL_FISCAL = "local_fiscal", _("Local fiscal funds")
    SOE_THREE_SUPPLIES = "soe_three_supplies", _("SOE 'three supplies and one property' funds")
    DISTRICT_MATCHING = "district_matching", _("District matching funds")
    UTILITY_COMPANIES = "utility_companies", _("Utility companies")
    RESIDENTS = "residents", _("Residents' contributions")
    SOCIAL_CAPITAL = "social_capital", _("Social capital")


class PartyRole(models.TextChoices):
    LEAD = "lead", _("Lead unit")
    DESIGN = "design", _("Design unit")
    CONSTRUCTION = "construction", _("Construction unit")
    SUPERVISION = "supervision", _("Supervision unit")
    UTILITY = "utility", _("Utility operator")


class UtilityKind(models.TextChoices):
    WATER = "water", _("Water supply")
    DRAINAGE = "drainage", _("Drainage")
    RAIN_SEWAGE = "rain_sewage", _("Rain/sewage separation")
    POWER = "power", _("Power")
    GAS = "gas", _("Gas")
    TELECOM = "telecom", _("Telecom")
    HEATING = "heating", _("Heating")


class BranchKind(models.TextChoices):
    TEMPORARY = "temporary", _("Temporary branch on a project")
    JOINT = "joint", _("Joint branch over compounds")


class MemberRole(models.TextChoices):
    SECRETARY = "secretary", _("Secretary")
    FIRST_SECRETARY = "first_secretary", _("First secretary")
    COMMITTEE = "committee", _("Committee member")
    MEMBER = "member", _("Member")


class TeamKind(models.TextChoices):
    COMMANDO = "commando", _("Commando team")
    MODEL_POST = "model_post", _("Model post")


class ActivityKind(models.TextChoices):
    COMMITTEE = "committee", _("Branch committee meeting")
    MEMBERS = "members", _("Members' meeting")
    EXPANDED = "expanded", _("Expanded committee meeting")
    THEME_PARTY_DAY = "theme_party_day", _("Theme Party day")


class ThemeDayKind(models.TextChoices):
    DOOR_TO_DOOR = "door_to_door", _("Door-to-door mobilisation day")
    RECEPTION = "reception", _("Reception day")
    OPINION_COLLECTION = "opinion_collection", _("Opinion collection day")
