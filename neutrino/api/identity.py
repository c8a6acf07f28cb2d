"""Who is calling: the request context from the headers keystonemiddleware sets
(or, with noauth, that a developer sets by hand)."""
from __future__ import annotations

from typing import Any

import falcon

from neutrino.context import Context


class NoAuthIdentity:
    """noauth: trust X-Project-Id / X-User-Id / X-Roles; no headers at all means admin."""

    def __init__(self, conf: Any) -> None:
        self.conf = conf

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        project = req.get_header("X-Project-Id") or req.get_header("X-Tenant-Id")
        roles_header = req.get_header("X-Roles")
        if project is None and roles_header is None:
            req.context.neutrino = Context.admin(self.conf.noauth_project_id)
            return
        roles = frozenset(r.strip().lower() for r in (roles_header or "member,reader").split(",")
                          if r.strip())
        req.context.neutrino = Context(user_id=req.get_header("X-User-Id"), project_id=project,
                                       roles=roles)
