"""Assembling the WSGI application from configuration, definitions and plugins."""
from __future__ import annotations

import logging
from typing import Any, Callable

import falcon
import orjson

from neutrino import exceptions as exc
from neutrino.api import discovery, errors, identity, memory, openapi, quotas, resources, topology
from neutrino.api.authz import Authz, Parent
from neutrino.core.quotas import QuotaPlugin, QuotaRegistry
from neutrino.db.engine import Database
from neutrino.db.url import database_url
from neutrino.definitions import Api
from neutrino.definitions.base import ResourceSpec, parent_key
from neutrino.policy import Policy
from neutrino.registry import Registry

LOG = logging.getLogger(__name__)


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
    def __init__(self, api: Api, operations: list | None = None) -> None:
        self.data = orjson.dumps(openapi.document(api, operations or ()))

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = falcon.MEDIA_JSON
        resp.data = self.data


def build_app(conf: Any, db: Database | None = None) -> Callable:
    """The WSGI application: the Falcon app, behind Keystone's auth_token when configured."""
    db = db or open_database(conf)
    registry = Registry(conf, db)
    api = registry.api
    app = falcon.App(middleware=[StripJsonSuffix(), NulPathIsNotFound(),
                                 identity.middleware(conf), memory.TrimAfterLargeResponses()])
    app.req_options.strip_url_path_trailing_slash = True
    errors.install(app)
    app.add_route("/", discovery.Versions())
    app.add_route("/v2.0", discovery.V2Root(api))
    app.add_route("/v2.0/extensions", discovery.Extensions(api))
    app.add_route("/v2.0/extensions/{alias}", discovery.ExtensionItem(api))
    # Served at /openapi.json (the .json suffix is stripped before routing).
    app.add_route("/openapi", OpenApi(api, [op for f in registry.features for op in f.operations]))
    topology.install(app, conf.auth_strategy)
    env = resources.Env(api, conf, Policy(conf, registry.policy_rules()))
    registry.start()
    check_owners(registry)
    authzs = {path: Authz(spec, env.policy, _parents(registry, spec),
                          getattr(registry.plugin(path), "not_found", None)
                          or _not_found(spec.name))
              for path, spec in api.resources.items()}
    for key, spec in api.resources.items():
        # ``key`` names the resource (a sub-resource's is qualified by its parent's path);
        # ``path`` is its URL's last segment.
        plugin, authz, path = registry.plugin(key), authzs[key], spec.resource.url_path
        _check_rules(env.policy, spec)
        parent = None
        if spec.resource.parent is None:
            base = f"/v2.0/{path}"
            app.add_route(base, resources.Collection(spec, plugin, env, authz))
            app.add_route(base + "/{id}", resources.Member(spec, plugin, env, authz))
            if "_" in path:
                # Neutron finds a collection with dashes for underscores too (Tempest's
                # client asks for /v2.0/floatingip-pools).
                dashed = "/v2.0/" + path.replace("_", "-")
                app.add_route(dashed, resources.Collection(spec, plugin, env, authz))
                app.add_route(dashed + "/{id}", resources.Member(spec, plugin, env, authz))
            if spec.resource.standard_attributes and api.has("standard-attr-tag"):
                # Neutron finds the tags of a resource under a nested path (qos/policies)
                # by its collection name too: /v2.0/policies/{id}/tags.
                tag_bases = [base] + ([f"/v2.0/{spec.collection}"] if "/" in path else [])
                for tag_base in tag_bases:
                    app.add_route(tag_base + "/{id}/tags", resources.Tags(spec, plugin, env, authz))
                    app.add_route(tag_base + "/{id}/tags/{tag}",
                                  resources.Tag(spec, plugin, env, authz))
        else:
            parent_path = spec.resource.parent
            parent = resources.ParentRoute(
                registry.spec(parent_path), registry.plugin(parent_path), authzs[parent_path],
                parent_key(spec.resource, registry.spec(parent_path).resource))
            base = f"/v2.0/{parent_path}/{{id}}/{path}"
            app.add_route(base, resources.SubCollection(spec, plugin, env, authz, parent))
            app.add_route(base + "/{sub_id}", resources.SubMember(spec, plugin, env, authz, parent))
        member = (f"/v2.0/{path}/{{id}}" if spec.resource.parent is None
                  else f"/v2.0/{spec.resource.parent}/{{id}}/{path}/{{sub_id}}")
        for action in spec.resource.member_actions:
            app.add_route(f"{member}/{action.name}",
                          resources.MemberAction(spec, plugin, env, authz, action, parent))
    for feature in registry.features:
        for install in feature.routes:
            install(app, registry, env.policy)
    if api.has("quotas"):
        quotas.install(app, QuotaPlugin(db, conf, QuotaRegistry(registry.quota_tables())), api,
                       env.policy)
    for feature in registry.features:
        for start in feature.background:
            start(registry)
    return identity.protect(app, conf)


def check_owners(registry: Registry) -> None:
    """Refuse to start when a POST or PUT attribute has nothing that stores it (it
    would be validated, accepted and dropped), or a member action no plugin method."""
    problems = []
    for path, spec in registry.api.resources.items():
        plugin = registry.plugin(path)
        if not spec.resource.writable:
            continue
        owned = plugin.owned_attributes()
        for name, attr in spec.attributes.items():
            if (attr.post or attr.put) and name not in owned:
                problems.append(f"{spec.collection}.{name} ({'POST' if attr.post else 'PUT'}) "
                                "has no owner that stores it")
        sort_keys = getattr(plugin, "sort_keys", {})
        for extender in getattr(plugin, "extenders", ()):
            for name in extender.attributes:
                attr = spec.attributes.get(name)
                if attr is not None and attr.sort and name not in sort_keys:
                    problems.append(f"{spec.collection}.{name} is sortable but its extender "
                                    f"{type(extender).__name__} gives no sort key")
        for action in spec.resource.member_actions:
            if action.name in ("tags",) or not callable(getattr(plugin, action.name, None)):
                problems.append(f"member action {spec.collection}/{action.name} has no plugin "
                                f"method {type(plugin).__name__}.{action.name}")
    if problems:
        raise RuntimeError("refusing to start: " + "; ".join(problems))


def _parents(registry: Registry, spec: ResourceSpec) -> list[Parent]:
    """The resources this one's attributes declare they reference (a port's network,
    a sub-resource's parent): policy rules may read their attributes."""
    out = []
    for name, attr in spec.attributes.items():
        if attr.references and attr.references in registry.api.resources:
            target = registry.spec(attr.references)
            out.append(Parent(target.name, name, registry.plugin(attr.references)))
    return out


def _not_found(resource: str):
    return lambda id: exc.ResourceNotFound(id=id, resource=resource)


def _check_rules(policy: Policy, spec: ResourceSpec) -> None:
    """Every action of every resource has a registered default rule."""
    actions = ["get"] + (["create", "update", "delete"] if spec.resource.writable else [])
    missing = [f"{a}_{spec.name}" for a in actions if not policy.has_rule(f"{a}_{spec.name}")]
    missing += [a.rule_name for a in spec.resource.member_actions
                if not policy.has_rule(a.rule_name)]
    if missing:
        raise RuntimeError(f"no policy rules registered for {missing}")
