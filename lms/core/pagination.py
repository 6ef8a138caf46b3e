"""Server-side lists: one page of rows, sorted and searched in SQL.

A view describes its list once with :class:`ListSpec` (the columns it may sort
by, the default order, the page size) and calls :func:`paginate` (offset pages
with a total, two statements) or :func:`keyset` (for large, append-only tables:
"older"/"newer" cursors on a unique ordered key, one statement, no COUNT). The
template macro ``_macros/lists.html`` renders the pager, the sort links and the
search box from the returned :class:`Page`.

Request arguments: ``page`` (1-based), ``sort`` (a key of ``ListSpec.sorts``),
``dir`` (``asc``/``desc``), ``q`` (search text), ``per_page`` (at most
MAX_PER_PAGE), ``after``/``before`` (keyset cursors). Unknown or malformed values fall back to the defaults, never a 500.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Mapping

import sqlalchemy as sa

MAX_PER_PAGE = 100


@dataclass(frozen=True)
class ListSpec:
    """How a list may be ordered and how long a page is.

    ``sorts`` maps a public key to the SQL expression ordered by; ``tiebreak`` is a
    unique column appended to every order so pages never overlap or skip rows."""

    sorts: Mapping[str, Any]
    default_sort: str
    tiebreak: Any
    default_dir: str = "asc"
    per_page: int = 25


@dataclass
class ListArgs:
    """The parsed ``page``/``sort``/``dir``/``q`` of a request, already validated."""

    page: int = 1
    sort: str = ""
    direction: str = "asc"
    q: str = ""
    per_page: int = 25
    extra: dict = field(default_factory=dict)


def list_args(args: Mapping[str, str], spec: ListSpec, **extra) -> ListArgs:
    """Read the list arguments of a request (``request.args``) against ``spec``.

    A page below 1 or not a number is page 1; an unknown sort key is the default;
    the search text is trimmed and cut at 100 characters."""
    try:
        page = max(1, int(args.get("page", 1)))
    except (TypeError, ValueError):
        page = 1
    sort = args.get("sort", "") or ""
    if sort not in spec.sorts:
        sort = spec.default_sort
    direction = args.get("dir", "") or ""
    if direction not in ("asc", "desc"):
        direction = spec.default_dir if sort == spec.default_sort else "asc"
    q = (args.get("q", "") or "").strip()[:100]
    try:
        per_page = int(args.get("per_page", spec.per_page))
    except (TypeError, ValueError):
        per_page = spec.per_page
    return ListArgs(page=page, sort=sort, direction=direction, q=q, per_page=min(max(per_page, 1), MAX_PER_PAGE),
                    extra=extra)


def like_pattern(text: str) -> str:
    """``%text%`` for a case-insensitive LIKE, with LIKE's wildcards escaped (escape char ``\\``)."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search(stmt, text: str, *columns):
    """``stmt`` narrowed to rows where any of ``columns`` contains ``text`` (case-insensitive)."""
    if not text:
        return stmt
    pattern = like_pattern(text)
    return stmt.where(sa.or_(*(sa.func.lower(c).like(pattern, escape="\\") for c in columns)))


def ordered(stmt, spec: ListSpec, args: ListArgs):
    """``stmt`` ordered by the chosen sort key then the tie-break column, same direction."""
    col = spec.sorts[args.sort]
    if args.direction == "desc":
        return stmt.order_by(sa.desc(col), sa.desc(spec.tiebreak))
    return stmt.order_by(sa.asc(col), sa.asc(spec.tiebreak))


