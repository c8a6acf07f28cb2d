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
from neutrino.core.quotas import QuotaPlugin
from neutrino.definitions import Api
from neutrino.definitions.kinds import Kind
from neutrino.definitions.quotas import FLAGS, PROJECT_ID, QUOTA_LIMIT

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
    def __init__(self, plugin: QuotaPlugin) -> None:
        self.plugin = plugin


class Quotas(_Base):
    """/v2.0/quotas"""

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        _json(resp, {"quotas": self.plugin.list(req.context.neutrino)})

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        raise _no_post(["GET"])


class Quota(_Base):
    """/v2.0/quotas/{project_id}"""

    def on_get(self, req: falcon.Request, resp: falcon.Response, project_id: str) -> None:
        _json(resp, {"quota": self.plugin.get(req.context.neutrino, project_id)})

    def on_put(self, req: falcon.Request, resp: falcon.Response, project_id: str) -> None:
        ctx = req.context.neutrino
        project_id = _convert(PROJECT_ID, "project_id", project_id)
        limits, force = parse_update(body.read_json(req), self.plugin.registry.names)
        _json(resp, {"quota": self.plugin.update(ctx, project_id, limits, force)})

    def on_delete(self, req: falcon.Request, resp: falcon.Response, project_id: str) -> None:
        self.plugin.reset(req.context.neutrino, project_id)
        resp.status = 204

    def on_post(self, req: falcon.Request, resp: falcon.Response, project_id: str) -> None:
        raise _no_post(["GET", "PUT", "DELETE"])


class QuotaDefault(_Base):
    """/v2.0/quotas/{project_id}/default"""

    def on_get(self, req: falcon.Request, resp: falcon.Response, project_id: str) -> None:
        _json(resp, {"quota": self.plugin.get_defaults(req.context.neutrino, project_id)})


class QuotaDetails(_Base):
    """/v2.0/quotas/{project_id}/details"""

    def on_get(self, req: falcon.Request, resp: falcon.Response, project_id: str) -> None:
        _json(resp, {"quota": self.plugin.details(req.context.neutrino, project_id)})


class CallerProject(_Base):
    """/v2.0/quotas/project (and the older /v2.0/quotas/tenant): who am I."""

    def __init__(self, plugin: QuotaPlugin, key: str) -> None:
        super().__init__(plugin)
        self.key = key

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        project_id = self.plugin.caller_project(req.context.neutrino)
        _json(resp, {self.key: {f"{self.key}_id": project_id}})


def install(app: falcon.App, plugin: QuotaPlugin, api: Api) -> None:
    base = "/v2.0/quotas"
    app.add_route(base, Quotas(plugin))
    # Literal segments win over {project_id} in Falcon's router.
    app.add_route(base + "/project", CallerProject(plugin, "project"))
    app.add_route(base + "/tenant", CallerProject(plugin, "tenant"))
    app.add_route(base + "/{project_id}", Quota(plugin))
    app.add_route(base + "/{project_id}/default", QuotaDefault(plugin))
    if api.has("quota_details"):
        app.add_route(base + "/{project_id}/details", QuotaDetails(plugin))
