from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .models import Compound, Division, Household
from .scoping import get_scope


@require_GET
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """The process is up (no dependencies checked)."""
    return HttpResponse("ok", content_type="text/plain")


@require_GET
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Whether PostgreSQL and Redis answer. 503 when the database does not; Redis is optional."""
    checks: dict[str, dict] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = {"ok": True}
    except Exception as exc:
        checks["database"] = {"ok": False, "error": str(exc)[:200]}
    if settings.REDIS_URL:
        try:
            import redis

            client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=0.5, socket_timeout=0.5)
            client.ping()
            checks["redis"] = {"ok": True}
        except Exception as exc:
            checks["redis"] = {"ok": False, "error": str(exc)[:200]}
    else:
        checks["redis"] = {"ok": True, "note": "REDIS_URL not set: tasks run in-process"}
    ready = checks["database"]["ok"]
    return JsonResponse({"ready": ready, "checks": checks}, status=200 if ready else 503)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    scope = get_scope(request.user)
    roots = (
        Division.objects.filter(pk__in=[g.division_id for g in scope.grants])
        if not scope.is_superuser
        else Division.objects.filter(parent__isnull=True)
    )
    stats = {
        "compounds": Compound.objects.for_user(request.user).count(),
        "households": Household.objects.for_user(request.user).count() if scope.sees_residents else None,
    }
    return render(request, "communities/home.html", {"roots": roots, "stats": stats})


# --- background jobs ------------------------------------------------------------------------------------


def _my_jobs(request: HttpRequest):
    from .models import BackgroundJob

    jobs = BackgroundJob.objects.all()
    return jobs if request.user.is_superuser else jobs.filter(created_by=request.user)


@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    jobs = _my_jobs(request)[:50]
    return render(request, "communities/job_list.html", {"jobs": jobs})


@login_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The job's page; htmx polls the same URL for the progress fragment until the job finishes."""
    from django.shortcuts import get_object_or_404

    job = get_object_or_404(_my_jobs(request), pk=pk)
    template = (
        "communities/_job_progress.html"
        if request.headers.get("HX-Request")
        else "communities/job_detail.html"
    )
    return render(request, template, {"job": job})


@login_required
def job_download(request: HttpRequest, pk: int) -> HttpResponse:
    import os

    from django.http import FileResponse, Http404
    from django.shortcuts import get_object_or_404

    from . import access
    from .models import AccessLog

    job = get_object_or_404(_my_jobs(request), pk=pk)
    if not job.result_file:
        raise Http404
    access.record(
        user=request.user,
        action=AccessLog.Action.EXPORT,
        object_type="job",
        object_ids=[job.pk],
        fields=job.kind,
        reason="download",
        request=request,
    )
    return FileResponse(
        job.result_file.open("rb"), as_attachment=True, filename=os.path.basename(job.result_file.name)
    )
