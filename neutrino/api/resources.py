"""Falcon resources, generated per API resource from its definition. They only
translate HTTP to plugin calls: parse, validate, call, render."""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import falcon
import orjson

from neutrino import exceptions as exc
from neutrino.api import body, memory, query, render
from neutrino.api.authz import Authz
from neutrino.context import Context
from neutrino.definitions.base import MemberAction as Action, ResourceSpec
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

    # Keyword arguments naming the parent, for plugins of ``ids_per_parent`` resources.
    def scope(self, parent_id: str | None) -> dict[str, str]:
        return {"parent_id": parent_id} if self.spec.resource.ids_per_parent else {}

    def show(self, req: falcon.Request, id: str, fields: list[str] | None = None,
             parent_id: str | None = None) -> dict:
        """The item as the caller may see it; not found when it may not."""
        ctx, d = self.decisions(req)
        item = self.plugin.get(ctx, id, self.authz.read_fields(fields), **self.scope(parent_id))
        shown = self.authz.readable(d, [item])
        if not shown:
            raise self.plugin_not_found(id)
        return shown[0]

    def plugin_not_found(self, id: str) -> exc.NeutronException:
        return getattr(self.plugin, "not_found", exc.ResourceNotFound)(
            id=id, resource=self.spec.name)


class Collection(_Base):
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        self.list_items(req, resp)

    def list_items(self, req: falcon.Request, resp: falcon.Response,
                   scope: dict[str, list] | None = None) -> None:
        """A list; ``scope`` adds filters the URL implies (a sub-resource's parent)."""
        ctx, d = self.decisions(req)
        params = query.params_of(req.query_string)
        q = query.parse_list(self.spec, params, self.conf,
                             validate_filters=self.api.has("filter-validation"),
                             empty_string_filtering=self.api.has("empty-string-filtering"))
        if scope:
            q.filters.update(scope)
        wanted = q.fields
        q.fields = self.authz.read_fields(wanted)
        with memory.collection_paused():
            items = self.authz.readable(d, self.plugin.list(ctx, q))
            q.fields = wanted
            payload = {self.spec.collection: render.shape(self.spec, items, q.fields)}
            if q.limit:
                payload.update(query.pagination_links(req.prefix + req.path, params, items, q,
                                                      self.spec.collection,
                                                      self.spec.resource.id_attribute))
            _json(resp, payload)
            # Freed here, while collection is still paused: the first collection after it
            # would otherwise walk every one of them once more.
            del items, payload

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        self.create_items(req, resp)

    def create_items(self, req: falcon.Request, resp: falcon.Response,
                     scope: dict[str, Any] | None = None) -> None:
        """A create; ``scope`` sets attributes the URL implies (a sub-resource's parent)."""
        self.require_writable()
        if not self.spec.resource.creatable:
            raise falcon.HTTPMethodNotAllowed(["GET"])
        ctx, d = self.decisions(req)
        items, explicit, bulk = body.parse_create(self.spec, body.read_json(req), ctx)
        if scope:
            for item in items:
                item.update(scope)
        self.authz.check_create(d, items, explicit)
        created = self.authz.readable(d, self.plugin.create_bulk(ctx, items), drop=False)
        shaped = render.shape(self.spec, created, None)
        _json(resp, {self.spec.collection: shaped} if bulk else {self.spec.member_key: shaped[0]}, 201)


class Member(_Base):
    def on_get(self, req: falcon.Request, resp: falcon.Response, id: str) -> None:
        self.show_item(req, resp, id)

    def show_item(self, req: falcon.Request, resp: falcon.Response, id: str,
                  check: Callable[[dict], None] | None = None,
                  parent_id: str | None = None) -> None:
        fields = [f for v in query.params_of(req.query_string).get("fields", [])
                  for f in v.split(",") if f] or None
        item = self.show(req, id, fields if check is None or not fields
                         else [*fields, *self.scope_keys], parent_id)
        if check is not None:
            check(item)
        _json(resp, {self.spec.member_key: render.shape(self.spec, [item], fields)[0]})

    scope_keys: tuple[str, ...] = ()

    def on_put(self, req: falcon.Request, resp: falcon.Response, id: str) -> None:
        self.update_item(req, resp, id)

    def update_item(self, req: falcon.Request, resp: falcon.Response, id: str,
                    check: Callable[[dict], None] | None = None,
                    parent_id: str | None = None) -> None:
        self.require_writable()
        ctx, d = self.decisions(req)
        changes = body.parse_update(self.spec, body.read_json(req))
        item = self.plugin.update(ctx, id, changes, body.if_match_revision(req),
                                  authorize=_checked(check, self.authz.for_update(d, changes)),
                                  **self.scope(parent_id))
        item = self.authz.readable(d, [item], drop=False)[0]
        _json(resp, {self.spec.member_key: render.shape(self.spec, [item], None)[0]})

    def on_delete(self, req: falcon.Request, resp: falcon.Response, id: str) -> None:
        self.delete_item(req, resp, id)

    def delete_item(self, req: falcon.Request, resp: falcon.Response, id: str,
                    check: Callable[[dict], None] | None = None,
                    parent_id: str | None = None) -> None:
        self.require_writable()
        ctx, d = self.decisions(req)
        self.plugin.delete(ctx, id, body.if_match_revision(req),
                           authorize=_checked(check, self.authz.for_delete(d)),
                           **self.scope(parent_id))
        resp.status = 204


