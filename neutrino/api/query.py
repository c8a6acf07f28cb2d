"""List query strings: filters, fields, sorting and pagination, checked against the
resource definition. Unknown filters and sort keys are a 400 (filter-validation,
sort-key-validation); values go through the attribute's kind."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from falcon.uri import parse_query_string

from neutrino import exceptions as exc
from neutrino.core.listing import ListQuery
from neutrino.definitions.base import ResourceSpec
from neutrino.definitions.kinds import Nullable, String

MAX_LIMIT = 2**62
RESERVED = frozenset({"fields", "sort_key", "sort_dir", "limit", "marker", "page_reverse"})
TAG_FILTERS = frozenset({"tags", "tags-any", "not-tags", "not-tags-any"})


def params_of(query_string: str) -> dict[str, list[str]]:
    parsed = parse_query_string(query_string, keep_blank=True, csv=False)
    params = {k: v if isinstance(v, list) else [v] for k, v in parsed.items()}
    for key, values in params.items():
        # Nothing stored holds NUL, and PostgreSQL cannot compare text with it.
        if "\x00" in key or any("\x00" in v for v in values):
            raise exc.HTTPBadRequest(f"Query parameter {key!r} contains a NUL character")
    return params


def parse_list(spec: ResourceSpec, params: dict[str, list[str]], conf: Any,
               validate_filters: bool, empty_string_filtering: bool) -> ListQuery:
    query = ListQuery()
    invalid = []
    filterable = spec.filterable
    for key, values in params.items():
        if key in RESERVED:
            continue
        if key not in filterable:
            invalid.append(key)
            continue
        converted = _filter_values(spec, key, values, empty_string_filtering)
        if converted:
            query.filters[key] = converted
    if invalid and validate_filters:
        raise exc.HTTPBadRequest(f"{sorted(invalid)} is invalid attribute for filtering")
    query.fields = [f for v in params.get("fields", []) for f in v.split(",") if f] or None
    _parse_sort(spec, params, query)
    _parse_page(params, query, conf)
    return query


def _filter_values(spec: ResourceSpec, key: str, values: list[str], keep_empty: bool) -> list:
    if key in TAG_FILTERS:
        return [t for v in values for t in v.split(",") if t]
    if key == "changed_since":
        return [_timestamp(v) for v in values]
    attr = spec.attributes.get(key)
    if attr is None:  # a non-attribute filter a plugin interprets itself
        return [v for v in values if v != ""]
    kind = attr.filter_kind or attr.kind
    out = []
    for value in values:
        if value == "":
            if keep_empty and isinstance(kind, (String, Nullable)) and (
                    isinstance(kind, String) or isinstance(kind.inner, String)):
                out.append("")
            continue
        try:
            out.append(kind.from_query(value))
        except ValueError as err:
            raise exc.HTTPBadRequest(f"Invalid input for {key}. Reason: {err}.") from None
    return out


def _timestamp(value: str) -> str:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise exc.HTTPBadRequest(f"Invalid input for changed_since. Reason: '{value}' is not an "
                                 "ISO 8601 timestamp.") from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC)
    return parsed.strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_sort(spec: ResourceSpec, params: dict[str, list[str]], query: ListQuery) -> None:
    keys, dirs = params.get("sort_key", []), params.get("sort_dir", [])
    if dirs and len(keys) != len(dirs):
        raise exc.HTTPBadRequest("The number of sort_keys and sort_dirs must be same")
    bad = [k for k in keys if k not in spec.sortable]
    if bad:
        raise exc.HTTPBadRequest(f"{bad} is invalid attribute for sort_keys")
    bad_dirs = [d for d in dirs if d not in ("asc", "desc")]
    if bad_dirs:
        raise exc.HTTPBadRequest(f"{bad_dirs} is invalid value for sort_dirs, valid value is "
                                 "'asc' and 'desc'")
    dirs = dirs or ["asc"] * len(keys)
    query.sorts = [(k, d == "asc") for k, d in zip(keys, dirs)]


def _parse_page(params: dict[str, list[str]], query: ListQuery, conf: Any) -> None:
    limit_values = params.get("limit")
    if limit_values:
        raw = limit_values[-1]
        try:
            limit = int(raw)
        except ValueError:
            limit = -1
        if limit < 0:
            raise exc.HTTPBadRequest(f"Limit must be an integer 0 or greater and not '{raw}'")
        cap = conf.pagination_max_limit
        if cap > 0 and (limit == 0 or limit > cap):
            limit = cap
        # More than any table holds means all of it; the databases' LIMIT is 64-bit.
        query.limit = min(limit, MAX_LIMIT) or None
    elif conf.pagination_max_limit > 0:
        query.limit = conf.pagination_max_limit
    if params.get("marker"):
        query.marker = params["marker"][-1]
    query.page_reverse = params.get("page_reverse", ["false"])[-1].lower() == "true"


def pagination_links(base_url: str, params: dict[str, list[str]], items: list[dict],
                     query: ListQuery, collection: str, id_key: str = "id") -> dict:
    """The ``<collection>_links`` block (next / previous) of a paginated list."""
    if not query.limit:
        return {}
    keep = [(k, v) for k, values in params.items() if k not in ("marker", "page_reverse")
            for v in values]
    if "limit" not in params:
        keep.append(("limit", str(query.limit)))
    links = []
    short = len(items) < query.limit
    # As Neutron: a page that is short in its own direction has no link onwards, but
    # always one back -- an empty page's back link has no marker, so walking back from
    # past the end starts with the last page (Tempest's href-link tests do exactly that).
    if not (short and not query.page_reverse):
        marker = [("marker", items[-1][id_key])] if items else []
        links.append({"rel": "next", "href": base_url + "?" + urlencode(keep + marker)})
    if not (short and query.page_reverse):
        marker = [("marker", items[0][id_key])] if items else []
        links.append({"rel": "previous", "href": base_url + "?" + urlencode(
            keep + marker + [("page_reverse", "True")])})
    return {f"{collection}_links": links}
