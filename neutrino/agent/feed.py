"""The agent's side of the agent feed (docs/agent-feed.md): HTTP only.

``FeedClient.state()`` fetches the host's whole desired-state document and
keeps it; ``watch()`` long-polls the changes after a cursor and applies them
to the kept document, so the agent never refetches unless the server answers
410 ``ResyncRequired`` (a cursor it can no longer serve).

Applying a change to the kept document (the server decides what is in scope;
the client never derives it):
- ``network`` / ``subnet`` / ``port`` / ``security_group`` create or update:
  upsert the body; delete: remove it (a network's removal also removes its
  subnets and ports: it was deleted, or this host no longer carries it).
- ``security_group_rule`` create/update: upsert the rule into its group's
  ``security_group_rules``; delete: remove it there.
- ``security_group_members`` (id: a group): update sets the group's member
  addresses to ``body["addresses"]``; delete drops the entry.
- ``tunnel_endpoint`` (id: a host): update sets ``body["ip"]``; delete drops it.
- ``dhcp_network`` (id: a network): create adds it, delete removes it.
- ``router`` / ``floatingip`` (routers placed on this host, their floating IPs):
  create or update sets the whole body, delete removes it.
- ``distributed_router`` (routers with an interface on a network this host
  carries: their interfaces, for east-west routing in OpenFlow): create or
  update sets the whole body, delete removes it.
- ``log`` (a security-group log): create or update upserts the body, delete
  removes it; the desired state holds the enabled ones.
- ``qos_policy`` / ``classification_group`` / ``classification`` (QoS in effect
  on this host's ports): create or update sets the whole body, delete removes it.

Authentication: a keystoneauth1 Session (password or application-credential
auth) when one is given or ``session_from_options`` builds one; under noauth a
plain requests session that sends no token.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import requests

from neutrino.agent.desired import DesiredState, DesiredStateError, network_from_api

LOG = logging.getLogger(__name__)


class ResyncRequired(Exception):
    """The server cannot serve this cursor: fetch the whole state again."""


class FeedError(Exception):
    """The server answered something other than success or resync."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status


def session_from_options(auth_url: str | None = None, **auth: Any) -> Any:
    """A keystoneauth1 Session for the agent's credentials; None without ``auth_url``
    (noauth). ``auth`` holds either ``application_credential_id`` and
    ``application_credential_secret``, or ``username``, ``password``,
    ``project_name``, ``user_domain_name``, ``project_domain_name``."""
    if not auth_url:
        return None
    from keystoneauth1 import session as ks_session
    from keystoneauth1.identity import v3

    if auth.get("application_credential_id") or auth.get("application_credential_secret"):
        plugin = v3.ApplicationCredential(
            auth_url=auth_url, application_credential_id=auth.get("application_credential_id"),
            application_credential_secret=auth.get("application_credential_secret"))
    else:
        plugin = v3.Password(
            auth_url=auth_url, username=auth.get("username"), password=auth.get("password"),
            project_name=auth.get("project_name"),
            user_domain_name=auth.get("user_domain_name") or "Default",
            project_domain_name=auth.get("project_domain_name") or "Default")
    return ks_session.Session(auth=plugin)


