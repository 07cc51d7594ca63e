from rest_framework.routers import SimpleRouter

from . import views, visits

router = SimpleRouter()
router.register("catalog-items", views.CatalogItemViewSet)
router.register("programmes", views.ProgrammeViewSet)
router.register("projects", views.ProjectViewSet)
router.register("work-items", views.WorkItemViewSet)
router.register("funding-lines", views.FundingLineViewSet)
router.register("project-parties", views.ProjectPartyViewSet)
router.register("milestones", views.MilestoneViewSet)
router.register("utility-works", views.UtilityWorkViewSet)
router.register("branches", views.PartyBranchViewSet)
router.register("branch-members", views.BranchMemberViewSet)
router.register("party-groups", views.PartyGroupViewSet)
router.register("commando-teams", views.CommandoTeamViewSet)
router.register("household-assignments", views.HouseholdAssignmentViewSet)
router.register("branch-activities", views.BranchActivityViewSet)
router.register("gate-exceptions", views.GateExceptionViewSet)
router.register("visit-slots", visits.VisitSlotViewSet)
router.register("visit-bookings", visits.VisitBookingViewSet)

urlpatterns = router.urls
