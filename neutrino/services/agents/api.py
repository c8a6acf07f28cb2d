"""HTTP of the agents feature beyond /v2.0/agents itself (which the definitions
generate): the calls agents make (/feed/v1/agents, /feed/v1/hosts/{host}/devices;
docs/agent-feed.md) and the DHCP scheduler's views of agents and networks. Like
every API module they only parse, authorise, call and render.
"""
from __future__ import annotations

import ipaddress
from typing import Any

import falcon

from neutrino import exceptions as exc
from neutrino.api import body, render
from neutrino.api.resources import _json
from neutrino.definitions.kinds import Kind, Object, Uuid
from neutrino.policy import Policy
from neutrino.services.agents import definitions, dhcp, registration


class FeedNotAuthorized(exc.NotAuthorized):
    message = "{reason}"


def _field(kind: Kind, name: str, value: Any) -> Any:
    try:
        return kind.convert(value)
    except ValueError as err:
        raise exc.HTTPBadRequest(f"Invalid input for {name}. Reason: {err}.") from None


def _object(kind: Object, where: str, payload: Any) -> dict:
    """A JSON object checked key by key, so that a 400 names the key at fault."""
    if not isinstance(payload, dict):
        raise exc.HTTPBadRequest(f"Invalid input for {where}: a JSON object was expected.")
    unknown = sorted(set(payload) - set(kind.fields))
    if unknown:
        raise exc.HTTPBadRequest(f"Unrecognized attribute(s) '{', '.join(unknown)}' in {where}")
    out = {}
    for key, (inner, required) in kind.fields.items():
        if key in payload:
            out[key] = _field(inner, key, payload[key])
        elif required:
            raise exc.HTTPBadRequest(f"Invalid input for {key}: it is required in {where}.")
    return out


class _Feed:
    """Agents only: under Keystone a caller with the admin or service role; under
    noauth (where anyone may claim any role) only a caller on a loopback address."""

    def __init__(self, registry: Any) -> None:
        self.registry = registry
        self.noauth = registry.conf.auth_strategy == "noauth"

    def authorize(self, req: falcon.Request) -> None:
        if self.noauth:
            try:
                loopback = ipaddress.ip_address(req.remote_addr or "").is_loopback
            except ValueError:
                loopback = False
            if not loopback:
                raise FeedNotAuthorized(reason="The agent feed answers only loopback callers "
                                               "when auth_strategy is noauth.")
            return
        roles = req.context.neutrino.roles
        if not roles & {"admin", "service"}:
            raise FeedNotAuthorized(reason="The agent feed is for agents: the admin or "
                                           "service role is required.")


class FeedAgents(_Feed):
    """POST /feed/v1/agents: register or heartbeat."""

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        self.authorize(req)
        payload = body.read_json(req)
        if not isinstance(payload, dict) or set(payload) != {"agent"}:
            raise exc.HTTPBadRequest("Unable to find 'agent' in request body")
        report = _object(definitions.FEED_AGENT, "agent", payload["agent"])
        agent = registration.register(self.registry, report)
        spec = self.registry.spec("agents")
        _json(resp, {"agent": render.shape(spec, [agent], None)[0]})


class FeedDevices(_Feed):
    """POST /feed/v1/hosts/{host}/devices: the devices the host's agent wired or lost."""

    def on_post(self, req: falcon.Request, resp: falcon.Response, host: str) -> None:
        self.authorize(req)
        host = _field(definitions.HOST, "host", host)
        report = _object(definitions.DEVICE_REPORT, "the device report", body.read_json(req))
        statuses = registration.report_devices(self.registry, host, report.get("up", []),
                                               report.get("down", []))
        _json(resp, {"ports": statuses})


class _Scheduler:
    def __init__(self, registry: Any, policy: Policy) -> None:
        self.registry = registry
        self.policy = policy

    def authorize(self, req: falcon.Request, action: str) -> Any:
        """Admins only. Others are told the agent does not exist, as for the agent
        itself (they may not see it)."""
        ctx = req.context.neutrino
        if not self.policy.request(ctx).can(action, {}):
            raise exc.HTTPNotFound()
        return ctx


class AgentNetworks(_Scheduler):
    """/v2.0/agents/{id}/dhcp-networks"""

    def on_get(self, req: falcon.Request, resp: falcon.Response, id: str) -> None:
        ctx = self.authorize(req, "get_dhcp-networks")
        networks = dhcp.networks_of_agent(self.registry, ctx, id)
        spec = self.registry.spec("networks")
        _json(resp, {"networks": render.shape(spec, networks, None)})

    def on_post(self, req: falcon.Request, resp: falcon.Response, id: str) -> None:
        self.authorize(req, "create_dhcp-network")
        payload = body.read_json(req)
        if not isinstance(payload, dict) or "network_id" not in payload:
            raise exc.HTTPBadRequest("Invalid input for network_id: it is required.")
        network_id = _field(Uuid(), "network_id", payload["network_id"])
        dhcp.add_network(self.registry, id, network_id)
        _json(resp, None, 201)


class AgentNetwork(_Scheduler):
    """/v2.0/agents/{id}/dhcp-networks/{network_id}"""

    def on_delete(self, req: falcon.Request, resp: falcon.Response, id: str,
                  network_id: str) -> None:
        self.authorize(req, "delete_dhcp-network")
        dhcp.remove_network(self.registry, id, network_id)
        resp.status = 204


class NetworkAgents(_Scheduler):
    """/v2.0/networks/{id}/dhcp-agents"""

    def on_get(self, req: falcon.Request, resp: falcon.Response, id: str) -> None:
        ctx = self.authorize(req, "get_dhcp-agents")
        agents = dhcp.agents_of_network(self.registry, ctx, id)
        _json(resp, {"agents": render.shape(self.registry.spec("agents"), agents, None)})


def install(app: falcon.App, registry: Any, policy: Policy) -> None:
    app.add_route("/feed/v1/agents", FeedAgents(registry))
    app.add_route("/feed/v1/hosts/{host}/devices", FeedDevices(registry))
    if registry.api.has("dhcp_agent_scheduler"):
        app.add_route("/v2.0/agents/{id}/dhcp-networks", AgentNetworks(registry, policy))
        app.add_route("/v2.0/agents/{id}/dhcp-networks/{network_id}",
                      AgentNetwork(registry, policy))
        app.add_route("/v2.0/networks/{id}/dhcp-agents", NetworkAgents(registry, policy))
