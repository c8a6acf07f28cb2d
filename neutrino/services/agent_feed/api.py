"""The HTTP calls of the agent feed: thin Falcon resources over ``watch.Feed``."""
from __future__ import annotations

from typing import Any

import falcon
import orjson

from neutrino import exceptions as exc
from neutrino.services.agents.api import _Feed as AgentAccess
from neutrino.services.agent_feed.watch import Feed

MAX_TIMEOUT = 60
DEFAULT_TIMEOUT = 30
MAX_HOST = 255


def _host(host: str) -> str:
    if not host or len(host) > MAX_HOST or not host.isprintable():
        raise exc.HTTPBadRequest(f"Invalid host {host!r}: 1 to {MAX_HOST} printable characters")
    return host


def _timeout(req: falcon.Request) -> float:
    raw = req.get_param("timeout")
    if raw is None or raw == "":
        return DEFAULT_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value <= MAX_TIMEOUT:  # also NaN
        raise exc.HTTPBadRequest(f"Invalid timeout {raw!r}: seconds from 0 to {MAX_TIMEOUT}")
    return value


def _json(resp: falcon.Response, data: Any) -> None:
    resp.content_type = falcon.MEDIA_JSON
    resp.data = orjson.dumps(data)


class HostState:
    """GET /feed/v1/hosts/{host}/state"""

    def __init__(self, feed: Feed, registry: Any) -> None:
        self.feed = feed
        # The agents feature's check, shared by every /feed/v1 call.
        self.access = AgentAccess(registry)

    def on_get(self, req: falcon.Request, resp: falcon.Response, host: str) -> None:
        self.access.authorize(req)
        _json(resp, self.feed.state(_host(host)))


class HostWatch:
    """GET /feed/v1/hosts/{host}/watch?cursor=C&timeout=S"""

    def __init__(self, feed: Feed, registry: Any) -> None:
        self.feed = feed
        # The agents feature's check, shared by every /feed/v1 call.
        self.access = AgentAccess(registry)

    def on_get(self, req: falcon.Request, resp: falcon.Response, host: str) -> None:
        self.access.authorize(req)
        host = _host(host)
        cursor = req.get_param("cursor")
        if not cursor:
            raise exc.HTTPBadRequest("Missing cursor: take it from GET /feed/v1/hosts/{host}/state")
        _json(resp, self.feed.watch(host, cursor, _timeout(req)))
