from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("visits", views.VisitViewSet, basename="visit")
router.register("opinions", views.OpinionViewSet, basename="opinion")
router.register("meetings", views.MeetingViewSet, basename="meeting")
router.register("deliberation-procedures", views.ProcedureViewSet, basename="deliberation-procedure")
router.register("deliberations", views.DeliberationViewSet, basename="deliberation")
router.register("notices", views.NoticeViewSet, basename="notice")
router.register("objections", views.ObjectionViewSet, basename="objection")

urlpatterns = [
    path("coverage/", views.CoverageView.as_view(), name="coverage"),
    path("consultation-exports/", views.ExportView.as_view(), name="consultation-export"),
    *router.urls,
]
