"""Who is calling: the request context from the headers keystonemiddleware sets
(or, with noauth, that a developer sets by hand)."""
from __future__ import annotations

import logging
from typing import Any, Callable

import falcon

from neutrino.api.topology import PUBLIC_PATHS as TOPOLOGY_PATHS
from neutrino.context import Context

LOG = logging.getLogger(__name__)

# Served without a token, as Neutron serves its version list; the topology page and
# its files hold no data (its script calls the API with the caller's own token).
PUBLIC_PATHS = frozenset({"", "/"}) | TOPOLOGY_PATHS

# Where keystonemiddleware's auth_token leaves its verdict: only a request that
# went through it has this key, which no client can put into the WSGI environ.
_TOKEN_AUTH_ENV = "keystone.token_auth"


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


def _roles(value: str | None) -> frozenset[str]:
    return frozenset(r.strip().lower() for r in (value or "").split(",") if r.strip())


class KeystoneIdentity:
    """keystone: the context from the headers auth_token set after validating the token.

    auth_token removes every identity header the client sent before it sets its
    own, and rejects a request without a valid token itself (401). This
    middleware refuses anything auth_token did not confirm, so a deployment
    with ``delay_auth_decision`` still never serves an anonymous caller.
    """

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        if req.path in PUBLIC_PATHS:
            req.context.neutrino = Context(user_id=None, project_id=None)
            return
        if (req.env.get(_TOKEN_AUTH_ENV) is None
                or req.get_header("X-Identity-Status") != "Confirmed"):
            raise falcon.HTTPUnauthorized(
                title="Unauthorized",
                description="The request you have made requires authentication.")
        header = req.get_header
        service_valid = header("X-Service-Identity-Status") == "Confirmed"
        req.context.neutrino = Context(
            user_id=header("X-User-Id"),
            project_id=header("X-Project-Id"),
            roles=_roles(header("X-Roles")),
            user_name=header("X-User-Name"),
            user_domain_id=header("X-User-Domain-Id"),
            project_name=header("X-Project-Name"),
            project_domain_id=header("X-Project-Domain-Id"),
            domain_id=header("X-Domain-Id"),
            system_scope=header("OpenStack-System-Scope"),
            is_admin_project=header("X-Is-Admin-Project", default="True") == "True",
            service_user_id=header("X-Service-User-Id") if service_valid else None,
            service_user_domain_id=header("X-Service-User-Domain-Id") if service_valid else None,
            service_project_id=header("X-Service-Project-Id") if service_valid else None,
            service_project_domain_id=(header("X-Service-Project-Domain-Id")
                                       if service_valid else None),
            service_roles=_roles(header("X-Service-Roles")) if service_valid else frozenset(),
        )


def middleware(conf: Any) -> NoAuthIdentity | KeystoneIdentity:
    """The Falcon middleware that builds the request context for ``auth_strategy``."""
    if conf.auth_strategy == "keystone":
        return KeystoneIdentity()
    LOG.warning("auth_strategy = noauth: every caller states its own identity; a request "
                "without identity headers is admin. For development on loopback only.")
    return NoAuthIdentity(conf)


def protect(app: Callable, conf: Any) -> Callable:
    """With Keystone, put keystonemiddleware's auth_token in front of the application.

    auth_token reads ``[keystone_authtoken]`` from the same configuration (it
    registers its options there). Only the version list stays public.
    """
    if conf.auth_strategy != "keystone":
        return app
    from keystonemiddleware import auth_token

    authenticated = auth_token.AuthProtocol(app, {"oslo_config_config": conf})

    def application(environ: dict, start_response: Callable):
        if environ.get("PATH_INFO", "").rstrip("/") in PUBLIC_PATHS:
            return app(environ, start_response)
        return authenticated(environ, start_response)

    return application
