"""A thin JSON client for asserting on raw HTTP behaviour (status codes, bodies)."""
from __future__ import annotations

import uuid
from typing import Any

import requests


class Response:
    def __init__(self, raw: requests.Response) -> None:
        self.raw = raw
        self.status = raw.status_code
        try:
            self.json: Any = raw.json() if raw.content else None
        except ValueError:
            self.json = None

    @property
    def error_type(self) -> str | None:
        return (self.json or {}).get("NeutronError", {}).get("type")

    @property
    def error_message(self) -> str:
        return (self.json or {}).get("NeutronError", {}).get("message", "")

    def __repr__(self) -> str:
        return f"<{self.status} {self.raw.text[:300]}>"


class Client:
    """Talks to one server as one identity (admin by default, with noauth; with Keystone,
    the identity of the token ``auth`` sets)."""

    def __init__(self, base_url: str, project_id: str | None = None,
                 roles: str | None = None, auth: requests.auth.AuthBase | None = None,
                 headers: dict | None = None) -> None:
        self.base = base_url.rstrip("/")
        self.session = requests.Session()
        self.session.auth = auth  # with Keystone: puts the caller's token in X-Auth-Token
        self.session.headers.update(headers or {})
        if project_id:
            self.session.headers["X-Project-Id"] = project_id
        if roles:
            self.session.headers["X-Roles"] = roles

    def as_project(self, project_id: str, roles: str = "member,reader") -> "Client":
        return Client(self.base, project_id, roles)

    def request(self, method: str, path: str, json: Any = None, data: bytes | None = None,
                headers: dict | None = None, params: Any = None) -> Response:
        return Response(self.session.request(method, self.base + path, json=json, data=data,
                                             headers=headers, params=params, timeout=60))

    def get(self, path: str, **kw: Any) -> Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, json: Any = None, **kw: Any) -> Response:
        return self.request("POST", path, json=json, **kw)

    def put(self, path: str, json: Any = None, **kw: Any) -> Response:
        return self.request("PUT", path, json=json, **kw)

    def delete(self, path: str, **kw: Any) -> Response:
        return self.request("DELETE", path, **kw)

    # ---- helpers that must succeed -------------------------------------------------
    def create(self, collection: str, resource: str, **attrs: Any) -> dict:
        r = self.post(f"/v2.0/{collection}", {resource: attrs})
        assert r.status == 201, r
        return r.json[resource]

    def network(self, **attrs: Any) -> dict:
        attrs.setdefault("name", "net-" + uuid.uuid4().hex[:8])
        return self.create("networks", "network", **attrs)

    def subnet(self, network_id: str, cidr: str = "10.0.0.0/24", **attrs: Any) -> dict:
        ip_version = 6 if ":" in cidr else 4
        return self.create("subnets", "subnet", network_id=network_id, cidr=cidr,
                           ip_version=attrs.pop("ip_version", ip_version), **attrs)

    def port(self, network_id: str, **attrs: Any) -> dict:
        return self.create("ports", "port", network_id=network_id, **attrs)

    def show(self, collection: str, id: str) -> dict:
        r = self.get(f"/v2.0/{collection}/{id}")
        assert r.status == 200, r
        return next(iter(r.json.values()))

    def count_rows(self) -> dict[str, int]:
        """Sizes of every collection as admin: used to prove 'nothing changed'."""
        out = {}
        for coll in ("networks", "subnets", "ports"):
            r = self.get(f"/v2.0/{coll}", params={"fields": "id"})
            out[coll] = len(r.json[coll])
        return out

    def snapshot(self) -> dict[str, list[dict]]:
        """Every network, subnet and port as admin sees them, whole bodies sorted by id:
        equal snapshots before and after a request prove it changed nothing."""
        out = {}
        for coll in ("networks", "subnets", "ports"):
            r = self.get(f"/v2.0/{coll}")
            assert r.status == 200, r
            out[coll] = sorted(r.json[coll], key=lambda item: item["id"])
        return out
