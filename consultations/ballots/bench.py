"""The baseline of benchmarks/vote_burst.py: a bare Django view that inserts one row. Mounted only when
the BENCHMARK environment variable is set (see urls.py). The table is made by the benchmark."""

import json

from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

TABLE = "bench_insert"
CREATE = f"CREATE TABLE IF NOT EXISTS {TABLE} (id bigserial PRIMARY KEY, k text UNIQUE NOT NULL, v int)"


@csrf_exempt
@require_POST
def bare_insert(request) -> HttpResponse:
    body = json.loads(request.body or b"{}")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (k, v) VALUES (%s, %s) ON CONFLICT (k) DO NOTHING RETURNING id",
            [str(body.get("k", "")), int(body.get("v", 0))],
        )
        row = cursor.fetchone()
    return JsonResponse({"id": row[0] if row else None}, status=201 if row else 409)
