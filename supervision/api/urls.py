from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("supervision-teams", views.SupervisionTeamViewSet)
router.register("inspections", views.InspectionViewSet)
router.register("progress-reports", views.ProgressReportViewSet)
router.register("rectifications", views.RectificationViewSet)
router.register("acceptances", views.AcceptanceRoundViewSet)
router.register("disputes", views.DisputeViewSet)
router.register("photos", views.PhotoViewSet)

urlpatterns = router.urls
