"""API pages: numbered pages with a bounded count, or keyset (cursor) pages for walking big lists.

- `?page=N` (the default): `count` is exact up to 10,000; beyond it `count` is 10,000 and
  `count_exact` is false (an exact COUNT over millions of rows would cost on every page).
- `?cursor=` (empty to start): keyset pages in the list's own order (its `keyset_ordering`, ending in the
  id so it is unique); follow `next` until it is null. As fast on the thousandth page as on the first,
  and no row is skipped or repeated while rows are added between pages. `?ordering=` does not apply.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from communities.paging import BadCursor, BoundedPaginator, decode_cursor, encode_cursor, keyset_page

DEFAULT_KEYSET = ("-id",)


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    django_paginator_class = BoundedPaginator
    cursor_query_param = "cursor"

    def paginate_queryset(self, queryset, request, view=None):
        self.keyset = None
        if self.cursor_query_param not in request.query_params:
            return super().paginate_queryset(queryset, request, view)
        self.request = request
        if request.query_params.get("ordering"):
            raise ValidationError(
                {"ordering": [_("A cursor walks the list in its own order: drop ordering.")]}
            )
        ordering = getattr(view, "get_keyset_ordering", lambda: getattr(view, "keyset_ordering", None))()
        ordering = tuple(ordering or DEFAULT_KEYSET)
        token = request.query_params.get(self.cursor_query_param) or ""
        try:
            after = decode_cursor(token, len(ordering)) if token else None
        except BadCursor:
            raise ValidationError(
                {"cursor": [_("This cursor is not valid: start again with cursor=.")]}
            ) from None
        rows, last = keyset_page(queryset, ordering, after, self.get_page_size(request))
        self.keyset = {"last": last}
        return rows

    def get_paginated_response(self, data):
        if self.keyset is not None:
            return Response({"next": self._next_cursor_link(), "previous": None, "results": data})
        paginator = self.page.paginator
        return Response(
            {
                "count": paginator.count,
                "count_exact": paginator.count_exact,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def _next_cursor_link(self):
        last = self.keyset["last"]
        if last is None:
            return None
        url = remove_query_param(self.request.build_absolute_uri(), self.page_query_param)
        return replace_query_param(url, self.cursor_query_param, encode_cursor(last))

    def get_paginated_response_schema(self, schema):
        out = super().get_paginated_response_schema(schema)
        out["required"] = ["results"]
        out["properties"]["count"]["description"] = "Exact up to 10,000; absent on cursor pages."
        out["properties"]["count_exact"] = {
            "type": "boolean",
            "description": "False when the count stopped at 10,000 (there are more).",
        }
        return out

    def get_schema_operation_parameters(self, view):
        params = super().get_schema_operation_parameters(view)
        params.append(
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Keyset paging: empty for the first page, then follow `next`. "
                "Constant time on any page; no count.",
                "schema": {"type": "string"},
            }
        )
        return params
