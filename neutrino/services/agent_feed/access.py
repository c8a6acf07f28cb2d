"""Who may call the agent feed (/feed/v1/...): one check, shared by every feed call.

Under Keystone: a token with the admin or the service role (agents run with a
service user). Under noauth (development): only a caller on a loopback address,
whatever headers it sends, and with the admin or service role (no identity
headers at all means admin, as everywhere under noauth).
"""
from __future__ import annotations

import ipaddress
from typing import Any

import falcon

from neutrino import exceptions as exc

FEED_ROLES = frozenset({"admin", "service"})


def _is_loopback(address: str | None) -> bool:
    try:
        return ipaddress.ip_address((address or "").split("%")[0]).is_loopback
    except ValueError:
        return False


def check_agent_access(req: falcon.Request, conf: Any) -> Any:
    """The caller's context if it may use the feed; else 403 NotAuthorized."""
    ctx = req.context.neutrino
    if conf.auth_strategy != "keystone" and not _is_loopback(req.remote_addr):
        raise exc.NotAuthorized("The agent feed answers only loopback callers under noauth; "
                                "use auth_strategy = keystone for agents on other hosts.")
    if not (FEED_ROLES & (ctx.roles | ctx.service_roles)):
        raise exc.NotAuthorized("The agent feed needs the admin or the service role.")
    return ctx
