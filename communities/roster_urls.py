"""Roster import/export pages (communities.roster_views)."""

from django.urls import path

from . import roster_views

urlpatterns = [
    path("roster/template/", roster_views.roster_template, name="roster_template"),
    path("roster/import/", roster_views.roster_import, name="roster_import"),
    path("roster/export/<int:pk>/", roster_views.roster_export, name="roster_export"),
]
