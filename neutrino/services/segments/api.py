"""HTTP of multiple port bindings: ``/v2.0/ports/{id}/bindings[/{host}[/activate]]``
(documented as Operations of the binding-extended extension). Parses, authorises
(admin by default: a caller who may see the port but not its bindings gets 403, one
who may not see the port 404), calls ``bindings.PortBindings`` and renders."""
from __future__ import annotations

from typing import Any

import falcon

from neutrino import exceptions as exc
from neutrino.api import body as request_body
from neutrino.api.resources import _json
from neutrino.definitions.kinds import Object
from neutrino.policy import Policy
from neutrino.services.segments import definitions
from neutrino.services.segments.bindings import PortBindings

FILTERS = ("host", "vif_type", "vnic_type", "status")
IGNORED = ("fields",)


def _binding_body(req: falcon.Request, kind: Object, required: bool = True) -> dict:
    payload = request_body.read_json(req)
    if not isinstance(payload, dict) or "binding" not in payload or len(payload) != 1:
        raise exc.HTTPBadRequest("Unable to find 'binding' in request body")
    try:
        return kind.convert(payload["binding"])
    except ValueError as err:
        raise exc.HTTPBadRequest(f"Invalid input for binding. Reason: {err}.") from None


def _host(host: str) -> str:
    try:
        return definitions.HOST.convert(host)
    except ValueError as err:
        raise exc.HTTPBadRequest(f"Invalid input for host. Reason: {err}.") from None


class _Bindings:
    def __init__(self, registry: Any, policy: Policy) -> None:
        self.registry = registry
        self.policy = policy
        self._bindings: PortBindings | None = None

    @property
    def bindings(self) -> PortBindings:
        if self._bindings is None:
            self._bindings = PortBindings(self.registry)
        return self._bindings

    def authorize(self, req: falcon.Request, action: str, port_id: str) -> Any:
        """The port must be visible to the caller (else its 404); then the rule."""
        ctx = req.context.neutrino
        port = self.bindings.ports.get(ctx, port_id, ["id", "project_id", "tenant_id",
                                                      "network_id"])
        self.policy.request(ctx).authorize(action, port)
        return ctx


class Bindings(_Bindings):
    """/v2.0/ports/{id}/bindings"""

    def on_get(self, req: falcon.Request, resp: falcon.Response, id: str) -> None:
        ctx = self.authorize(req, "get_port_binding", id)
        unknown = sorted(k for k in req.params if k not in FILTERS and k not in IGNORED)
        if unknown:
            raise exc.HTTPBadRequest(f"{unknown} is invalid attribute for filtering")
        filters = {k: req.get_param_as_list(k) for k in FILTERS if k in req.params}
        found = self.bindings.list(ctx, id, filters)
        fields = req.get_param_as_list("fields")
        if fields:
            found = [{k: v for k, v in b.items() if k in fields} for b in found]
        _json(resp, {"bindings": found})

    def on_post(self, req: falcon.Request, resp: falcon.Response, id: str) -> None:
        ctx = self.authorize(req, "create_port_binding", id)
        body = _binding_body(req, definitions.CREATE_REQUEST)
        _json(resp, {"binding": self.bindings.create(ctx, id, body)}, 201)


class Binding(_Bindings):
    """/v2.0/ports/{id}/bindings/{host}"""

    def on_get(self, req: falcon.Request, resp: falcon.Response, id: str, host: str) -> None:
        ctx = self.authorize(req, "get_port_binding", id)
        _json(resp, {"binding": self.bindings.show(ctx, id, _host(host))})

    def on_put(self, req: falcon.Request, resp: falcon.Response, id: str, host: str) -> None:
        ctx = self.authorize(req, "update_port_binding", id)
        body = _binding_body(req, definitions.UPDATE_REQUEST)
        _json(resp, {"binding": self.bindings.update(ctx, id, _host(host), body)})

    def on_delete(self, req: falcon.Request, resp: falcon.Response, id: str,
                  host: str) -> None:
        ctx = self.authorize(req, "delete_port_binding", id)
        self.bindings.delete(ctx, id, _host(host))
        resp.status = 204


class Activate(_Bindings):
    """/v2.0/ports/{id}/bindings/{host}/activate"""

    def on_put(self, req: falcon.Request, resp: falcon.Response, id: str, host: str) -> None:
        ctx = self.authorize(req, "activate", id)
        _json(resp, {"binding": self.bindings.activate(ctx, id, _host(host))})


def install(app: falcon.App, registry: Any, policy: Policy) -> None:
    if not registry.api.has("binding-extended"):
        return
    app.add_route("/v2.0/ports/{id}/bindings", Bindings(registry, policy))
    app.add_route("/v2.0/ports/{id}/bindings/{host}", Binding(registry, policy))
    app.add_route("/v2.0/ports/{id}/bindings/{host}/activate", Activate(registry, policy))
