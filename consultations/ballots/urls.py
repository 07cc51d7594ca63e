import os

from django.urls import path

from . import views

app_name = "ballots"

urlpatterns = [
    path("", views.ballot_list, name="ballot_list"),
    path("new/", views.ballot_create, name="ballot_create"),
    path("<int:pk>/", views.ballot_detail, name="ballot_detail"),
    path("<int:pk>/edit/", views.ballot_edit, name="ballot_edit"),
    path("<int:pk>/delete/", views.ballot_delete, name="ballot_delete"),
    path("<int:pk>/open/", views.ballot_open, name="ballot_open"),
    path("<int:pk>/close/", views.ballot_close, name="ballot_close"),
    path("<int:pk>/votes/", views.vote_enter, name="vote_enter"),
    path("votes/<int:pk>/photo/", views.vote_photo, name="vote_photo"),
    path("<int:pk>/electors/", views.elector_list, name="elector_list"),
    path("<int:pk>/electors/options/", views.elector_options, name="elector_options"),
    path("<int:pk>/electors/<int:elector_pk>/reissue/", views.elector_reissue, name="elector_reissue"),
    path("<int:pk>/slips/", views.slips_print, name="slips_print"),
    path("<int:pk>/code-pauses/lift/", views.code_pause_lift, name="code_pause_lift"),
    path("policies/", views.policy_list, name="policy_list"),
    path("policies/new/", views.policy_edit, name="policy_create"),
    path("policies/<int:pk>/", views.policy_edit, name="policy_edit"),
    # residents: no login
    path("vote/", views.vote_start, name="vote_start"),
    path("vote/confirm/", views.vote_confirm, name="vote_confirm"),
    path("vote/cast/", views.vote_cast, name="vote_cast"),
    path("receipt/", views.receipt_check, name="receipt_check"),
]

if os.environ.get("BENCHMARK"):  # benchmarks/vote_burst.py: the bare-insert baseline, never in production
    from .bench import bare_insert

    urlpatterns.append(path("bench/insert/", bare_insert, name="bench_insert"))
