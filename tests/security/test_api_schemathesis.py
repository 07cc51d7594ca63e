"""The OpenAPI schema tells the truth (issue 11): schemathesis drives every operation of the schema
in-process (WSGI, the test database) as street staff and as a grid worker, with a bounded number of
examples per operation, and fails on any 5xx or any response the schema does not describe (status
code, content type, body).

Runs in `make test` (about a minute on 2 cores; SCHEMATHESIS_EXAMPLES raises the bound for a longer
local run). Reproduce one failure with `-k "<METHOD> /api/v1/<path>"`: the failure prints a curl line.
"""

import json
import os
import uuid

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, Phase, settings
from knox.models import AuthToken
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "2"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _schema() -> dict:
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    raw = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(raw))


schema = (
    schemathesis.openapi.from_dict(_schema())
    # revoking the token would turn every later call into a 401 (covered in test_api_tokens.py)
    .exclude(path="/api/v1/auth/token/revoke/")
)
APP = get_wsgi_application()


@pytest.fixture
def private_cache(settings):
    """Throttles and guessing limits start fresh; CI's shared Redis is never flushed."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"schemathesis-{uuid.uuid4().hex}",
        }
    }


@pytest.fixture
def keep_connection():
    """Like Django's test client: the WSGI handler must not close the test's database connection
    (and with it the test transaction) at the end of each request."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(params=["street_user", "grid_worker_a"])
def token(request, db, private_cache, keep_connection):
    user = request.getfixturevalue(request.param)
    _instance, key = AuthToken.objects.create(user)
    return key


@pytest.mark.api_fuzz
@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.generate],  # no explicit/coverage phase: thousands of cases per operation
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case, token):
    case.call_and_validate(app=APP, headers={"Authorization": f"Token {token}"}, checks=CHECKS)