def _checked(check: Callable[[dict], None] | None,
             authorize: Callable[[Any, dict], None]) -> Callable[[Any, dict], None]:
    if check is None:
        return authorize

    def both(conn: Any, original: dict) -> None:
        check(original)
        authorize(conn, original)
    return both


class ParentRoute:
    """The parent of a sub-resource, named by the URL: it must exist and be visible
    to the caller (else the parent's not-found error)."""

    def __init__(self, spec: ResourceSpec, plugin: Any, authz: Authz, key: str) -> None:
        self.spec = spec
        self.plugin = plugin
        self.authz = authz
        self.key = key

    def check(self, req: falcon.Request, parent_id: str, policy: Policy) -> None:
        ctx = req.context.neutrino
        item = self.plugin.get(ctx, parent_id, self.authz.read_fields(["id"]))
        if not self.authz.readable(policy.request(ctx), [item]):
            raise self.plugin.not_found(id=parent_id)


def _member_of(key: str, parent_id: str, sub_id: str,
               not_found: Callable[[str], Exception]) -> Callable[[dict], None]:
    """A check that a sub-resource belongs to the parent the URL names."""
    def check(item: dict) -> None:
        if item.get(key) != parent_id:
            raise not_found(sub_id)
    return check


class SubCollection(Collection):
    """/v2.0/<parent>/{id}/<collection>: the parent's id comes from the URL."""

    def __init__(self, spec: ResourceSpec, plugin: Any, env: Env, authz: Authz,
                 parent: ParentRoute) -> None:
        super().__init__(spec, plugin, env, authz)
        self.parent = parent

    def on_get(self, req: falcon.Request, resp: falcon.Response, id: str) -> None:
        self.parent.check(req, id, self.policy)
        self.list_items(req, resp, {self.parent.key: [id]})

    def on_post(self, req: falcon.Request, resp: falcon.Response, id: str) -> None:
        self.authz.refuse_untargeted(self.policy.request(req.context.neutrino), "create")
        self.parent.check(req, id, self.policy)
        self.create_items(req, resp, {self.parent.key: id})


class SubMember(Member):
    """/v2.0/<parent>/{id}/<collection>/{sub_id}: a member of that parent only."""

    def __init__(self, spec: ResourceSpec, plugin: Any, env: Env, authz: Authz,
                 parent: ParentRoute) -> None:
        super().__init__(spec, plugin, env, authz)
        self.parent = parent
        self.scope_keys = (parent.key,)

    def _of(self, parent_id: str, sub_id: str) -> Callable[[dict], None]:
        return _member_of(self.parent.key, parent_id, sub_id, self.plugin_not_found)

    def on_get(self, req: falcon.Request, resp: falcon.Response, id: str, sub_id: str) -> None:
        self.parent.check(req, id, self.policy)
        self.show_item(req, resp, sub_id, self._of(id, sub_id), id)

    def on_put(self, req: falcon.Request, resp: falcon.Response, id: str, sub_id: str) -> None:
        self.parent.check(req, id, self.policy)
        self.update_item(req, resp, sub_id, self._of(id, sub_id), id)

    def on_delete(self, req: falcon.Request, resp: falcon.Response, id: str,
                  sub_id: str) -> None:
        self.parent.check(req, id, self.policy)
        self.delete_item(req, resp, sub_id, self._of(id, sub_id), id)


class MemberAction(_Base):
    """PUT (or GET) /v2.0/<collection>/{id}/<action>: its own body, rule and plugin method."""

    def __init__(self, spec: ResourceSpec, plugin: Any, env: Env, authz: Authz,
                 action: Action, parent: ParentRoute | None = None) -> None:
        super().__init__(spec, plugin, env, authz)
        self.action = action
        self.parent = parent
        setattr(self, f"on_{action.method}", self._run)

    def _run(self, req: falcon.Request, resp: falcon.Response, id: str,
             sub_id: str | None = None) -> None:
        """``id``: the member's; for a sub-resource the parent's, ``sub_id`` the member's."""
        ctx, d = self.decisions(req)
        authorize = self.authz.for_action(d, self.action.rule_name)
        if self.parent is not None:
            self.parent.check(req, id, self.policy)
            authorize = _checked(_member_of(self.parent.key, id, sub_id, self.plugin_not_found),
                                 authorize)
            id = sub_id
        if self.action.request is None:  # a read (GET): no body
            _json(resp, self.plugin.member_view(ctx, id, self.action.name, authorize=authorize))
            return
        payload = body.read_json(req)
        try:
            request = self.action.request.convert(payload)
        except ValueError as err:
            raise exc.HTTPBadRequest(f"Invalid input for {self.action.name}. "
                                     f"Reason: {err}.") from None
        _json(resp, self.plugin.member_action(ctx, id, self.action.name, request,
                                              authorize=authorize))


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
