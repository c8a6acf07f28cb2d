"""Assembling the WSGI application from configuration, definitions and plugins."""
from __future__ import annotations

import logging
from typing import Any, Callable

import falcon
import orjson

from neutrino import exceptions as exc
from neutrino.api import discovery, errors, identity, memory, openapi, quotas, resources
from neutrino.api.authz import Authz, Parent
from neutrino.core.ip_availability import AvailabilityZonePlugin, IpAvailabilityPlugin
from neutrino.core.networks import NetworkPlugin
from neutrino.core import rbac
from neutrino.core.ports import PortPlugin
from neutrino.core.quotas import QuotaPlugin, QuotaRegistry
from neutrino.core.rbac_policies import RbacPolicyPlugin
from neutrino.core.security_groups import SecurityGroupPlugin, SecurityGroupRulePlugin
from neutrino.core.subnets import SubnetPlugin
from neutrino.db.engine import Database
from neutrino.db.url import database_url
from neutrino.definitions import Api
from neutrino.policy import Policy
from neutrino.services.address_scopes.plugin import RBAC_TYPE as SCOPE_RBAC
from neutrino.services.address_scopes.plugin import AddressScopePlugin
from neutrino.services.subnetpools import actions as pool_actions
from neutrino.services.subnetpools import allocation
from neutrino.services.subnetpools.plugin import RBAC_TYPE as POOL_RBAC
from neutrino.services.subnetpools.plugin import SubnetPoolPlugin

LOG = logging.getLogger(__name__)

# Which plugin serves each resource path; a definition without one is a startup error.
PLUGINS = {
    "networks": NetworkPlugin,
    "subnets": SubnetPlugin,
    "ports": PortPlugin,
    "security-groups": SecurityGroupPlugin,
    "security-group-rules": SecurityGroupRulePlugin,
    "network-ip-availabilities": IpAvailabilityPlugin,
    "availability_zones": AvailabilityZonePlugin,
    "rbac-policies": RbacPolicyPlugin,
    "address-scopes": AddressScopePlugin,
    "subnetpools": SubnetPoolPlugin,
}

# Address management hooks into subnets and networks, and shares through RBAC.
rbac.register(SCOPE_RBAC)
rbac.register(POOL_RBAC)
SubnetPlugin.allocate_cidr = staticmethod(allocation.allocate)
NetworkPlugin.render_extras = staticmethod(allocation.render_network_scopes)


def open_database(conf: Any) -> Database:
    return Database(database_url(conf), max_retries=conf.database.max_retries,
                    pool_size=conf.database.pool_size)


class StripJsonSuffix:
    """Neutron accepts an optional ``.json`` suffix on every path."""

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        req.path = req.path.removesuffix(".json")


class NulPathIsNotFound:
    """No id or tag holds NUL (PostgreSQL cannot even compare text with it): such a
    path names nothing."""

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        if "\x00" in req.path:
            raise exc.HTTPNotFound()


class OpenApi:
    def __init__(self, api: Api) -> None:
        self.data = orjson.dumps(openapi.document(api))

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = falcon.MEDIA_JSON
        resp.data = self.data


def build_app(conf: Any, db: Database | None = None) -> Callable:
    """The WSGI application: the Falcon app, behind Keystone's auth_token when configured."""
    api = Api(conf)
    db = db or open_database(conf)
    app = falcon.App(middleware=[StripJsonSuffix(), NulPathIsNotFound(),
                                 identity.middleware(conf), memory.TrimAfterLargeResponses()])
    app.req_options.strip_url_path_trailing_slash = True
    errors.install(app)
    app.add_route("/", discovery.Versions())
    app.add_route("/v2.0", discovery.V2Root(api))
    app.add_route("/v2.0/extensions", discovery.Extensions(api))
    app.add_route("/v2.0/extensions/{alias}", discovery.ExtensionItem(api))
    # Served at /openapi.json (the .json suffix is stripped before routing).
    app.add_route("/openapi", OpenApi(api))
    env = resources.Env(api, conf, Policy(conf))
    plugins = {}
    for path, spec in api.resources.items():
        plugin_cls = PLUGINS.get(path)
        if plugin_cls is None:
            raise RuntimeError(f"no plugin serves /v2.0/{path}")
        plugins[path] = plugin_cls(db, conf)
    for path, spec in api.resources.items():
        plugin = plugins[path]
        authz = Authz(spec, env.policy, _parents(api, spec, plugins),
                      getattr(plugin, "not_found", None) or _not_found(spec.name))
        _check_rules(env.policy, spec)
        base = f"/v2.0/{path}"
        app.add_route(base, resources.Collection(spec, plugin, env, authz))
        app.add_route(base + "/{id}", resources.Member(spec, plugin, env, authz))
        if spec.resource.standard_attributes and api.has("standard-attr-tag"):
            app.add_route(base + "/{id}/tags", resources.Tags(spec, plugin, env, authz))
            app.add_route(base + "/{id}/tags/{tag}", resources.Tag(spec, plugin, env, authz))
        for action in spec.resource.member_actions:
            app.add_route(f"{base}/{{id}}/{action}", pool_actions.MemberAction(
                spec, plugin, env, authz, action, plugins["subnets"]))
    if api.has("quotas"):
        quotas.install(app, QuotaPlugin(db, conf, QuotaRegistry(PLUGINS.values())), api,
                       env.policy)
    return identity.protect(app, conf)


def _parents(api: Api, spec, plugins: dict) -> list[Parent]:
    """Resources this one points at through ``<name>_id`` attributes (a port's network)."""
    by_name = {s.name: path for path, s in api.resources.items()}
    return [Parent(attr[:-3], attr, plugins[by_name[attr[:-3]]])
            for attr in spec.attributes if attr.endswith("_id") and attr[:-3] in by_name]


def _not_found(resource: str):
    return lambda id: exc.ResourceNotFound(id=id, resource=resource)


def _check_rules(policy: Policy, spec) -> None:
    """Every action of every resource has a registered default rule."""
    actions = ["get"] + (["create", "update", "delete"] if spec.resource.writable else [])
    missing = [f"{a}_{spec.name}" for a in actions if not policy.has_rule(f"{a}_{spec.name}")]
    if missing:
        raise RuntimeError(f"no policy rules registered for {missing}")
