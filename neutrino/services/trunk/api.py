"""HTTP of trunks beyond /v2.0/trunks (which the definitions generate): the agent's
status report, POST /feed/v1/hosts/{host}/trunks (docs/agent-feed.md)."""
from __future__ import annotations

from typing import Any

import falcon

from neutrino import exceptions as exc
from neutrino.api import body
from neutrino.api.resources import _json
from neutrino.definitions.kinds import Uuid
from neutrino.policy import Policy
from neutrino.services.agents.api import _Feed, _field
from neutrino.services.agents.definitions import HOST
from neutrino.services.trunk import definitions


class FeedTrunks(_Feed):
    """POST /feed/v1/hosts/{host}/trunks ``{"trunks": {id: status}}``: the host's agent
    reports how the trunks of its bound parent ports are wired."""

    def on_post(self, req: falcon.Request, resp: falcon.Response, host: str) -> None:
        self.authorize(req)
        host = _field(HOST, "host", host)
        payload = body.read_json(req)
        trunks = payload.get("trunks") if isinstance(payload, dict) else None
        if not isinstance(trunks, dict) or set(payload) != {"trunks"}:
            raise exc.HTTPBadRequest("Invalid input: a body {\"trunks\": {id: status}} was "
                                     "expected")
        for trunk_id, status in trunks.items():
            _field(Uuid(), "trunks", trunk_id)
            if status not in definitions.STATUSES:
                raise exc.HTTPBadRequest(f"Invalid input for the status of trunk {trunk_id}: "
                                         f"{status!r} is not one of "
                                         f"{', '.join(definitions.STATUSES)}")
        _json(resp, {"trunks": self.registry.plugin(definitions.TRUNK).report(host, trunks)})


def install(app: falcon.App, registry: Any, policy: Policy) -> None:
    if registry.api.has("trunk"):
        app.add_route("/feed/v1/hosts/{host}/trunks", FeedTrunks(registry))
