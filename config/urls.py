from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from communities import views as community_views
from communities.api.auth import ObtainTokenView, RevokeTokenView
from supervision.workday.api import MyTodoView

api_v1 = [
    path("auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("auth/token/revoke/", RevokeTokenView.as_view(), name="api-token-revoke"),
    path("", include("communities.api.urls")),
    path("", include("projects.api.urls")),
    path("", include("consultations.api.urls")),
    path("", include("consultations.ballots.api.urls")),
    path("", include("consultations.residents.api.urls")),
    path("", include("supervision.api.urls")),
    path("", include("supervision.overview.api.urls")),
    path("me/todo/", MyTodoView.as_view(), name="me-todo"),
]

# a database outage answers 503 (JSON under /api/), not an HTML 500: see config/outage.py
handler500 = "config.outage.server_error"
# an unknown address under /api/ answers a JSON 404, like a missing object
handler404 = "communities.api.errors.not_found"

urlpatterns = [
    path("healthz", community_views.healthz, name="healthz"),
    path("readyz", community_views.readyz, name="readyz"),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("communities.urls")),
    path("", include("supervision.workday.urls")),
    path("projects/", include("projects.urls")),
    path("consultations/", include("consultations.urls")),
    path("ballots/", include("consultations.ballots.urls")),
    path("", include("consultations.residents.urls")),
    path("supervision/", include("supervision.urls")),
    path("overview/", include("supervision.overview.urls")),
]

# No route serves MEDIA_ROOT or PRIVATE_ROOT, not even under DEBUG: every stored file is private and
# reaches a browser only through a view that checks scope and logs it (communities/files.py).
