"""Roster import/export pages (communities.roster_views)."""

urlpatterns: list = []
