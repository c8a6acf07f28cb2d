"""HTTP of the L3 agent scheduler: parse, authorise, call, render."""
from __future__ import annotations

from typing import Any

import falcon

from neutrino import exceptions as exc
from neutrino.api import body, render
from neutrino.api.resources import _json
from neutrino.definitions.kinds import Uuid
from neutrino.policy import Policy
from neutrino.services.agents.api import _Feed, _field, _Scheduler
from neutrino.services.l3_agent_scheduler import scheduler


class AgentRouters(_Scheduler):
    """/v2.0/agents/{id}/l3-routers"""

    def on_get(self, req: falcon.Request, resp: falcon.Response, id: str) -> None:
        ctx = self.authorize(req, "get_l3-routers")
        routers = scheduler.routers_of_agent(self.registry, ctx, id)
        _json(resp, {"routers": render.shape(self.registry.spec("routers"), routers, None)})

    def on_post(self, req: falcon.Request, resp: falcon.Response, id: str) -> None:
        self.authorize(req, "create_l3-router")
        payload = body.read_json(req)
        if not isinstance(payload, dict) or "router_id" not in payload:
            raise exc.HTTPBadRequest("Invalid input for router_id: it is required.")
        router_id = _field(Uuid(), "router_id", payload["router_id"])
        scheduler.add_router(self.registry, id, router_id)
        _json(resp, None, 201)


class AgentRouter(_Scheduler):
    """/v2.0/agents/{id}/l3-routers/{router_id}"""

    def on_delete(self, req: falcon.Request, resp: falcon.Response, id: str,
                  router_id: str) -> None:
        self.authorize(req, "delete_l3-router")
        scheduler.remove_router(self.registry, id, router_id)
        resp.status = 204


class RouterAgents(_Scheduler):
    """/v2.0/routers/{id}/l3-agents"""

    def on_get(self, req: falcon.Request, resp: falcon.Response, id: str) -> None:
        ctx = self.authorize(req, "get_l3-agents")
        agents = scheduler.agents_of_router(self.registry, ctx, id)
        _json(resp, {"agents": render.shape(self.registry.spec("agents"), agents, None)})


class FeedFloatingIps(_Feed):
    """POST /feed/v1/hosts/{host}/floatingips ``{"floatingips": {id: status}}``: the
    host's L3 agent reports which floating IPs have their NAT in place."""

    def on_post(self, req: falcon.Request, resp: falcon.Response, host: str) -> None:
        self.authorize(req)
        payload = body.read_json(req)
        fips = payload.get("floatingips") if isinstance(payload, dict) else None
        if not isinstance(fips, dict) or set(payload) != {"floatingips"}:
            raise exc.HTTPBadRequest("Invalid input: a body {\"floatingips\": {id: status}} "
                                     "was expected")
        for fip_id, status in fips.items():
            _field(Uuid(), "floatingips", fip_id)
            if status not in scheduler.FIP_STATUSES:
                raise exc.HTTPBadRequest(f"Invalid input for the status of floating IP {fip_id}: "
                                         f"{status!r} is not one of {', '.join(scheduler.FIP_STATUSES)}")
        _json(resp, {"floatingips": scheduler.report_floatingips(self.registry, host, fips)})


def install(app: falcon.App, registry: Any, policy: Policy) -> None:
    if registry.api.has("l3_agent_scheduler"):
        app.add_route("/feed/v1/hosts/{host}/floatingips", FeedFloatingIps(registry))
        app.add_route("/v2.0/agents/{id}/l3-routers", AgentRouters(registry, policy))
        app.add_route("/v2.0/agents/{id}/l3-routers/{router_id}", AgentRouter(registry, policy))
        app.add_route("/v2.0/routers/{id}/l3-agents", RouterAgents(registry, policy))