class Document:
    """The kept state document, keyed by id, and the changes that edit it."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.networks = {b["id"]: b for b in data.get("networks", ())}
        self.ports = {b["id"]: b for b in data.get("ports", ())}
        self.subnets = {b["id"]: b for b in data.get("subnets", ())}
        self.groups = {b["id"]: b for b in data.get("security_groups", ())}
        self.members = {k: list(v) for k, v in (data.get("security_group_members") or {}).items()}
        self.endpoints = dict(data.get("tunnel_endpoints") or {})
        self.dhcp = set(data.get("dhcp_networks") or ())
        self.routers = {b["id"]: b for b in data.get("routers", ())}
        self.floatingips = {b["id"]: b for b in data.get("floatingips", ())}
        self.distributed = {b["id"]: b for b in data.get("distributed_routers", ())}
        self.logs = {b["id"]: b for b in data.get("logs") or ()}
        self.qos_policies = {b["id"]: b for b in data.get("qos_policies") or ()}
        self.classification_groups = {b["id"]: b for b in data.get("classification_groups") or ()}
        self.classifications = {b["id"]: b for b in data.get("classifications") or ()}
        self.trunks = {b["id"]: b for b in data.get("trunks") or ()}

    def apply(self, change: Mapping[str, Any]) -> None:
        kind, rid = change["resource_type"], change["resource_id"]
        delete = change["operation"] == "delete"
        body = change.get("body") or {}
        table = {"network": self.networks, "port": self.ports, "subnet": self.subnets,
                 "security_group": self.groups, "router": self.routers,
                 "floatingip": self.floatingips, "log": self.logs,
                 "distributed_router": self.distributed,
                 "qos_policy": self.qos_policies,
                 "classification_group": self.classification_groups,
                 "classification": self.classifications, "trunk": self.trunks}.get(kind)
        if table is not None:
            if delete:
                table.pop(rid, None)
                if kind == "network":
                    self._drop_network(rid)
            else:
                table[rid] = body
        elif kind == "security_group_rule":
            self._apply_rule(rid, body, delete)
        elif kind == "security_group_members":
            if delete:
                self.members.pop(rid, None)
            else:
                self.members[rid] = list(body.get("addresses", ()))
        elif kind == "tunnel_endpoint":
            if delete:
                self.endpoints.pop(rid, None)
            else:
                self.endpoints[rid] = body["ip"]
        elif kind == "dhcp_network":
            (self.dhcp.discard if delete else self.dhcp.add)(rid)
        else:
            LOG.debug("ignoring a change of unknown kind %s", kind)

    def _drop_network(self, network_id: str) -> None:
        for table in (self.ports, self.subnets):
            for rid in [k for k, v in table.items() if v.get("network_id") == network_id]:
                del table[rid]
        self.dhcp.discard(network_id)

    def _apply_rule(self, rule_id: str, body: Mapping[str, Any], delete: bool) -> None:
        for group in self.groups.values():
            rules = group.get("security_group_rules") or []
            kept = [r for r in rules if r.get("id") != rule_id]
            if len(kept) != len(rules):
                group["security_group_rules"] = kept
        if not delete:
            group = self.groups.get(body.get("security_group_id"))
            if group is not None:
                group.setdefault("security_group_rules", []).append(dict(body))
                group["security_group_rules"].sort(key=lambda r: r["id"])

    def desired(self) -> DesiredState:
        """The document as the agent's input; networks the agent cannot serve (and
        their ports) are left out with a warning rather than failing the whole host."""
        networks, skipped = [], set()
        for nid in sorted(self.networks):
            try:
                network_from_api(self.networks[nid])
            except (DesiredStateError, KeyError, TypeError, ValueError) as err:
                LOG.warning("network %s left out of the desired state: %s", nid, err)
                skipped.add(nid)
                continue
            networks.append(self.networks[nid])
        groups = []
        for gid in sorted(self.groups):
            group = dict(self.groups[gid])
            group["security_group_rules"] = sorted(group.get("security_group_rules") or (),
                                                   key=lambda r: r["id"])
            groups.append(group)
        return DesiredState.from_api(
            networks,
            [self.ports[k] for k in sorted(self.ports) if self.ports[k]["network_id"] not in skipped],
            dict(sorted(self.endpoints.items())),
            subnets=[self.subnets[k] for k in sorted(self.subnets)
                     if self.subnets[k]["network_id"] not in skipped],
            security_groups=groups,
            security_group_members={k: sorted(v) for k, v in sorted(self.members.items())},
            dhcp_networks=sorted(n for n in self.dhcp if n not in skipped),
            routers=[self.routers[k] for k in sorted(self.routers)],
            floatingips=[self.floatingips[k] for k in sorted(self.floatingips)],
            distributed_routers=[self.distributed[k] for k in sorted(self.distributed)],
            logs=[self.logs[k] for k in sorted(self.logs)],
            qos_policies=[self.qos_policies[k] for k in sorted(self.qos_policies)],
            classification_groups=[self.classification_groups[k]
                                   for k in sorted(self.classification_groups)],
            classifications=[self.classifications[k] for k in sorted(self.classifications)],
            trunks=[self.trunks[k] for k in sorted(self.trunks)])


class FeedClient:
    """One host's connection to the agent feed of a Neutrino server."""

    def __init__(self, url: str, host: str, session: Any = None, timeout: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self.host = host
        self.session = session if session is not None else requests.Session()
        self.timeout = timeout
        self.document: Document | None = None
        # The changes the last watch answer brought (for logs, tests and benchmarks).
        self.last_changes: list[dict] = []
        self._host_path = f"{self.url}/feed/v1/hosts/{quote(host, safe='')}"

    # ---- HTTP ------------------------------------------------------------------------
    def _request(self, method: str, url: str, timeout: float, **kwargs: Any) -> Any:
        kwargs.setdefault("headers", {})["Accept"] = "application/json"
        if hasattr(self.session, "get_endpoint"):  # a keystoneauth1 Session
            resp = self.session.request(url, method, raise_exc=False, timeout=timeout, **kwargs)
        else:
            resp = self.session.request(method, url, timeout=timeout, **kwargs)
        if resp.status_code == 410:
            raise ResyncRequired(_message(resp))
        if resp.status_code >= 400:
            raise FeedError(resp.status_code, _message(resp))
        return resp.json()

    def register(self, agent: dict) -> dict:
        """POST /feed/v1/agents: register (or heartbeat) this host's agent."""
        data = self._request("POST", f"{self.url}/feed/v1/agents", self.timeout,
                             json={"agent": agent})
        return data.get("agent", data)

    def report_devices(self, up: list[str], down: list[str]) -> dict:
        """POST /feed/v1/hosts/{host}/devices: the ports this agent wired or unwired."""
        return self._request("POST", f"{self._host_path}/devices", self.timeout,
                             json={"up": list(up), "down": list(down)})

    def report_floatingips(self, statuses: dict[str, str]) -> dict:
        """POST /feed/v1/hosts/{host}/floatingips: floating IPs with their NAT in place
        (ACTIVE) or not (DOWN, ERROR)."""
        return self._request("POST", f"{self._host_path}/floatingips", self.timeout,
                             json={"floatingips": dict(statuses)})

    def report_trunks(self, statuses: dict[str, str]) -> dict:
        """POST /feed/v1/hosts/{host}/trunks: trunks wired (ACTIVE), partly (DEGRADED) or
        not at all (DOWN), as this host sees them."""
        return self._request("POST", f"{self._host_path}/trunks", self.timeout,
                             json={"trunks": dict(statuses)})

    # ---- the document ------------------------------------------------------------------
    def state(self) -> tuple[str, DesiredState]:
        """Fetch the host's whole state; keep it for ``watch``."""
        data = self._request("GET", f"{self._host_path}/state", self.timeout)
        self.document = Document(data["state"])
        return data["cursor"], self.document.desired()

    def watch(self, cursor: str, timeout: float = 30.0) -> tuple[str, DesiredState | None]:
        """Long-poll the changes after ``cursor`` (at most ``timeout`` seconds, up to 60);
        the new cursor, and the new desired state if anything changed."""
        if self.document is None:
            raise ResyncRequired("no state fetched yet")
        wait = max(0, min(int(timeout), 60))
        data = self._request("GET", f"{self._host_path}/watch", wait + self.timeout,
                             params={"cursor": cursor, "timeout": wait})
        changes = self.last_changes = data.get("changes") or []
        for change in changes:
            self.document.apply(change)
        return data["cursor"], (self.document.desired() if changes else None)

    def document_json(self) -> str:
        """The kept document (for logs and tests)."""
        doc = self.document
        if doc is None:
            return "{}"
        return json.dumps({"networks": list(doc.networks.values()), "ports": list(doc.ports.values()),
                           "subnets": list(doc.subnets.values()),
                           "security_groups": list(doc.groups.values()),
                           "security_group_members": doc.members,
                           "tunnel_endpoints": doc.endpoints, "dhcp_networks": sorted(doc.dhcp),
                           "routers": list(doc.routers.values()),
                           "floatingips": list(doc.floatingips.values()),
                           "distributed_routers": list(doc.distributed.values()),
                           "logs": [doc.logs[k] for k in sorted(doc.logs)],
                           "qos_policies": [doc.qos_policies[k] for k in sorted(doc.qos_policies)],
                           "classification_groups": [doc.classification_groups[k] for k in
                                                     sorted(doc.classification_groups)],
                           "classifications": [doc.classifications[k]
                                               for k in sorted(doc.classifications)],
                           "trunks": [doc.trunks[k] for k in sorted(doc.trunks)]})


def _message(resp: Any) -> str:
    try:
        err = resp.json().get("NeutronError") or {}
        return err.get("message") or resp.text
    except ValueError:
        return resp.text
