from django.urls import path

from . import views, visit_views

app_name = "projects"

urlpatterns = [
    path("", views.project_list, name="project_list"),
    path("new/", views.project_form, name="project_create"),
    path("ledger/export/", views.ledger_export, name="ledger_export"),
    path("catalog/", views.catalog, name="catalog"),
    path("<int:pk>/", views.project_detail, name="project_detail"),
    path("<int:pk>/edit/", views.project_form, name="project_edit"),
    path("<int:pk>/plan/", views.project_plan, name="project_plan"),
    path("<int:pk>/transition/", views.project_transition, name="project_transition"),
    path("<int:pk>/gate-exceptions/", views.gate_exception, name="gate_exception"),
    path("gate-exceptions/<int:pk>/withdraw/", views.gate_exception_withdraw, name="gate_exception_withdraw"),
    path("<int:pk>/work-items/catalog/", views.work_items_from_catalog, name="work_items_from_catalog"),
    path("<int:pk>/<slug:kind>/add/", views.project_child_form, name="project_child_add"),
    path("<int:pk>/<slug:kind>/<int:item_pk>/", views.project_child_form, name="project_child_edit"),
    path(
        "<int:pk>/<slug:kind>/<int:item_pk>/delete/", views.project_child_delete, name="project_child_delete"
    ),
    path("work-items/<int:pk>/visits/", visit_views.visit_slots, name="visit_slots"),
    path("work-items/<int:pk>/visits/day/", visit_views.visit_day, name="visit_day"),
    path("work-items/<int:pk>/visits/unbooked/", visit_views.visit_unbooked, name="visit_unbooked"),
    path("visits/<int:pk>/mark/", visit_views.visit_mark, name="visit_mark"),
    path("public/<int:pk>/", views.project_public, name="project_public"),
    path("public/<int:pk>/qr.<str:fmt>", views.project_qr, name="project_qr"),
    path("programmes/", views.programme_list, name="programme_list"),
    path("programmes/new/", views.programme_form, name="programme_create"),
    path("programmes/<int:pk>/", views.programme_detail, name="programme_detail"),
    path("programmes/<int:pk>/edit/", views.programme_form, name="programme_edit"),
    path("branches/", views.branch_list, name="branch_list"),
    path("branches/new/", views.branch_form, name="branch_create"),
    path("branches/<int:pk>/", views.branch_detail, name="branch_detail"),
    path("branches/<int:pk>/edit/", views.branch_form, name="branch_edit"),
    path("branches/<int:pk>/assign/", views.branch_assign, name="branch_assign"),
    path("branches/<int:pk>/unassigned/", views.branch_unassigned, name="branch_unassigned"),
    path(
        "branches/<int:pk>/groups/per-building/",
        views.branch_groups_per_building,
        name="branch_groups_per_building",
    ),
    path("branches/<int:pk>/<slug:kind>/add/", views.branch_child_form, name="branch_child_add"),
    path("branches/<int:pk>/<slug:kind>/<int:item_pk>/", views.branch_child_form, name="branch_child_edit"),
    path(
        "branches/<int:pk>/<slug:kind>/<int:item_pk>/delete/",
        views.branch_child_delete,
        name="branch_child_delete",
    ),
]
