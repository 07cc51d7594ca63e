from django.urls import path

from . import views

app_name = "residents"

urlpatterns = [
    # residents: no login; the household code is the credential (see views.household_from_code)
    path("h/", views.start, name="start"),
    path("h/<str:code>/", views.home, name="home"),
    path("h/<str:code>/menu/<int:pk>/", views.menu, name="menu"),
    path("h/<str:code>/report/", views.report, name="report"),
    path("h/<str:code>/visits/<int:pk>/book/", views.visit_book, name="visit_book"),
    path("h/<str:code>/visits/<int:pk>/cancel/", views.visit_cancel, name="visit_cancel"),
    path("h/<str:code>/report/<int:pk>/rate/", views.report_rate, name="report_rate"),
    path("h/<str:code>/report-photos/<int:pk>/", views.report_photo, name="report_photo"),
    # staff
    path("residents/cards/", views.cards, name="cards"),
    path("residents/cards/household/<int:pk>/reissue/", views.card_reissue, name="card_reissue"),
    path("residents/report-photos/<int:pk>/", views.staff_report_photo, name="staff_report_photo"),
    path("residents/notifications/", views.notification_list, name="notification_list"),
    path("residents/surveys/", views.survey_list, name="survey_list"),
    path("residents/surveys/new/", views.survey_create, name="survey_create"),
    path("residents/surveys/<int:pk>/", views.survey_detail, name="survey_detail"),
    path("residents/surveys/<int:pk>/open/", views.survey_open, name="survey_open"),
    path("residents/surveys/<int:pk>/close/", views.survey_close, name="survey_close"),
    path("residents/surveys/<int:pk>/work-items/", views.survey_to_work_items, name="survey_to_work_items"),
    path("residents/surveys/<int:pk>/paper/", views.survey_paper, name="survey_paper"),
]
