from django.db import models
from django.utils.translation import gettext_lazy as _


class DivisionLevel(models.TextChoices):
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    DISTRICT = "district", _("District / county")
    STREET = "street", _("Street / town")
    COMMUNITY = "community", _("Community")


# Depth of each level in the tree, used to check that a child sits below its parent.
LEVEL_DEPTH = {
    DivisionLevel.PROVINCE: 1,
    DivisionLevel.CITY: 2,
    DivisionLevel.DISTRICT: 3,
    DivisionLevel.STREET: 4,
    DivisionLevel.COMMUNITY: 5,
}


class RenovationNeed(models.TextChoices):
    BASIC = "basic", _("Basic")
    IMPROVEMENT = "improvement", _("Improvement")
    UPGRADE = "upgrade", _("Upgrade")


class ManagementMode(models.TextChoices):
    NONE = "none", _("No property management")
    PROPERTY_COMPANY = "property_company", _("Property company")
    SELF_MANAGEMENT = "self_management", _("Self-management committee")
    RED_PROPERTY = "red_property", _("Red property service")


class AreaSource(models.TextChoices):
    REGISTER = "register", _("Property register")
    SURVEY = "survey", _("Survey")
    CONTRACT = "contract", _("Sales contract")


class OwnershipKind(models.TextChoices):
    OWNER = "owner", _("Owner")
    CO_OWNER = "co_owner", _("Co-owner")
    TENANT = "tenant", _("Tenant")
    FAMILY = "family", _("Family member")


OWNER_KINDS = (OwnershipKind.OWNER, OwnershipKind.CO_OWNER)


class Role(models.TextChoices):
    DISTRICT_ADMIN = "district_admin", _("District administrator")
    STREET_STAFF = "street_staff", _("Street-office staff")
    COMMUNITY_SECRETARY = "community_secretary", _("Community secretary")
    GRID_WORKER = "grid_worker", _("Grid worker / Party member")
    CONTRACTOR = "contractor", _("Contractor")
    VIEWER = "viewer", _("Read-only viewer")


# Roles that may create and edit registry records in their subtree.
EDITOR_ROLES = (Role.DISTRICT_ADMIN, Role.STREET_STAFF, Role.COMMUNITY_SECRETARY)
# Roles that see households and people at all (contractors work on projects, not on residents).
RESIDENT_DATA_ROLES = (
    Role.DISTRICT_ADMIN,
    Role.STREET_STAFF,
    Role.COMMUNITY_SECRETARY,
    Role.GRID_WORKER,
    Role.VIEWER,
)


class JobStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Finished")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")
