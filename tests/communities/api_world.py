"""A registry spread over four communities in two districts, for the API tests."""

import uuid
from dataclasses import dataclass

import pytest
from django.core.cache import cache

from communities.choices import DivisionLevel
from tests import factories as f


@dataclass
class Place:
    division: object
    compound: object
    building: object
    household: object
    household2: object
    person: object
    ownership: object

    def obj(self, resource: str):
        return {
            "divisions": self.division,
            "compounds": self.compound,
            "buildings": self.building,
            "households": self.household,
            "people": self.person,
            "ownerships": self.ownership,
        }[resource]


def make_place(division, compound) -> Place:
    building = f.BuildingFactory(compound=compound)
    household = f.HouseholdFactory(building=building)
    household2 = f.HouseholdFactory(building=building)
    person = f.PersonFactory(division=division)
    ownership = f.OwnershipFactory(person=person, household=household)
    return Place(division, compound, building, household, household2, person, ownership)


def make_places(world) -> dict[str, Place]:
    """a, b: communities of street A; c: of street B (same district); x: in another district."""
    district_x = f.DivisionFactory(name="修水县", level=DivisionLevel.DISTRICT, parent=world.city)
    street_x = f.DivisionFactory(name="义宁镇", level=DivisionLevel.STREET, parent=district_x)
    community_x = f.DivisionFactory(name="良塘社区", level=DivisionLevel.COMMUNITY, parent=street_x)
    compound_x = f.CompoundFactory(division=community_x, name="良塘小区")
    return {
        "a": make_place(world.community_a, world.compound_a),
        "b": make_place(world.community_b, world.compound_b),
        "c": make_place(world.community_c, world.compound_c),
        "x": make_place(community_x, compound_x),
    }


@pytest.fixture
def local_cache(settings):
    """A private in-memory cache, so throttles start fresh; never cache.clear() on CI's shared Redis
    (that would flush the database another xdist worker's Celery queue lives in)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"api-tests-{uuid.uuid4().hex}",
        }
    }
    cache.clear()
    yield cache
