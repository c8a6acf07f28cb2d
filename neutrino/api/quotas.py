"""/v2.0/quotas: per-project limits. Not a standard-attribute resource (its
attributes are the quota resources the registry knows), so it has its own small
Falcon resources; like the generated ones they only parse, call and render.

POST (and PUT/DELETE on the collection) answer 405, as Neutron's API does.
"""
from __future__ import annotations

from typing import Any

import falcon

from neutrino import exceptions as exc
from neutrino.api import body
from neutrino.api.resources import _json
from neutrino.context import Context
from neutrino.core.quotas import QuotaPlugin
from neutrino.definitions import Api
from neutrino.definitions.kinds import Kind
from neutrino.definitions.quotas import FLAGS, PROJECT_ID, QUOTA_LIMIT
from neutrino.policy import Policy

READ_ONLY = ("project_id", "tenant_id")


def _no_post(allowed: list[str]) -> falcon.HTTPMethodNotAllowed:
    return falcon.HTTPMethodNotAllowed(
        allowed, description="POST requests are not supported on this resource.")


def _convert(kind: Kind, name: str, value: Any) -> Any:
    try:
        return kind.convert(value)
    except ValueError as err:
        raise exc.HTTPBadRequest(f"Invalid input for {name}. Reason: {err}.") from None


def parse_update(payload: Any, names: tuple[str, ...]) -> tuple[dict[str, int], bool]:
    """The limits a PUT sets, and whether it forces them below current usage."""
    if not isinstance(payload, dict) or "quota" not in payload or len(payload) != 1:
        raise exc.HTTPBadRequest("Unable to find 'quota' in request body")
    item = payload["quota"]
    if not isinstance(item, dict):
        raise exc.HTTPBadRequest("'quota' must be a JSON object")
    unknown = sorted(k for k in item if k not in names and k not in FLAGS and k not in READ_ONLY)
    if unknown:
        raise exc.HTTPBadRequest(f"Unrecognized attribute(s) '{', '.join(unknown)}'")
    for key in READ_ONLY:
        if key in item:
            raise exc.HTTPBadRequest(f"Cannot update read-only attribute {key}")
    flags = {k: _convert(kind, k, item[k]) for k, kind in FLAGS.items() if k in item}
    limits = {k: _convert(QUOTA_LIMIT, k, v) for k, v in item.items() if k in names}
    return limits, flags.get("force", False)


class _Base:
    def __init__(self, plugin: QuotaPlugin, policy: Policy) -> None:
        self.plugin = plugin
        self.policy = policy

    def authorize(self, req: falcon.Request, action: str, project_id: str,
                  denied: type[exc.NotAuthorized] = exc.PolicyNotAuthorized) -> Context:
        """Check ``action`` on the project's quota. A change denied to a caller that
        may not even read the quota is a 404, as Neutron answers."""
        ctx = req.context.neutrino
        d = self.policy.request(ctx)
        target = {"project_id": project_id, "tenant_id": project_id}
        if d.can(action, target):
            return ctx
        if action != "get_quota" and not d.can("get_quota", target):
            raise exc.HTTPNotFound()
        if denied is exc.AdminRequired:
            raise exc.AdminRequired(reason="Only admin is authorized to access quotas for "
                                    "another tenant")
        raise denied(action=action)


class Quotas(_Base):
    """/v2.0/quotas"""

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        ctx = req.context.neutrino
        d = self.policy.request(ctx)
        if not d.can("context_is_admin", {}):
            raise exc.AdminRequired(reason="Only admin can view or configure quota")
        _json(resp, {"quotas": self.plugin.list(ctx)})

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        raise _no_post(["GET"])


class Quota(_Base):
    """/v2.0/quotas/{project_id}"""

    def on_get(self, req: falcon.Request, resp: falcon.Response, project_id: str) -> None:
        ctx = self.authorize(req, "get_quota", project_id)
        _json(resp, {"quota": self.plugin.get(ctx, project_id)})

    def on_put(self, req: falcon.Request, resp: falcon.Response, project_id: str) -> None:
        project_id = _convert(PROJECT_ID, "project_id", project_id)
        ctx = self.authorize(req, "update_quota", project_id)
        limits, force = parse_update(body.read_json(req), self.plugin.registry.names)
        _json(resp, {"quota": self.plugin.update(ctx, project_id, limits, force)})

    def on_delete(self, req: falcon.Request, resp: falcon.Response, project_id: str) -> None:
        ctx = self.authorize(req, "delete_quota", project_id)
        self.plugin.reset(ctx, project_id)
        resp.status = 204

    def on_post(self, req: falcon.Request, resp: falcon.Response, project_id: str) -> None:
        raise _no_post(["GET", "PUT", "DELETE"])


class QuotaDefault(_Base):
    """/v2.0/quotas/{project_id}/default"""

    def on_get(self, req: falcon.Request, resp: falcon.Response, project_id: str) -> None:
        ctx = self.authorize(req, "get_quota", project_id)
        _json(resp, {"quota": self.plugin.get_defaults(ctx, project_id)})


class QuotaDetails(_Base):
    """/v2.0/quotas/{project_id}/details"""

    def on_get(self, req: falcon.Request, resp: falcon.Response, project_id: str) -> None:
        ctx = self.authorize(req, "get_quota", project_id, denied=exc.AdminRequired)
        _json(resp, {"quota": self.plugin.details(ctx, project_id)})


class CallerProject(_Base):
    """/v2.0/quotas/project (and the older /v2.0/quotas/tenant): who am I."""

    def __init__(self, plugin: QuotaPlugin, policy: Policy, key: str) -> None:
        super().__init__(plugin, policy)
        self.key = key

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        project_id = self.plugin.caller_project(req.context.neutrino)
        _json(resp, {self.key: {f"{self.key}_id": project_id}})


def install(app: falcon.App, plugin: QuotaPlugin, api: Api, policy: Policy) -> None:
    base = "/v2.0/quotas"
    app.add_route(base, Quotas(plugin, policy))
    # Literal segments win over {project_id} in Falcon's router.
    app.add_route(base + "/project", CallerProject(plugin, policy, "project"))
    app.add_route(base + "/tenant", CallerProject(plugin, policy, "tenant"))
    app.add_route(base + "/{project_id}", Quota(plugin, policy))
    app.add_route(base + "/{project_id}/default", QuotaDefault(plugin, policy))
    if api.has("quota_details"):
        app.add_route(base + "/{project_id}/details", QuotaDetails(plugin, policy))
