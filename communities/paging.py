"""Paging at province scale: bounded counts for pages, keyset (cursor) pages for the API.

An exact COUNT(*) over 900,000 households costs ~33 ms on every page and grows with the table; a page
deep in a list by OFFSET reads and throws away every row before it. So:

- pages count at most `COUNT_CAP` rows (one `SELECT count(*) FROM (... LIMIT cap + 1)`) and say
  "10,000+" beyond it; the pages past the cap stay reachable ("next" while rows remain);
- API lists walk by keyset: the page after a row is `WHERE (a, b, id) > (:a, :b, :id) ORDER BY a, b, id
  LIMIT n`, one index range scan wherever the page is, and stable while rows are added between pages
  (a row added before the cursor is not seen, none is skipped or repeated);
- HTML lists (`page_for`) keep numbered pages and the bounded count, but their Next / Previous links
  carry the cursor of the page's last / first row (`?after=` / `?before=`), so a page reached by those
  links is one index range too, whatever its number; a typed `?page=N` is still an OFFSET page.
  Keyset only where it is exact (`keyset_of`): otherwise the list pages by OFFSET as before.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import F, Field, QuerySet
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from django.db.models.lookups import GreaterThanOrEqual, LessThanOrEqual
from django.db.models.query import ModelIterable
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

COUNT_CAP = 10_000


def bounded_count(qs: QuerySet, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """(count, exact): the number of rows up to `cap`; beyond it (cap, False). One query that stops
    reading after cap + 1 rows."""
    n = qs.order_by()[: cap + 1].count()
    return (cap, False) if n > cap else (n, True)


def count_label(count: int, exact: bool) -> str:
    """10,000+ when the count stopped at the cap, else the number (thousands separated)."""
    return f"{count:,}+" if not exact else f"{count:,}"


def offset_rows(rows, bottom: int, top: int) -> list:
    """rows[bottom:top]. A page deep in a queryset by number reads its keys first (one narrow OFFSET
    query: the list's filter and order, no joins for display, no counts beside each row), then its
    rows by key: PostgreSQL computes every column of the rows an OFFSET skips, so the 5,000 compounds
    before page 200 had their buildings and flats counted only to be thrown away (410 ms)."""
    if (
        bottom == 0
        or not isinstance(rows, QuerySet)
        or rows._iterable_class is not ModelIterable
        or rows.query.combinator
        or rows.query.distinct_fields
    ):
        return list(rows[bottom:top])
    keys = list(rows.values_list("pk", flat=True)[bottom:top])
    by_key = {row.pk: row for row in rows.order_by().filter(pk__in=keys)}
    return [by_key[k] for k in keys if k in by_key]


class BoundedPage(Page):
    def has_next(self) -> bool:
        if self.paginator.count_exact:
            return super().has_next()
        return self._more

    def next_page_number(self) -> int:
        if self.paginator.count_exact:
            return super().next_page_number()
        return self.number + 1


class BoundedPaginator(Paginator):
    """A Paginator whose count stops at COUNT_CAP. Past the cap the number of pages is unknown
    (`num_pages` is the pages of the counted part, `count_label` says "10,000+") and pages go on
    while rows remain: each such page reads one row more than it shows to know."""

    cap = COUNT_CAP

    @cached_property
    def _bounded(self) -> tuple[int, bool]:
        if not isinstance(self.object_list, QuerySet):
            return len(self.object_list), True
        return bounded_count(self.object_list, self.cap)

    @cached_property
    def count(self) -> int:
        return self._bounded[0]

    @property
    def count_exact(self) -> bool:
        return self._bounded[1]

    @property
    def count_label(self) -> str:
        return count_label(*self._bounded)

    def validate_number(self, number):
        if self.count_exact:
            return super().validate_number(number)
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(_("That page number is not an integer")) from None
        if number < 1:
            raise EmptyPage(_("That page number is less than 1"))
        return number

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        if self.count_exact:
            top = bottom + self.per_page
            if top + self.orphans >= self.count:
                top = self.count
            return self._get_page(offset_rows(self.object_list, bottom, top), number, self)
        rows = offset_rows(self.object_list, bottom, bottom + self.per_page + 1)
        if not rows and number > 1:
            raise EmptyPage(_("That page contains no results"))
        page = BoundedPage(rows[: self.per_page], number, self)
        page._more = len(rows) > self.per_page
        return page

    def _get_page(self, *args, **kwargs):
        return BoundedPage(*args, **kwargs)

    def get_page(self, number):
        try:
            number = self.validate_number(number)
        except PageNotAnInteger:
            number = 1
        except EmptyPage:
            number = 1 if self.count_exact is False else self.num_pages
        try:
            return self.page(number)
        except EmptyPage:
            return self.page(1)


# --- keyset -----------------------------------------------------------------------------------------------


class BadCursor(ValueError):
    pass


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date):
        return {"t": value.isoformat()}
    if isinstance(value, Decimal):
        return {"d": str(value)}
    return value


def _from_json(value: Any) -> Any:
    if isinstance(value, dict):
        if "t" in value:
            text = value["t"]
            return datetime.datetime.fromisoformat(text) if "T" in text else datetime.date.fromisoformat(text)
        if "d" in value:
            return Decimal(value["d"])
        raise BadCursor("bad value")
    return value


def encode_cursor(values: list[Any]) -> str:
    raw = json.dumps([_jsonable(v) for v in values], separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(token: str, width: int) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != width:
            raise BadCursor("wrong width")
        return [_from_json(v) for v in values]
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise BadCursor(str(exc)) from None


def keyset_fields(ordering: tuple[str, ...]) -> tuple[list[str], bool]:
    """("-visited_at", "-id") -> (["visited_at", "id"], True). All in one direction: a row comparison
    `(a, b) < (x, y)` is one index range only when every column runs the same way."""
    descending = {o.startswith("-") for o in ordering}
    if len(descending) != 1:
        raise ValueError(f"keyset ordering must run one way: {ordering}")
    return [o.lstrip("-") for o in ordering], descending.pop()


def beyond(paths: list[str] | tuple[str, ...], values: list[Any] | tuple[Any, ...], *, smaller: bool) -> list:
    """The conditions of the rows after a cursor: `(a, b, id) > (x, y, z)` (`smaller`: `<`), with the
    leading column bounded on its own as well (`a >= x`). The row comparison alone is one index range
    when the list is read in its index's order; but where a small scope is joined into the index
    (`a = <a parent's key>`: a community's ownerships read household by household), PostgreSQL reads
    the index from each earlier key up to the cursor, through every other community's rows on the way:
    514,242 buffers and 1.9 s for a community's last page of the province's ownerships. Beside the
    bound on `a` alone, those lookups find their key out of range and read next to nothing."""
    row = (TupleLessThan if smaller else TupleGreaterThan)(Tuple(*[F(p) for p in paths]), tuple(values))
    lead = (LessThanOrEqual if smaller else GreaterThanOrEqual)(F(paths[0]), values[0])
    return [lead, row]


def keyset_page(qs: QuerySet, ordering: tuple[str, ...], after: list[Any] | None, size: int):
    """One page of `size` rows after the row whose ordering values are `after` (None: the first).
    Returns (rows, values of the last row or None when there is no next page)."""
    fields, descending = keyset_fields(ordering)
    qs = qs.order_by(*ordering)
    if after is not None:
        qs = qs.filter(*beyond(fields, after, smaller=descending))
    rows = list(qs[: size + 1])
    if len(rows) <= size:
        return rows, None
    rows = rows[:size]
    last = rows[-1]
    return rows, [_attr(last, f) for f in fields]


def _attr(obj: Any, path: str) -> Any:
    if isinstance(obj, dict):
        return obj[path]
    for part in path.split("__"):
        obj = getattr(obj, part)
    return obj


# --- keyset pages of the HTML lists ---------------------------------------------------------------------

PAGING_PARAMS = ("page", "after", "before")
# shown when a Next / Previous link's cursor no longer fits the list (tampered, or its rows are gone)
FIRST_PAGE_NOTICE = gettext_lazy(
    "This page link no longer fits the list (the list has changed): showing the first page."
)


@dataclass(frozen=True)
class Keyset:
    """A list's ordering as keyset paging needs it: `ordering` as given to order_by (one direction, the
    primary key last), `paths` the field paths read on each row, `fields` the model fields (to check
    the values of a cursor before they reach SQL)."""

    ordering: tuple[str, ...]
    paths: tuple[str, ...]
    fields: tuple[Field, ...]
    descending: bool


def keyset_of(qs: QuerySet) -> Keyset | None:
    """The keyset of `qs`'s ordering, or None when a row comparison would not page it exactly.

    Exact means: every item a plain field path (no expression, no annotation: its nullability is
    unknown), all in one direction, every column on the path NOT NULL (a NULL never compares), and
    the rows' order total, so the primary key last. An ordering that does not end with the primary key
    gets it appended as the tie-breaker (the order of rows tied on the rest was undefined anyway; the
    list's index on the leading columns still serves it, with an incremental sort of the ties)."""
    if not isinstance(qs, QuerySet) or qs._iterable_class is not ModelIterable:
        return None
    query = qs.query
    if query.combinator or query.is_sliced or query.distinct_fields or query.extra_order_by:
        return None
    if query.order_by:
        ordering = tuple(query.order_by)
    elif query.default_ordering and query.get_meta().ordering and query.group_by is None:
        ordering = tuple(query.get_meta().ordering)  # Django drops Meta.ordering from GROUP BY queries
    else:
        return None
    if not all(isinstance(item, str) for item in ordering):
        return None
    directions = {item.startswith("-") for item in ordering}
    if len(directions) != 1:
        return None
    descending = directions.pop()
    model = qs.model
    paths, fields = [], []
    for item in ordering:
        name = item.lstrip("-")
        if name in query.annotations or name in query.extra or "?" in name:
            return None
        resolved = _not_null_path(model, name)
        if resolved is None:
            return None
        paths.append(resolved[0])
        fields.append(resolved[1])
    if paths[-1] != model._meta.pk.attname:
        sign = "-" if descending else ""
        ordering += (f"{sign}pk",)
        paths.append(model._meta.pk.attname)
        fields.append(model._meta.pk)
    return Keyset(ordering, tuple(paths), tuple(fields), descending)


def _not_null_path(model, name: str) -> tuple[str, Field] | None:
    """("household__building__name", its field) when every field on the path is a concrete NOT NULL
    column reached through forward relations; a relation last orders by its key (when the related
    model has no ordering of its own, which Django would follow instead)."""
    parts = name.split("__")
    out = []
    field = None
    for i, part in enumerate(parts):
        try:
            field = model._meta.pk if part == "pk" else model._meta.get_field(part)
        except FieldDoesNotExist:
            return None
        if not field.concrete or field.many_to_many or field.one_to_many or field.null:
            return None
        last = i == len(parts) - 1
        if field.is_relation:
            if last:
                # `building` orders by Building's own ordering when it has one; `building_id` by the key
                if part == field.name and field.related_model._meta.ordering:
                    return None
                out.append(field.attname)
                break
            model = field.related_model
            out.append(field.name)
        elif not last:
            return None
        else:
            out.append(field.attname)
    return "__".join(out), field


def _cursor_values(keyset: Keyset, token: str) -> list[Any]:
    """The values of a cursor, each checked as its field would check it: a tampered cursor is refused
    here, never by the database."""
    values = decode_cursor(token, len(keyset.fields))
    out = []
    for field, value in zip(keyset.fields, values, strict=True):
        if isinstance(value, str) and "\x00" in value:
            raise BadCursor("NUL in a value")
        try:
            value = field.to_python(value)
            field.run_validators(value)
        except (ValidationError, TypeError, ValueError, OverflowError):
            raise BadCursor(f"bad value for {field.name}") from None
        if value is None:
            raise BadCursor(f"no value for {field.name}")
        out.append(value)
    return out


def _row_cursor(keyset: Keyset, row: Any) -> str | None:
    try:
        return encode_cursor([_attr(row, path) for path in keyset.paths])
    except (TypeError, ValueError):  # a value JSON cannot carry: this page links by number
        return None


class KeysetPage(Page):
    """A page read by a row comparison from a cursor. Its number is only the one shown (carried by
    the link); whether there are rows beyond it in either direction was read with the page."""

    def __init__(self, rows, number, paginator, *, more_after: bool, more_before: bool):
        super().__init__(rows, number, paginator)
        self._more_after = more_after
        self._more_before = more_before

    def has_next(self) -> bool:
        return self._more_after

    def has_previous(self) -> bool:
        return self._more_before

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return max(self.number - 1, 1)

    def start_index(self) -> int:
        return (self.number - 1) * self.paginator.per_page + 1

    def end_index(self) -> int:
        return self.start_index() + len(self) - 1


def _keyset_rows(qs: QuerySet, keyset: Keyset, values: list[Any], *, backward: bool, size: int):
    """Up to size + 1 rows after (`backward`: before) the row whose ordering values are `values`, in
    the list's order."""
    reverse = keyset.descending != backward  # going forward down a descending list: smaller values
    ordering = keyset.ordering
    if backward:
        ordering = tuple(o[1:] if o.startswith("-") else f"-{o}" for o in ordering)
    rows = list(qs.filter(*beyond(keyset.paths, values, smaller=reverse)).order_by(*ordering)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if backward:
        rows.reverse()
    return rows, more


def _number(value: str | None, default: int) -> int:
    try:
        number = int(value or "")
    except ValueError:
        return default
    return number if number >= 1 else default


def page_for(
    request, qs, per_page: int, *, paginator_class: type[Paginator] = BoundedPaginator
) -> tuple[Page, str]:
    """The page of `qs` a list page shows, and the request's query string without the paging
    parameters (filters and search, for the links).

    `?page=N` alone is an OFFSET page (the first page, or a number typed in). Where `qs`'s ordering
    allows it (`keyset_of`), the page's Next / Previous links carry the cursor of its last / first row,
    and a page asked with `?after=` / `?before=` is read by one row comparison whatever its depth;
    `page` then only numbers it. A cursor that does not decode or fit the list gives the first page.
    Each page object carries `next_params` / `previous_params` for the links."""
    query = request.GET.copy()
    for name in PAGING_PARAMS:
        query.pop(name, None)
    keyset = keyset_of(qs)
    if keyset is not None:
        qs = qs.order_by(*keyset.ordering)
    paginator = paginator_class(qs, per_page)
    page = None
    if keyset is not None:
        page = _cursor_page(request, qs, keyset, paginator)
    if page is None:
        # a cursor that does not fit (tampered, of another list, its rows gone): the first page
        cursored = "after" in request.GET or "before" in request.GET
        page = paginator.get_page(1 if cursored else request.GET.get("page"))
        if cursored:
            # say why the list starts over rather than where the link pointed
            messages.info(request, FIRST_PAGE_NOTICE, fail_silently=True)
    page.object_list = list(page.object_list)
    page.next_params = page.previous_params = ""
    if page.has_next():
        cursor = _row_cursor(keyset, page.object_list[-1]) if keyset and page.object_list else None
        number = page.next_page_number()
        page.next_params = urlencode({"after": cursor, "page": number}) if cursor else f"page={number}"
    if page.has_previous():
        number = page.previous_page_number()
        cursor = _row_cursor(keyset, page.object_list[0]) if keyset and page.object_list else None
        page.previous_params = (
            urlencode({"before": cursor, "page": number}) if cursor and number > 1 else f"page={number}"
        )
    return page, query.urlencode()


def _cursor_page(request, qs, keyset: Keyset, paginator: Paginator) -> KeysetPage | None:
    backward = "before" in request.GET and "after" not in request.GET
    token = request.GET.get("before" if backward else "after")
    if not token:
        return None
    try:
        values = _cursor_values(keyset, token)
    except BadCursor:
        return None
    rows, more = _keyset_rows(qs, keyset, values, backward=backward, size=paginator.per_page)
    if not rows:
        return None  # the rows around the cursor are gone: the first page
    # a page reached by a cursor is never the first, unless nothing lies before it
    number = max(_number(request.GET.get("page"), 2), 2)
    if backward:
        return KeysetPage(rows, number if more else 1, paginator, more_after=True, more_before=more)
    return KeysetPage(rows, number, paginator, more_after=more, more_before=True)
