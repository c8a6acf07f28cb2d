"""List queries: the parsed form of a list request and its translation to SQL.

The API layer parses and validates the query string into a ``ListQuery``;
plugins turn it into one SELECT with filters, sort order and keyset pagination.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Column, Select, and_, false, or_, select, tuple_  # noqa: F401

from neutrino import exceptions as exc


@dataclass
class ListQuery:
    filters: dict[str, list] = field(default_factory=dict)  # attribute -> any of these values
    sorts: list[tuple[str, bool]] = field(default_factory=list)  # (attribute, ascending)
    limit: int | None = None
    marker: str | None = None
    page_reverse: bool = False
    fields: list[str] | None = None

    @property
    def paginated(self) -> bool:
        return self.limit is not None


Filter = Callable[[Select, list], Select]


def apply_sort_and_page(conn, stmt: Select, query: ListQuery,
                        columns: dict[str, Column], id_column: Column,
                        marker_exists: Callable[[str], bool] | None = None) -> Select:
    """Order by the requested keys (id last, as tie-breaker) and apply the marker/limit."""
    keys = [(columns[name], asc) for name, asc in query.sorts]
    if not any(col is id_column for col, _asc in keys):
        keys.append((id_column, keys[-1][1] if keys else True))
    reverse = query.page_reverse and query.paginated
    if query.marker is not None and query.paginated:
        marker_row = conn.execute(select(*[c for c, _a in keys]).select_from(id_column.table)
                                  .where(id_column == query.marker)).first()
        if marker_row is None:
            raise exc.MarkerNotFound(marker=query.marker)
        stmt = stmt.where(_after(keys, tuple(marker_row), reverse))
    stmt = stmt.order_by(*[_order(col, asc != reverse) for col, asc in keys])
    if query.limit:
        stmt = stmt.limit(query.limit)
    return stmt


# NULL sorts lowest on every backend (as on MySQL and SQLite; PostgreSQL would put it
# highest), and the keyset comparisons below agree with that order.
def _nullable(col: Column) -> bool:
    # An extender's sort key is an expression, not a column: assume it may be NULL.
    return getattr(col, "nullable", True)


def _order(col: Column, forward: bool):
    if not _nullable(col):  # keep plain ORDER BY where indexes serve it as is
        return col.asc() if forward else col.desc()
    return col.asc().nulls_first() if forward else col.desc().nulls_last()


def _beyond(col: Column, value, forward: bool):
    """Rows strictly past ``value`` on one key, in that key's direction."""
    if value is None:
        return col.is_not(None) if forward else false()
    if forward:
        return col > value
    return or_(col < value, col.is_(None)) if _nullable(col) else col < value


def _same(col: Column, value):
    return col.is_(None) if value is None else col == value


def _after(keys: list[tuple[Column, bool]], values: tuple, reverse: bool):
    """Rows strictly after the marker in the (possibly reversed) order: a chain of
    (k1 > v1) or (k1 = v1 and k2 > v2) ..., honouring each key's direction."""
    clauses = []
    for i, (col, asc) in enumerate(keys):
        step = _beyond(col, values[i], asc != reverse)
        equal = [_same(keys[j][0], values[j]) for j in range(i)]
        clauses.append(and_(*equal, step) if equal else step)
    return or_(*clauses)


def column_filter(column: Column) -> Filter:
    def apply(stmt: Select, values: list) -> Select:
        return stmt.where(column.in_(values)) if len(values) > 1 else stmt.where(column == values[0])
    return apply


def page_in_memory(items: list[dict], query: ListQuery, id_key: str) -> list[dict]:
    """Sort and paginate items computed rather than stored, with the semantics of
    ``apply_sort_and_page``: the id is the last sort key, in the direction of the
    last requested one, and the marker is the id of the item to start after."""
    last_asc = query.sorts[-1][1] if query.sorts else True
    items = sorted(items, key=lambda i: i[id_key], reverse=not last_asc)
    for key, asc in reversed(query.sorts):
        items.sort(key=lambda i: (i[key] is not None, i[key]), reverse=not asc)  # NULL lowest
    if not query.paginated:
        return items
    if query.marker is not None:
        at = next((n for n, i in enumerate(items) if i[id_key] == query.marker), None)
        if at is None:
            raise exc.MarkerNotFound(marker=query.marker)
        items = items[:at] if query.page_reverse else items[at + 1:]
    return items[-query.limit:] if query.page_reverse else items[:query.limit]
