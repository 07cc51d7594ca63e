from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("household-cards", views.HouseholdCardViewSet)

urlpatterns = [
    path("household-page/", views.HouseholdPageView.as_view(), name="household-page"),
    *router.urls,
]