@dataclass
class Page:
    """One page of a list. ``items`` are the rows; ``total`` is None for keyset pages.

    Offset pages carry ``page``/``pages``/``prev_num``/``next_num``; keyset pages carry
    ``next_cursor``/``prev_cursor`` (strings for the ``after``/``before`` arguments)."""

    items: list
    args: ListArgs
    total: int | None = None
    has_next: bool = False
    has_prev: bool = False
    next_cursor: str | None = None
    prev_cursor: str | None = None

    @property
    def page(self) -> int:
        return self.args.page

    @property
    def per_page(self) -> int:
        return self.args.per_page

    @property
    def pages(self) -> int:
        if self.total is None:
            return 0
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None

    @property
    def sort(self) -> str:
        return self.args.sort

    @property
    def direction(self) -> str:
        return self.args.direction

    @property
    def q(self) -> str:
        return self.args.q

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def paginate(session, stmt, spec: ListSpec, args: ListArgs, *, scalars: bool = True,
             count_stmt=None) -> Page:
    """Offset pagination: the total (one COUNT) and the rows of page ``args.page`` (one SELECT).

    ``stmt`` is an unordered select (searched already); a page past the end shows the
    last page. ``scalars`` False returns rows (tuples) instead of the first entity."""
    total = session.execute(count_stmt if count_stmt is not None else
                            sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
    pages = max(1, math.ceil(total / args.per_page))
    if args.page > pages:
        args.page = pages
    result = session.execute(ordered(stmt, spec, args).limit(args.per_page).offset((args.page - 1) * args.per_page))
    items = list(result.scalars() if scalars else result.all())
    return Page(items=items, args=args, total=total, has_prev=args.page > 1, has_next=args.page < pages)


# ------------------------------------------------------------------ keyset

def _encode(value) -> str:
    if isinstance(value, datetime):
        return "t" + value.isoformat()
    return "i" + str(int(value))


def _decode(text: str):
    if text.startswith("t"):
        return datetime.fromisoformat(text[1:])
    return int(text[1:])


def encode_cursor(values: tuple) -> str:
    """A cursor string for a row's key values (datetimes and integers)."""
    return "~".join(_encode(v) for v in values)


def decode_cursor(text: str | None, size: int) -> tuple | None:
    """The key values of a cursor, or None when it is missing or malformed."""
    if not text:
        return None
    try:
        parts = tuple(_decode(p) for p in text.split("~"))
    except (ValueError, TypeError):
        return None
    if len(parts) != size or any(isinstance(p, datetime) and p.tzinfo is None for p in parts):
        return None
    return parts


def _beyond(columns, values, older: bool):
    """Rows strictly after ``values`` in descending order (``older``) or before them."""
    (col, val), rest = (columns[0], values[0]), (columns[1:], values[1:])
    cmp = col < val if older else col > val
    if not rest[0]:
        return cmp
    return sa.or_(cmp, sa.and_(col == val, _beyond(rest[0], rest[1], older)))


def keyset(session, stmt, key: tuple, args: Mapping[str, str], *, per_page: int = 50,
           row_key: Callable[[Any], tuple]) -> Page:
    """Newest-first keyset pagination over the unique key ``key`` (columns, e.g.
    ``(created_at, id)``): ``after`` shows the rows older than a cursor, ``before``
    the rows newer than it. One SELECT of ``per_page + 1`` rows, whatever the table size.

    ``row_key(item)`` gives an item's key values for the cursors."""
    try:
        per_page = int(args.get("per_page", per_page))
    except (TypeError, ValueError):
        pass
    per_page = min(max(per_page, 1), MAX_PER_PAGE)
    after = decode_cursor(args.get("after"), len(key))
    before = None if after else decode_cursor(args.get("before"), len(key))
    if before is not None:
        rows = list(session.execute(stmt.where(_beyond(key, before, older=False))
                                    .order_by(*(sa.asc(c) for c in key)).limit(per_page + 1)).scalars())
        has_prev = len(rows) > per_page
        items = list(reversed(rows[:per_page]))
        has_next = True
    else:
        q = stmt.where(_beyond(key, after, older=True)) if after is not None else stmt
        rows = list(session.execute(q.order_by(*(sa.desc(c) for c in key)).limit(per_page + 1)).scalars())
        has_next = len(rows) > per_page
        items = rows[:per_page]
        has_prev = after is not None
    page = Page(items=items, args=ListArgs(per_page=per_page), has_next=has_next and bool(items),
                has_prev=has_prev and bool(items))
    if items:
        page.next_cursor = encode_cursor(row_key(items[-1])) if page.has_next else None
        page.prev_cursor = encode_cursor(row_key(items[0])) if page.has_prev else None
    return page
