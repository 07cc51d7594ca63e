"""Paging at province scale: bounded counts for pages, keyset (cursor) pages for the API.

An exact COUNT(*) over 900,000 households costs ~33 ms on every page and grows with the table; a page
deep in a list by OFFSET reads and throws away every row before it. So:

- pages count at most `COUNT_CAP` rows (one `SELECT count(*) FROM (... LIMIT cap + 1)`) and say
  "10,000+" beyond it; the pages past the cap stay reachable ("next" while rows remain);
- API lists walk by keyset: the page after a row is `WHERE (a, b, id) > (:a, :b, :id) ORDER BY a, b, id
  LIMIT n`, one index range scan wherever the page is, and stable while rows are added between pages
  (a row added before the cursor is not seen, none is skipped or repeated).
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
from decimal import Decimal
from typing import Any

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import F, QuerySet
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

COUNT_CAP = 10_000


def bounded_count(qs: QuerySet, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """(count, exact): the number of rows up to `cap`; beyond it (cap, False). One query that stops
    reading after cap + 1 rows."""
    n = qs.order_by()[: cap + 1].count()
    return (cap, False) if n > cap else (n, True)


def count_label(count: int, exact: bool) -> str:
    """10,000+ when the count stopped at the cap, else the number (thousands separated)."""
    return f"{count:,}+" if not exact else f"{count:,}"


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
        if self.count_exact:
            return super().page(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
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


def keyset_page(qs: QuerySet, ordering: tuple[str, ...], after: list[Any] | None, size: int):
    """One page of `size` rows after the row whose ordering values are `after` (None: the first).
    Returns (rows, values of the last row or None when there is no next page)."""
    fields, descending = keyset_fields(ordering)
    qs = qs.order_by(*ordering)
    if after is not None:
        lookup = TupleLessThan if descending else TupleGreaterThan
        qs = qs.filter(lookup(Tuple(*[F(f) for f in fields]), tuple(after)))
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
