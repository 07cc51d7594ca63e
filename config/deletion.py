"""Confirm before deleting: what a delete takes with it (cascades) and what blocks it, for the
confirmation page every delete goes through (GET shows, POST deletes; no JavaScript needed)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.admin.utils import NestedObjects
from django.db import router


@dataclass
class DeletionPreview:
    """The object to delete, the other records that go with it, and those that prevent it."""

    target: str
    kind: str
    cascades: list[tuple[str, int]] = field(default_factory=list)  # (verbose_name_plural, count)
    blocked_by: list[str] = field(default_factory=list)  # verbose names of records that prevent it


def preview_deletion(instance) -> DeletionPreview:
    collector = NestedObjects(using=router.db_for_write(type(instance)))
    collector.collect([instance])
    counts: dict[str, int] = {}
    for model, objs in collector.model_objs.items():
        if model is type(instance) or model._meta.auto_created:
            continue
        label = str(model._meta.verbose_name_plural)
        counts[label] = counts.get(label, 0) + len(objs)
    blocked = sorted({str(o._meta.verbose_name) for o in collector.protected if hasattr(o, "_meta")})
    return DeletionPreview(
        target=str(instance),
        kind=str(instance._meta.verbose_name),
        cascades=sorted(counts.items()),
        blocked_by=blocked,
    )


__all__ = ["DeletionPreview", "preview_deletion"]
