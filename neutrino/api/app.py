"""Assembling the WSGI application from configuration, definitions and plugins."""
from __future__ import annotations

import logging
from typing import Any

import falcon
import orjson

from neutrino.api import discovery, errors, identity, memory, openapi, resources
from neutrino.core.ip_availability import AvailabilityZonePlugin, IpAvailabilityPlugin
from neutrino.core.networks import NetworkPlugin
from neutrino.core.ports import PortPlugin
from neutrino.core.subnets import SubnetPlugin
from neutrino.db.engine import Database
from neutrino.db.url import database_url
from neutrino.definitions import Api

LOG = logging.getLogger(__name__)

# Which plugin serves each resource path; a definition without one is a startup error.
PLUGINS = {
    "networks": NetworkPlugin,
    "subnets": SubnetPlugin,
    "ports": PortPlugin,
    "network-ip-availabilities": IpAvailabilityPlugin,
    "availability_zones": AvailabilityZonePlugin,
}


def open_database(conf: Any) -> Database:
    return Database(database_url(conf), max_retries=conf.database.max_retries,
                    pool_size=conf.database.pool_size)


class StripJsonSuffix:
    """Neutron accepts an optional ``.json`` suffix on every path."""

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        req.path = req.path.removesuffix(".json")


class OpenApi:
    def __init__(self, api: Api) -> None:
        self.data = orjson.dumps(openapi.document(api))

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = falcon.MEDIA_JSON
        resp.data = self.data


def build_app(conf: Any, db: Database | None = None) -> falcon.App:
    api = Api(conf)
    db = db or open_database(conf)
    app = falcon.App(middleware=[StripJsonSuffix(), identity.NoAuthIdentity(conf),
                               memory.TrimAfterLargeResponses()])
    app.req_options.strip_url_path_trailing_slash = True
    errors.install(app)
    app.add_route("/", discovery.Versions())
    app.add_route("/v2.0", discovery.V2Root(api))
    app.add_route("/v2.0/extensions", discovery.Extensions(api))
    app.add_route("/v2.0/extensions/{alias}", discovery.ExtensionItem(api))
    # Served at /openapi.json (the .json suffix is stripped before routing).
    app.add_route("/openapi", OpenApi(api))
    for path, spec in api.resources.items():
        plugin_cls = PLUGINS.get(path)
        if plugin_cls is None:
            raise RuntimeError(f"no plugin serves /v2.0/{path}")
        plugin = plugin_cls(db, conf)
        base = f"/v2.0/{path}"
        app.add_route(base, resources.Collection(spec, plugin, api, conf))
        app.add_route(base + "/{id}", resources.Member(spec, plugin, api, conf))
        if spec.resource.standard_attributes and api.has("standard-attr-tag"):
            app.add_route(base + "/{id}/tags", resources.Tags(spec, plugin, api, conf))
            app.add_route(base + "/{id}/tags/{tag}", resources.Tag(spec, plugin, api, conf))
    return app
