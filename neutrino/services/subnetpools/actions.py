"""The subnet pool member actions over HTTP: PUT /v2.0/subnetpools/{id}/<action>."""
from __future__ import annotations

from typing import Any

import falcon

from neutrino import exceptions as exc
from neutrino.api import body
from neutrino.api.resources import _Base, _json
from neutrino.definitions.kinds import Uuid
from neutrino.services.subnetpools import allocation
from neutrino.services.subnetpools.definitions import PREFIXES

ACTIONS = ("add_prefixes", "remove_prefixes", "onboard_network_subnets")


def prefixes_of(payload: Any) -> list[str]:
    if not isinstance(payload, dict) or set(payload) != {"prefixes"}:
        raise exc.HTTPBadRequest('A body {"prefixes": [<cidr>, ...]} is required')
    try:
        return PREFIXES.convert(payload["prefixes"])
    except ValueError as err:
        raise exc.HTTPBadRequest(f"Invalid input for prefixes. Reason: {err}.") from None


def network_of(payload: Any) -> str:
    if not isinstance(payload, dict) or payload.get("network_id") is None:
        raise exc.InvalidInput(error_message="network_id must be specified.")
    unknown = sorted(set(payload) - {"network_id"})
    if unknown:
        raise exc.HTTPBadRequest(f"Unrecognized attribute(s) '{', '.join(unknown)}'")
    try:
        return Uuid().convert(payload["network_id"])
    except ValueError as err:
        raise exc.HTTPBadRequest(f"Invalid input for network_id. Reason: {err}.") from None


class MemberAction(_Base):
    def __init__(self, spec: Any, plugin: Any, env: Any, authz: Any, action: str,
                 subnets: Any) -> None:
        super().__init__(spec, plugin, env, authz)
        self.action = action
        self.subnets = subnets

    def authorize(self, d: Any):
        def check(conn: Any, original: dict) -> None:
            target = self.authz._targets(d, [original], [self.action, "get_subnetpool"], conn)[0]
            self.authz._authorize_or_hide(d, self.action, target)
        return check

    def on_put(self, req: falcon.Request, resp: falcon.Response, id: str) -> None:
        ctx, d = self.decisions(req)
        payload = body.read_json(req)
        if self.action == "onboard_network_subnets":
            result = allocation.onboard(self.plugin, self.subnets, ctx, id, network_of(payload),
                                        self.authorize(d))
        else:
            method = getattr(self.plugin, self.action)
            result = method(ctx, id, prefixes_of(payload), self.authorize(d))
        _json(resp, result)



