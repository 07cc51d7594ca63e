from django.urls import include, path

from . import views

app_name = "communities"

urlpatterns = [
    path("jobs/", views.job_list, name="job_list"),
    path("jobs/<int:pk>/", views.job_detail, name="job_detail"),
    path("jobs/<int:pk>/cancel/", views.job_cancel, name="job_cancel"),
    path("jobs/<int:pk>/download/", views.job_download, name="job_download"),
    # registry pages
    path("divisions/", views.division_list, name="division_list"),
    path("divisions/<int:pk>/", views.division_detail, name="division_detail"),
    path("compounds/", views.compound_list, name="compound_list"),
    path("compounds/new/", views.compound_create, name="compound_create"),
    path("compounds/<int:pk>/", views.compound_detail, name="compound_detail"),
    path("compounds/<int:pk>/edit/", views.compound_edit, name="compound_edit"),
    path("compounds/<int:compound_pk>/buildings/new/", views.building_create, name="building_create"),
    path("buildings/<int:pk>/", views.building_detail, name="building_detail"),
    path("buildings/<int:pk>/edit/", views.building_edit, name="building_edit"),
    path("buildings/<int:building_pk>/households/new/", views.household_create, name="household_create"),
    path("households/<int:pk>/", views.household_detail, name="household_detail"),
    path("households/<int:pk>/edit/", views.household_edit, name="household_edit"),
    path("households/<int:pk>/reveal/", views.household_reveal, name="household_reveal"),
    path("households/<int:household_pk>/people/new/", views.resident_create, name="resident_create"),
    path("households/<int:household_pk>/ownerships/new/", views.ownership_create, name="ownership_create"),
    path("ownerships/<int:pk>/edit/", views.ownership_edit, name="ownership_edit"),
    path("ownerships/<int:pk>/remove/", views.ownership_remove, name="ownership_remove"),
    path("people/", views.person_list, name="person_list"),
    path("people/new/", views.person_create, name="person_create"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("people/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("people/<int:pk>/reveal/", views.person_reveal, name="person_reveal"),
    path("", include("communities.roster_urls")),
]
