"""The API's groups carry Chinese descriptions in the schema shown at /api/docs/ (issue 13)."""

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_every_tag_has_a_chinese_description():
    schema = Client().get("/api/schema/?format=json").json()
    used = {
        t
        for ops in schema["paths"].values()
        for op in ops.values()
        if isinstance(op, dict)
        for t in op.get("tags", [])
    }
    described = {t["name"]: t["description"] for t in schema.get("tags", [])}
    assert used - described.keys() == set(), "describe new API groups in config/api_tags.py"
    assert all(re.search(r"[\u4e00-\u9fff]", d) for d in described.values())
    assert re.search(r"[\u4e00-\u9fff]", schema["info"]["description"])
