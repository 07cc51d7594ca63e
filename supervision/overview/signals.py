"""Which writes change the overview's figures. Receivers on the other apps' models (they do not know
about the overview): each notes the compounds whose household facts changed, or just that a refresh
is due (project-level figures are rebuilt for every place on each run).

Not seen here: writes that bypass model signals (bulk_create/update in roster imports, votes cast in
one SQL statement); the beat's minute sweep and hourly recount cover them (README, "Overview").
"""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete


def _compound_of(instance) -> list[int]:
    """The compound ids a changed row's household facts belong to."""
    from communities.models import Building, Compound, Household, Ownership

    if isinstance(instance, Compound):
        return [instance.pk]
    if isinstance(instance, Building):
        return [instance.compound_id]
    if isinstance(instance, Household):
        return [
            Building.objects.filter(pk=instance.building_id).values_list("compound_id", flat=True).first()
        ]
    if isinstance(instance, Ownership):
        return list(
            Household.objects.filter(pk=instance.household_id).values_list("building__compound_id", flat=True)
        )
    compound_id = getattr(instance, "compound_id", None)  # visits, opinions
    return [compound_id] if compound_id else []


def _facts_changed(sender, instance, **kwargs) -> None:
    from .services import mark_changed

    if kwargs.get("raw"):
        return
    mark_changed(_compound_of(instance))


def _household_moving(sender, instance, **kwargs) -> None:
    """Before a household or building is deleted its compound is still readable."""
    from .services import mark_changed

    mark_changed(_compound_of(instance))


def _figures_changed(sender, instance=None, **kwargs) -> None:
    from .services import mark_changed

    if kwargs.get("raw"):
        return
    mark_changed()


def _answer_time_changed(sender, instance, **kwargs) -> None:
    """A NoticePolicy sets the opinions' answer time of its division's subtree: the facts ("answered on
    time", "answers due") of every compound below are recounted."""
    from communities.models import Compound, Division

    from .services import mark_changed

    if kwargs.get("raw"):
        return
    path = Division.objects.filter(pk=instance.division_id).values_list("path", flat=True).first()
    if path:
        mark_changed(Compound.objects.filter(division__path__startswith=path).values_list("pk", flat=True))


def _compounds_m2m(sender, instance, action, pk_set=None, model=None, reverse=False, **kwargs) -> None:
    """Programme.compounds / Project.compounds / Ballot.extra_compounds: the plan and project flags are
    rebuilt on every run; a compound newly in plan needs its facts, so it is marked."""
    from communities.models import Compound

    from .services import mark_changed

    if not action.startswith("post_") and action != "pre_clear":
        return
    if reverse:  # compound.programmes.add(...): the instance is the compound
        mark_changed([instance.pk] if isinstance(instance, Compound) else [])
        return
    if action == "pre_clear":
        field = next(f for f in type(instance)._meta.many_to_many if f.remote_field.through is sender)
        mark_changed(getattr(instance, field.name).values_list("pk", flat=True))
        return
    mark_changed(pk_set or [])


def connect() -> None:
    from communities.models import Building, Compound, Household, Ownership
    from consultations.ballots.models import Ballot
    from consultations.models import NoticePolicy, Opinion, Visit
    from projects.models import FundingLine, Milestone, Programme, Project, ProjectParty, WorkItem
    from supervision.models import AcceptanceRound, Dispute, Rectification

    uid = "overview"
    for model in (Compound, Building, Household, Ownership, Visit, Opinion):
        post_save.connect(_facts_changed, sender=model, dispatch_uid=f"{uid}-save-{model.__name__}")
    for model in (Compound, Visit, Opinion):
        post_delete.connect(_facts_changed, sender=model, dispatch_uid=f"{uid}-delete-{model.__name__}")
    post_save.connect(_answer_time_changed, sender=NoticePolicy, dispatch_uid=f"{uid}-save-NoticePolicy")
    post_delete.connect(_answer_time_changed, sender=NoticePolicy, dispatch_uid=f"{uid}-delete-NoticePolicy")
    # a deleted building / household / ownership: its compound is read before the row goes
    for model in (Building, Household, Ownership):
        pre_delete.connect(_household_moving, sender=model, dispatch_uid=f"{uid}-predelete-{model.__name__}")
    for model in (
        Programme,
        Project,
        WorkItem,
        FundingLine,
        Milestone,
        ProjectParty,
        Ballot,
        AcceptanceRound,
        Rectification,
        Dispute,
    ):
        post_save.connect(_figures_changed, sender=model, dispatch_uid=f"{uid}-save-{model.__name__}")
        post_delete.connect(_figures_changed, sender=model, dispatch_uid=f"{uid}-delete-{model.__name__}")
    for through in (
        Programme.compounds.through,
        Project.compounds.through,
        Ballot.extra_compounds.through,
    ):
        m2m_changed.connect(_compounds_m2m, sender=through, dispatch_uid=f"{uid}-m2m-{through.__name__}")
