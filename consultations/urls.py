from django.urls import path

from . import views

app_name = "consultations"

urlpatterns = [
    path("", views.my_households, name="my_households"),
    path("visits/", views.visit_list, name="visit_list"),
    path("visits/new/", views.visit_create, name="visit_create"),
    path("visits/export/", views.visit_export, name="visit_export"),
    path("visits/<int:pk>/", views.visit_detail, name="visit_detail"),
    path("visits/<int:pk>/logged/", views.visit_logged, name="visit_logged"),
    path("coverage/", views.coverage_view, name="coverage"),
    path("coverage/buildings/<int:pk>/", views.building_grid, name="building_grid"),
    path("opinions/", views.opinion_list, name="opinion_list"),
    path("opinions/new/", views.opinion_create, name="opinion_create"),
    path("opinions/<int:pk>/", views.opinion_detail, name="opinion_detail"),
    path("opinions/<int:pk>/transition/", views.opinion_transition, name="opinion_transition"),
    path("opinions/<int:pk>/answer/", views.opinion_answer, name="opinion_answer"),
    path("opinions/<int:pk>/rate/", views.opinion_rate, name="opinion_rate"),
    path("demands/", views.demand_list, name="demand_list"),
    path("demands/export/", views.demand_export, name="demand_export"),
    path("demands/print.pdf", views.demand_print, name="demand_print"),
    path("meetings/", views.meeting_list, name="meeting_list"),
    path("meetings/new/", views.meeting_create, name="meeting_create"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/sign-in.pdf", views.meeting_sign_in, name="meeting_sign_in"),
    path("meetings/photos/<int:pk>/", views.meeting_photo, name="meeting_photo"),
    path("deliberations/", views.deliberation_list, name="deliberation_list"),
    path("deliberations/new/", views.deliberation_create, name="deliberation_create"),
    path("deliberations/<int:pk>/", views.deliberation_detail, name="deliberation_detail"),
    path("notices/", views.notice_list, name="notice_list"),
    path("notices/new/", views.notice_create, name="notice_create"),
    path("notices/<int:pk>/", views.notice_detail, name="notice_detail"),
    path("notices/<int:pk>/close/", views.notice_close, name="notice_close"),
    path("notices/<int:pk>/poster.pdf", views.notice_poster, name="notice_poster"),
    path("notices/<int:pk>/reveal/", views.notice_reveal, name="notice_reveal"),
    path("objections/<int:pk>/handle/", views.objection_handle, name="objection_handle"),
    path("n/<str:slug>/", views.notice_public, name="notice_public"),
    path("n/<str:slug>/qr.svg", views.notice_qr, name="notice_qr"),
]
