from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("household-cards", views.HouseholdCardViewSet)
router.register("menu-surveys", views.MenuSurveyViewSet)
router.register("notifications", views.NotificationViewSet)

urlpatterns = [
    path("household-page/", views.HouseholdPageView.as_view(), name="household-page"),
    path("household-page/menu-surveys/<int:pk>/", views.HouseholdMenuView.as_view(), name="household-menu"),
    path("household-page/reports/", views.HouseholdReportsView.as_view(), name="household-reports"),
    path("household-page/visits/", views.HouseholdVisitsView.as_view(), name="household-visits"),
    path(
        "household-page/visits/<int:pk>/cancel/",
        views.HouseholdVisitCancelView.as_view(),
        name="household-visit-cancel",
    ),
    path(
        "household-page/reports/<int:pk>/rate/",
        views.HouseholdReportRateView.as_view(),
        name="household-report-rate",
    ),
    *router.urls,
]
