"""Version and extension discovery: GET /, GET /v2.0/, /v2.0/extensions[/{alias}]."""
from __future__ import annotations

from typing import Any

import falcon

from neutrino import exceptions as exc
from neutrino.api import topology
from neutrino.api.resources import _json
from neutrino.definitions import Api


def _base(req: falcon.Request) -> str:
    return req.prefix.rstrip("/")


class Versions:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        # A browser gets a page linking the topology page; clients get Neutron's document
        # as it is (Tempest's version test reads every key of it as a version).
        resp.vary = ("Accept",)
        if topology.wants_html(req):
            topology.root_page(resp)
            return
        _json(resp, {"versions": [{"id": "v2.0", "status": "CURRENT", "links": [
            {"rel": "self", "href": _base(req) + "/v2.0/"}]}]})


class V2Root:
    def __init__(self, api: Api) -> None:
        self.api = api

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        base = _base(req) + "/v2.0/"
        _json(resp, {"resources": [
            {"name": spec.name, "collection": spec.collection,
             "links": [{"rel": "self", "href": base + path}]}
            for path, spec in self.api.resources.items() if not spec.resource.parent]})


def _describe(ext: Any) -> dict:
    return {"name": ext.name, "alias": ext.alias, "description": ext.description,
            "updated": ext.updated, "links": []}


class Extensions:
    def __init__(self, api: Api) -> None:
        self.api = api

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        _json(resp, {"extensions": [_describe(e) for e in self.api.extensions]})


class ExtensionItem:
    def __init__(self, api: Api) -> None:
        self.by_alias = {e.alias: e for e in api.extensions}

    def on_get(self, req: falcon.Request, resp: falcon.Response, alias: str) -> None:
        ext = self.by_alias.get(alias)
        if ext is None:
            raise exc.ExtensionNotFound(alias=alias)
        _json(resp, {"extension": _describe(ext)})
