from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("todo/<slug:key>/", views.todo_list, name="todo_list"),
    path("search/", views.search_page, name="search"),
    path("access-log/", views.access_log_page, name="access_log"),
]
