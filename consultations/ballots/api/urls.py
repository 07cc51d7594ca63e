from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("rule-policies", views.RulePolicyViewSet)
router.register("ballots", views.BallotViewSet)
router.register("ballot-options", views.BallotOptionViewSet)
router.register("electors", views.ElectorViewSet)
router.register("votes", views.VoteViewSet)

urlpatterns = [path("vote/", views.PublicVoteView.as_view(), name="public-vote"), *router.urls]
