"""The API's filter backend: django-filter, with foreign keys filtered by id.

A ModelChoiceFilter (what django-filter makes for a foreign key named in `filterset_fields` or a
FilterSet's Meta.fields) validates the id against the whole, unscoped table: a missing id answers
400 and an id outside the caller's area 200 (empty), which tells which rows exist. Filtering by the
id instead answers both with an empty list, and costs no query to validate."""

from __future__ import annotations

import django_filters
from django.db import models
from django_filters.rest_framework import DjangoFilterBackend, FilterSet
from rest_framework.filters import SearchFilter


class IdFilterSet(FilterSet):
    FILTER_DEFAULTS = {
        **FilterSet.FILTER_DEFAULTS,
        models.ForeignKey: {"filter_class": django_filters.NumberFilter},
        models.OneToOneField: {"filter_class": django_filters.NumberFilter},
        models.OneToOneRel: {"filter_class": django_filters.NumberFilter},
        models.ManyToManyField: {
            "filter_class": django_filters.NumberFilter,
            "extra": lambda f: {"distinct": True},
        },
        models.ManyToOneRel: {
            "filter_class": django_filters.NumberFilter,
            "extra": lambda f: {"distinct": True},
        },
        models.ManyToManyRel: {
            "filter_class": django_filters.NumberFilter,
            "extra": lambda f: {"distinct": True},
        },
    }


class ScopedFilterBackend(DjangoFilterBackend):
    filterset_base = IdFilterSet


class MatchingSearchFilter(SearchFilter):
    """`?search=` through the queryset's own `matching(q, user)`: the rule the pages and the header
    search use (for people: the start of a name for one or two characters, anywhere from three, and the
    last digits of a phone as far as the role is shown them), with the indexes that rule was built on.
    The view's `search_fields` only name the fields in the API description."""

    def filter_queryset(self, request, queryset, view):
        q = request.query_params.get(self.search_param, "").replace("\x00", "").strip()
        return queryset.matching(q, request.user) if q else queryset
