from django.urls import path

from . import views

app_name = "supervision"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("inspections/", views.inspection_list, name="inspection_list"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection_detail"),
    path("projects/<int:project_pk>/inspections/new/", views.inspection_new, name="inspection_new"),
    path("projects/<int:project_pk>/progress/new/", views.progress_new, name="progress_new"),
    path("projects/<int:project_pk>/photos/new/", views.photo_new, name="photo_new"),
    path("projects/<int:project_pk>/disputes/new/", views.dispute_new, name="dispute_new"),
    path("projects/<int:pk>/", views.project_supervision, name="project"),
    path("projects/<int:pk>/team/", views.team, name="team"),
    path(
        "projects/<int:pk>/team/<int:member_pk>/remove/", views.team_member_remove, name="team_member_remove"
    ),
    path("rectifications/", views.rectification_list, name="rectification_list"),
    path("rectifications/export/", views.rectification_export, name="rectification_export"),
    path("rectifications/<int:pk>/", views.rectification_detail, name="rectification_detail"),
    path("acceptances/<int:pk>/", views.acceptance_detail, name="acceptance_detail"),
    path("acceptances/<int:pk>/report.pdf", views.acceptance_report, name="acceptance_report"),
    path("disputes/", views.dispute_list, name="dispute_list"),
    path("disputes/<int:pk>/", views.dispute_detail, name="dispute_detail"),
    path("photos/<int:pk>/", views.photo_file, name="photo_file"),
    path("public/photos/<int:pk>/", views.photo_public, name="photo_public"),
]
