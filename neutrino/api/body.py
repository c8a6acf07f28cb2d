"""Request bodies: parsed and checked against the resource definition before any
database work. Every failure is a 400 naming the attribute."""
from __future__ import annotations

from typing import Any

import falcon
import orjson

from neutrino import exceptions as exc
from neutrino.context import Context
from neutrino.definitions.base import ResourceSpec


def read_json(req: falcon.Request) -> Any:
    raw = req.bounded_stream.read()
    if not raw:
        raise exc.HTTPBadRequest("The request body is empty; a JSON object was expected.")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as err:
        raise exc.HTTPBadRequest(f"Malformed JSON in request body: {err}") from None


def _convert(spec: ResourceSpec, name: str, value: Any) -> Any:
    try:
        return spec.attributes[name].kind.convert(value)
    except ValueError as err:
        raise exc.HTTPBadRequest(f"Invalid input for {name}. Reason: {err}.") from None


def _check_keys(spec: ResourceSpec, item: dict, allowed: str) -> None:
    unknown = sorted(k for k in item if k not in spec.attributes)
    if unknown:
        raise exc.HTTPBadRequest(f"Unrecognized attribute(s) '{', '.join(unknown)}'")
    for key in item:
        attr = spec.attributes[key]
        if allowed == "post" and not attr.post:
            raise exc.HTTPBadRequest(f"Attribute '{key}' not allowed in POST")
        if allowed == "put" and not attr.put:
            raise exc.HTTPBadRequest(f"Cannot update read-only attribute {key}")


def parse_create(spec: ResourceSpec, payload: Any,
                 ctx: Context) -> tuple[list[dict], list[frozenset[str]], bool]:
    """The validated items of a POST (defaults filled in), the attributes each
    item set explicitly, and whether it was a bulk request."""
    if not isinstance(payload, dict):
        raise exc.HTTPBadRequest(f"Unable to find '{spec.member_key}' in request body")
    if spec.member_key in payload and len(payload) == 1:
        items, bulk = [payload[spec.member_key]], False
    elif spec.collection in payload and len(payload) == 1 and spec.resource.bulk:
        items, bulk = payload[spec.collection], True
        if not isinstance(items, list) or not items:
            raise exc.HTTPBadRequest(f"Resources required in '{spec.collection}' must be a "
                                     "non-empty list")
    else:
        raise exc.HTTPBadRequest(f"Unable to find '{spec.member_key}' in request body")
    if bulk:
        items = [_unwrap(spec, item) for item in items]
    parsed = [_create_item(spec, item, ctx) for item in items]
    explicit = [frozenset(item) | ({"project_id"} if "tenant_id" in item else set())
                for item in items]
    return parsed, explicit, bulk


def _unwrap(spec: ResourceSpec, item: Any) -> Any:
    """A bulk item may be wrapped in the singular key, as Neutron accepts:
    ``{"networks": [{"network": {...}}]}`` is ``{"networks": [{...}]}``."""
    if (isinstance(item, dict) and len(item) == 1 and spec.member_key in item
            and spec.member_key not in spec.attributes):
        return item[spec.member_key]
    return item


def _create_item(spec: ResourceSpec, item: Any, ctx: Context) -> dict:
    if not isinstance(item, dict):
        raise exc.HTTPBadRequest(f"'{spec.member_key}' must be a JSON object")
    _check_keys(spec, item, "post")
    out = {name: _convert(spec, name, value) for name, value in item.items()}
    for name, attr in spec.attributes.items():
        if name in out:
            continue
        if attr.required:
            raise exc.HTTPBadRequest(f"Failed to parse request. Required attribute '{name}' "
                                     "not specified")
        if attr.post and attr.has_static_default:
            out[name] = attr.static_default()
    if spec.resource.project_scoped:
        _owner(out, ctx)
    return out


def _owner(item: dict, ctx: Context) -> None:
    tenant, project = item.pop("tenant_id", None), item.get("project_id")
    if tenant and project and tenant != project:
        raise exc.HTTPBadRequest("'project_id' and 'tenant_id' do not match")
    owner = project or tenant or ctx.project_id
    if not owner:
        raise exc.HTTPBadRequest("Failed to parse request. Required attribute 'project_id' "
                                 "not specified")
    # As Neutron: only admins and service users may name another project (a 400, before
    # any policy check); whether they may create there is then the policy's call.
    if owner != ctx.project_id and not ctx.sees_all_projects:
        raise exc.HTTPBadRequest("Specifying 'project_id' other than the authenticated project "
                                 "in request is not allowed for the current user.")
    item["project_id"] = owner


def parse_update(spec: ResourceSpec, payload: Any) -> dict:
    if not isinstance(payload, dict) or spec.member_key not in payload or len(payload) != 1:
        raise exc.HTTPBadRequest(f"Unable to find '{spec.member_key}' in request body")
    item = payload[spec.member_key]
    if not isinstance(item, dict):
        raise exc.HTTPBadRequest(f"'{spec.member_key}' must be a JSON object")
    _check_keys(spec, item, "put")
    return {name: _convert(spec, name, value) for name, value in item.items()}


def if_match_revision(req: falcon.Request) -> int | None:
    """The revision of ``If-Match: revision_number=N``; other entity tags are ignored."""
    header = req.get_header("If-Match")
    if not header:
        return None
    revisions = []
    for tag in header.split(","):
        tag = tag.strip().strip('"')
        if tag.startswith("revision_number="):
            value = tag.partition("=")[2]
            try:
                revisions.append(int(value))
            except ValueError:
                raise exc.HTTPBadRequest(f"Invalid revision_number '{value}' in If-Match; "
                                         "an integer is required") from None
    if len(revisions) > 1:
        raise exc.HTTPBadRequest("Multiple revision_number constraints in If-Match")
    return revisions[0] if revisions else None
