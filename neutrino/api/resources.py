"""Falcon resources, generated per API resource from its definition. They only
translate HTTP to plugin calls: parse, validate, call, render."""
from __future__ import annotations

import json
from typing import Any

import falcon
import orjson

from neutrino import exceptions as exc
from neutrino.api import body, query, render
from neutrino.api.authz import Authz
from neutrino.context import Context
from neutrino.definitions.base import ResourceSpec
from neutrino.policy import Decisions, Policy
from neutrino.definitions.kinds import ListOf, String

TAG_KIND = String(255, min_len=1)
TAGS_KIND = ListOf(TAG_KIND, unique=True)


def _json(resp: falcon.Response, payload: Any, status: int = 200) -> None:
    resp.status = status
    resp.content_type = falcon.MEDIA_JSON
    try:
        resp.data = orjson.dumps(payload)
    except TypeError:
        # orjson stops at 64-bit integers; IPv6 address counts go beyond (2**64 per /64).
        resp.data = json.dumps(payload, separators=(",", ":")).encode()


class Env:
    """What every API resource shares: the loaded API, configuration and policy."""

    def __init__(self, api: Any, conf: Any, policy: Policy) -> None:
        self.api = api
        self.conf = conf
        self.policy = policy


class _Base:
    def __init__(self, spec: ResourceSpec, plugin: Any, env: Env, authz: Authz) -> None:
        self.spec = spec
        self.plugin = plugin
        self.api = env.api
        self.conf = env.conf
        self.policy = env.policy
        self.authz = authz

    def decisions(self, req: falcon.Request) -> tuple[Context, Decisions]:
        ctx = req.context.neutrino
        return ctx, self.policy.request(ctx)

    def require_writable(self) -> None:
        if not self.spec.resource.writable:
            raise falcon.HTTPMethodNotAllowed(["GET"])

    def show(self, req: falcon.Request, id: str, fields: list[str] | None = None) -> dict:
        """The item as the caller may see it; not found when it may not."""
        ctx, d = self.decisions(req)
        item = self.plugin.get(ctx, id, self.authz.read_fields(fields))
        shown = self.authz.readable(d, [item])
        if not shown:
            raise self.plugin_not_found(id)
        return shown[0]

    def plugin_not_found(self, id: str) -> exc.NeutronException:
        return getattr(self.plugin, "not_found", exc.ResourceNotFound)(
            id=id, resource=self.spec.name)


class Collection(_Base):
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        ctx, d = self.decisions(req)
        params = query.params_of(req.query_string)
        q = query.parse_list(self.spec, params, self.conf,
                             validate_filters=self.api.has("filter-validation"),
                             empty_string_filtering=self.api.has("empty-string-filtering"))
        self.authz.check_query(d, q)
        wanted = q.fields
        q.fields = self.authz.read_fields(wanted)
        items = self.authz.readable(d, self.plugin.list(ctx, q))
        q.fields = wanted
        payload = {self.spec.collection: render.shape(self.spec, items, q.fields)}
        if q.limit:
            payload.update(query.pagination_links(req.prefix + req.path, params, items, q,
                                                  self.spec.collection,
                                                  self.spec.resource.id_attribute))
        _json(resp, payload)

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        self.require_writable()
        ctx, d = self.decisions(req)
        items, explicit, bulk = body.parse_create(self.spec, body.read_json(req), ctx)
        self.authz.check_create(d, items, explicit)
        created = self.authz.readable(d, self.plugin.create_bulk(ctx, items), drop=False)
        shaped = render.shape(self.spec, created, None)
        _json(resp, {self.spec.collection: shaped} if bulk else {self.spec.name: shaped[0]}, 201)


