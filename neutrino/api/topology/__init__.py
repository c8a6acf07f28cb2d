"""The topology page: ``GET /topology`` and its script and style sheet.

The page holds no data. Its script reads ``/v2.0/...`` in the browser with the
caller's own identity (a Keystone token, or noauth's identity headers), so a
caller sees exactly what the API shows them, under the same policy. The files
are read once, when the application is built, and served from memory; being
data-free they are public, like the version document.
"""
from __future__ import annotations

import hashlib
from importlib import resources as package_files

import falcon

PAGE = "/topology"
# name under /topology/ -> content type
ASSETS = {"topology.js": "text/javascript; charset=utf-8",  # the page (an ES module)
          "api.js": "text/javascript; charset=utf-8",  # reading the API as the caller
          "draw.js": "text/javascript; charset=utf-8",  # the SVG drawing
          "topology.css": "text/css; charset=utf-8"}
PUBLIC_PATHS = frozenset({PAGE} | {f"{PAGE}/{name}" for name in ASSETS})

# The page only talks to its own origin; nothing inline, nothing from elsewhere.
_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; "
                               "connect-src 'self'; img-src 'self' data:; "
                               "frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # Revalidated on every load (ETag), so an upgraded server never runs an old script.
    "Cache-Control": "no-cache",
}


def _read(name: str) -> bytes:
    return package_files.files(__package__).joinpath(name).read_bytes()


class StaticFile:
    """One file from memory, with an ETag so a reload costs a 304."""

    def __init__(self, data: bytes, content_type: str) -> None:
        self.data = data
        self.content_type = content_type
        self.etag = hashlib.sha256(data).hexdigest()[:32]

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.set_headers(_SECURITY_HEADERS)
        resp.etag = self.etag
        if req.if_none_match and (req.if_none_match == "*"
                                  or any(tag == self.etag for tag in req.if_none_match)):
            resp.status = falcon.HTTP_304
            return
        resp.content_type = self.content_type
        resp.data = self.data


class Page(StaticFile):
    """The HTML page; it says which identity the server expects (token or headers)."""

    def __init__(self, auth_strategy: str) -> None:
        html = _read("index.html").replace(b"{{auth_strategy}}", auth_strategy.encode())
        super().__init__(html, "text/html; charset=utf-8")

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        # Its files are linked relative to /topology: /topology/ would look for them
        # under /topology/topology/.
        if req.env.get("PATH_INFO", "").endswith("/"):
            raise falcon.HTTPMovedPermanently("../topology")
        super().on_get(req, resp)


def install(app: falcon.App, auth_strategy: str) -> None:
    app.add_route(PAGE, Page(auth_strategy))
    for name, content_type in ASSETS.items():
        app.add_route(f"{PAGE}/{name}", StaticFile(_read(name), content_type))


def wants_html(req: falcon.Request) -> bool:
    """A browser asking for ``/``: it names HTML and prefers it to JSON. API clients
    send ``Accept: application/json`` (keystoneauth), ``*/*`` or nothing, and get the
    version document unchanged."""
    accept = req.get_header("Accept") or ""
    return "text/html" in accept and \
        req.client_prefers([falcon.MEDIA_JSON, falcon.MEDIA_HTML]) == falcon.MEDIA_HTML


# GET / for a browser: where to go from here. The JSON document stays Neutron's.
ROOT_HTML = b"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Neutrino</title></head>
<body><h1>Neutrino</h1>
<p>This server speaks the OpenStack Networking API, version
<a href="v2.0/">v2.0</a> (CURRENT).</p>
<ul><li><a href="topology">Network topology</a> (a live page)</li>
<li><a href="openapi.json">API reference</a> (OpenAPI 3.1)</li></ul>
</body></html>
"""


def root_page(resp: falcon.Response) -> None:
    resp.set_headers(_SECURITY_HEADERS)
    resp.content_type = "text/html; charset=utf-8"
    resp.data = ROOT_HTML
