from django.urls import path

from . import views

urlpatterns = [
    path("overview/", views.OverviewView.as_view(), name="overview-api"),
    path("overview/children/", views.ChildrenView.as_view(), name="overview-api-children"),
    path("overview/refresh/", views.RefreshView.as_view(), name="overview-api-refresh"),
]