class Member(_Base):
    def on_get(self, req: falcon.Request, resp: falcon.Response, id: str) -> None:
        fields = [f for v in query.params_of(req.query_string).get("fields", [])
                  for f in v.split(",") if f] or None
        item = self.show(req, id, fields)
        _json(resp, {self.spec.name: render.shape(self.spec, [item], fields)[0]})

    def on_put(self, req: falcon.Request, resp: falcon.Response, id: str) -> None:
        self.require_writable()
        ctx, d = self.decisions(req)
        changes = body.parse_update(self.spec, body.read_json(req))
        item = self.plugin.update(ctx, id, changes, body.if_match_revision(req),
                                  authorize=self.authz.for_update(d, changes))
        item = self.authz.readable(d, [item], drop=False)[0]
        _json(resp, {self.spec.name: render.shape(self.spec, [item], None)[0]})

    def on_delete(self, req: falcon.Request, resp: falcon.Response, id: str) -> None:
        self.require_writable()
        ctx, d = self.decisions(req)
        self.plugin.delete(ctx, id, body.if_match_revision(req), authorize=self.authz.for_delete(d))
        resp.status = 204


def _tags_from(payload: Any) -> list[str]:
    if not isinstance(payload, dict) or "tags" not in payload:
        raise exc.HTTPBadRequest("Invalid tags body: {\"tags\": [...]} expected")
    try:
        return TAGS_KIND.convert(payload["tags"])
    except ValueError as err:
        raise exc.HTTPBadRequest(f"Invalid input for tags. Reason: {err}.") from None


def _tag(tag: str) -> str:
    try:
        return TAG_KIND.convert(tag)
    except ValueError as err:
        raise exc.HTTPBadRequest(f"Invalid input for tag. Reason: {err}.") from None


class _TagsBase(_Base):
    def change_tags(self, req: falcon.Request, id: str, change: Any,
                    if_revision: int | None) -> list[str]:
        ctx, d = self.decisions(req)
        return self.plugin.change_tags(ctx, id, change, if_revision,
                                       authorize=self.authz.for_update(d, {}))


class Tags(_TagsBase):
    """/<collection>/{id}/tags"""

    def on_get(self, req: falcon.Request, resp: falcon.Response, id: str) -> None:
        _json(resp, {"tags": self.show(req, id, ["tags"])["tags"]})

    def on_put(self, req: falcon.Request, resp: falcon.Response, id: str) -> None:
        tags = _tags_from(body.read_json(req))
        new = self.change_tags(req, id, lambda _cur: tags,
                                      body.if_match_revision(req))
        _json(resp, {"tags": new})

    def on_post(self, req: falcon.Request, resp: falcon.Response, id: str) -> None:
        tags = _tags_from(body.read_json(req))
        new = self.change_tags(req, id, lambda cur: [*cur, *tags],
                                      body.if_match_revision(req))
        _json(resp, {"tags": new}, 201)

    def on_delete(self, req: falcon.Request, resp: falcon.Response, id: str) -> None:
        self.change_tags(req, id, lambda _cur: [],
                                body.if_match_revision(req))
        resp.status = 204


class Tag(_TagsBase):
    """/<collection>/{id}/tags/{tag}"""

    def on_get(self, req: falcon.Request, resp: falcon.Response, id: str, tag: str) -> None:
        if tag not in self.show(req, id, ["tags"])["tags"]:
            raise exc.TagNotFound(tag=tag, resource=self.spec.name, resource_id=id)
        resp.status = 204

    def on_put(self, req: falcon.Request, resp: falcon.Response, id: str, tag: str) -> None:
        tag = _tag(tag)
        self.change_tags(req, id, lambda cur: [*cur, tag],
                                body.if_match_revision(req))
        resp.status = 201

    def on_delete(self, req: falcon.Request, resp: falcon.Response, id: str, tag: str) -> None:
        def without(current: list[str]) -> list[str]:
            if tag not in current:
                raise exc.TagNotFound(tag=tag, resource=self.spec.name, resource_id=id)
            return [t for t in current if t != tag]
        self.change_tags(req, id, without, body.if_match_revision(req))
        resp.status = 204
