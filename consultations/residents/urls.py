from django.urls import path

from . import views

app_name = "residents"

urlpatterns = [
    # residents: no login; the household code is the credential (see views.household_from_code)
    path("h/", views.start, name="start"),
    path("h/<str:code>/", views.home, name="home"),
    # staff
    path("residents/cards/", views.cards, name="cards"),
    path("residents/cards/household/<int:pk>/reissue/", views.card_reissue, name="card_reissue"),
]
