"""OpenAPI naming: one stable enum name per choice set, for every app, without a hand-kept list.

drf-spectacular names an enum after the field that uses it; two fields called `status` with different
choices (or one choice set under two field names) give warnings and names like `StatusDd8Enum`.
`ENUM_NAME_OVERRIDES` is set to `ChoiceEnumNames()`, which, when the schema is built, names every
`TextChoices`/`IntegerChoices` class of an app's `choices` module (and those nested in models) after
the class: `ProjectStatusEnum`, or `<App><Class>Enum` when two apps use the same class name.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Iterator, Mapping

from django.db import models


def _choice_classes() -> Iterator[tuple[str, str, type[models.Choices]]]:
    from django.apps import apps

    for config in apps.get_app_configs():
        if not config.path.startswith(str(_project_root())):
            continue
        try:
            module = importlib.import_module(f"{config.name}.choices")
        except ModuleNotFoundError:
            module = None
        if module is not None:
            for name, obj in vars(module).items():
                if _is_choices(obj) and obj.__module__ == module.__name__:
                    yield config.label, name, obj
        for model in config.get_models():
            for name, obj in vars(model).items():
                if _is_choices(obj):
                    yield config.label, f"{model.__name__}{name}", obj


def _is_choices(obj) -> bool:
    return inspect.isclass(obj) and issubclass(obj, models.Choices)


def _project_root():
    from django.conf import settings

    return settings.BASE_DIR


class ChoiceEnumNames(Mapping):
    def __init__(self) -> None:
        self._names: dict[str, type[models.Choices]] | None = None

    def _build(self) -> dict[str, type[models.Choices]]:
        if self._names is None:
            found = list(_choice_classes())
            class_names: dict[str, int] = {}
            for _label, name, _obj in found:
                class_names[name] = class_names.get(name, 0) + 1
            names: dict[str, type[models.Choices]] = {}
            seen_sets: set[tuple] = set()
            for label, name, obj in found:
                key = tuple((value, str(text)) for value, text in obj.choices if value not in ("", None))
                if key in seen_sets:
                    continue  # an identical choice set keeps the first name
                seen_sets.add(key)
                prefix = "".join(part.title() for part in label.split("_")) if class_names[name] > 1 else ""
                names[f"{prefix}{name}Enum"] = obj
            self._names = names
        return self._names

    def __getitem__(self, key):
        return self._build()[key]

    def __iter__(self):
        return iter(self._build())

    def __len__(self) -> int:
        return len(self._build())
