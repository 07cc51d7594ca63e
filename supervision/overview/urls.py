from django.urls import path

from . import views

app_name = "overview"

urlpatterns = [
    path("", views.landing, name="landing"),
    path("<int:pk>/", views.division_overview, name="division"),
    path("<int:pk>/refresh/", views.refresh, name="refresh"),
    path("<int:pk>/export/", views.export, name="export"),
]
