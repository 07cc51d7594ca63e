from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("divisions", views.DivisionViewSet)
router.register("compounds", views.CompoundViewSet)
router.register("buildings", views.BuildingViewSet)
router.register("households", views.HouseholdViewSet)
router.register("people", views.PersonViewSet)
router.register("ownerships", views.OwnershipViewSet)
router.register("jobs", views.BackgroundJobViewSet)

urlpatterns = router.urls

# roster import and export (communities.api.roster)
from communities.api.roster import urlpatterns as roster_urlpatterns  # noqa: E402

urlpatterns += roster_urlpatterns
