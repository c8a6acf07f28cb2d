"""A host's state document and its derived part (the "scope").

The document (docs/agent-feed.md) holds the API bodies of the networks the host
carries (a port of it is bound there, its DHCP port among them), every port and
subnet of those networks, the security groups of its bound ports plus those their
rules name as remote groups, the member addresses of those remote groups (ports on
any host), the tunnel endpoints of the Open vSwitch agents (dead ones too), the networks whose
DHCP the host serves, the routers with an interface on a network it carries
(``distributed_routers``, for east-west routing; the networks of all their
interfaces are then in the document too), every security-group and SNAT packet
log (``logs``: few, admins' objects; the agent applies the enabled ones), and the
QoS policies in effect on its bound ports with the classification groups and
classifications their DSCP marking rules name (``qos_bodies``), and the trunks whose
parent port is bound there (``trunks``). Bodies come from the
plugins' own rendering, as a GET by an admin shows them, in a fixed number of
queries whatever the host's size.

The scope is what a watch cannot learn from journal rows alone: which networks
and groups are in the document, digests of the member lists, the tunnel endpoints
and the DHCP networks. A cursor names the scope its document was built with (a
digest, stored in ``feed_scopes``), and each watch answer brings the document
from that scope to the current one.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Connection, select, union

from neutrino.context import Context
from neutrino.core.listing import ListQuery
from neutrino.core.security_groups import BINDINGS
from neutrino.db.models.port import AllowedAddressPair, IpAllocation, Port
from neutrino.db.models.security_group import SecurityGroupRule

PORTS = Port.__table__
IPS = IpAllocation.__table__
PAIRS = AllowedAddressPair.__table__
RULES = SecurityGroupRule.__table__
DHCP_OWNER = "network:dhcp"
ADMIN = Context.admin()


@dataclass(frozen=True)
class Scope:
    networks: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()  # in the document: used and remote ones
    members: dict[str, str] = field(default_factory=dict)  # remote group -> digest of addresses
    tunnel_endpoints: dict[str, str] = field(default_factory=dict)
    dhcp_networks: frozenset[str] = frozenset()
    routers: dict[str, str] = field(default_factory=dict)  # placed here -> digest of its body
    floatingips: dict[str, str] = field(default_factory=dict)  # of those routers -> digest
    # Routers with an interface on a network a port bound here is on -> digest of
    # their interfaces (east-west routing in OpenFlow, wherever the router is placed).
    distributed: dict[str, str] = field(default_factory=dict)
    # QoS in effect on the host's bound ports: kind (QOS_KINDS) -> {id: digest of body}.
    qos: dict[str, dict[str, str]] = field(default_factory=dict)
    # Trunks whose parent port is bound here -> digest of the body.
    trunks: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> bytes:
        return orjson.dumps({"networks": sorted(self.networks), "groups": sorted(self.groups),
                             "members": self.members, "tunnel_endpoints": self.tunnel_endpoints,
                             "dhcp_networks": sorted(self.dhcp_networks),
                             "routers": self.routers, "floatingips": self.floatingips,
                             "distributed": self.distributed, "qos": self.qos,
                             "trunks": self.trunks},
                            option=orjson.OPT_SORT_KEYS)

    @classmethod
    def from_json(cls, text: str | bytes) -> Scope:
        data = orjson.loads(text)
        return cls(frozenset(data["networks"]), frozenset(data["groups"]), data["members"],
                   data["tunnel_endpoints"], frozenset(data["dhcp_networks"]),
                   data.get("routers") or {}, data.get("floatingips") or {},
                   data.get("distributed") or {}, data.get("qos") or {},
                   data.get("trunks") or {})

    def digest(self, host: str) -> str:
        """The scope's name for one host (the same scope of two hosts: two names)."""
        return hashlib.sha256(host.encode() + b"\0" + self.to_json()).hexdigest()[:32]


def _digest(addresses: Iterable[str]) -> str:
    return hashlib.sha1("\n".join(addresses).encode()).hexdigest()[:16]


def tunnel_endpoints(conn: Connection, registry: Any) -> dict[str, str]:
    """host -> tunneling_ip of the Open vSwitch agents (the agents feature's records;
    none while no feature serves /v2.0/agents). Dead ones too: an agent that stops
    heartbeating (restarted, cut off from the server) leaves its host forwarding, and
    the other hosts must keep their tunnels to it."""
    if "agents" not in registry.plugin_classes:
        return {}
    plugin = registry.plugin("agents")
    out = {}
    for agent in plugin._list(conn, ADMIN, ListQuery(filters={"agent_type": ["Open vSwitch agent"]})):
        ip = (agent.get("configurations") or {}).get("tunneling_ip")
        if ip and agent.get("admin_state_up", True):
            out[agent["host"]] = ip
    return dict(sorted(out.items()))


def members(conn: Connection, groups: Iterable[str]) -> dict[str, list[str]]:
    """group -> sorted addresses (fixed IPs and allowed address pairs) of its ports,
    on any host."""
    groups = sorted(groups)
    out: dict[str, set[str]] = {g: set() for g in groups}
    if not groups:
        return {}
    fixed = (select(BINDINGS.c.security_group_id, IPS.c.ip_address)
             .join(IPS, IPS.c.port_id == BINDINGS.c.port_id)
             .where(BINDINGS.c.security_group_id.in_(groups)))
    pairs = (select(BINDINGS.c.security_group_id, PAIRS.c.ip_address)
             .join(PAIRS, PAIRS.c.port_id == BINDINGS.c.port_id)
             .where(BINDINGS.c.security_group_id.in_(groups)))
    for group, address in conn.execute(union(fixed, pairs)).all():
        out[group].add(address)
    return {g: sorted(a) for g, a in out.items()}


@dataclass
class Derived:
    """The scope with what its digests stand for (member address lists)."""

    scope: Scope
    member_lists: dict[str, list[str]]
    router_bodies: dict[str, dict] = field(default_factory=dict)
    fip_bodies: dict[str, dict] = field(default_factory=dict)
    distributed_bodies: dict[str, dict] = field(default_factory=dict)
    qos_bodies: dict[str, dict[str, dict]] = field(default_factory=dict)  # kind -> id -> body
    trunk_bodies: dict[str, dict] = field(default_factory=dict)


def derive(conn: Connection, registry: Any, host: str) -> Derived:
    """The host's scope as the database holds it now (a few small queries)."""
    bound = conn.execute(select(PORTS.c.network_id, PORTS.c.device_owner)
                         .where(PORTS.c.binding_host_id == host).distinct()).all()
    carried = frozenset(n for n, _owner in bound)
    distributed = distributed_routers(conn, registry, carried)
    # The other networks of those routers: their subnets and ports (with their hosts)
    # are where this host routes to.
    networks = carried | {i["network_id"] for body in distributed.values()
                          for i in body["interfaces"]}
    dhcp = frozenset(n for n, owner in bound if owner == DHCP_OWNER)
    used = set(conn.scalars(select(BINDINGS.c.security_group_id).distinct()
                            .join(PORTS, PORTS.c.id == BINDINGS.c.port_id)
                            .where(PORTS.c.binding_host_id == host)))
    remote = set(conn.scalars(select(RULES.c.remote_group_id).distinct().where(
        RULES.c.security_group_id.in_(used), RULES.c.remote_group_id.is_not(None)))) if used else set()
    lists = members(conn, remote)
    routers, fips = router_bodies(conn, registry, host)
    qos = qos_bodies(conn, registry, host)
    trunks = trunk_bodies(conn, registry, host)
    scope = Scope(networks, frozenset(used | remote), {g: _digest(a) for g, a in lists.items()},
                  tunnel_endpoints(conn, registry), dhcp,
                  {r: _body_digest(b) for r, b in routers.items()},
                  {f: _body_digest(b) for f, b in fips.items()},
                  {r: _body_digest(b) for r, b in distributed.items()},
                  {kind: {i: _body_digest(b) for i, b in found.items()}
                   for kind, found in qos.items() if found},
                  {t: _body_digest(b) for t, b in trunks.items()})
    return Derived(scope, lists, routers, fips, distributed, qos, trunks)


ROUTER_INTERFACE_OWNERS = ("network:router_interface", "network:router_interface_distributed",
                           "network:ha_router_replicated_interface")


def distributed_routers(conn: Connection, registry: Any, networks: frozenset[str]) -> dict[str, dict]:
    """router id -> ``{"id", "admin_state_up", "interfaces": [{"port_id", "network_id",
    "mac_address", "fixed_ips": [{"subnet_id", "ip_address"}]}]}`` of every router with
    an interface on one of ``networks`` (three queries; none without the L3 feature)."""
    if not networks or "routers" not in registry.plugin_classes:
        return {}
    from neutrino.services.l3.models import Router, RouterPort
    links, routers = RouterPort.__table__, Router.__table__
    ids = sorted(set(conn.scalars(
        select(links.c.router_id).join(PORTS, PORTS.c.id == links.c.port_id)
        .where(PORTS.c.network_id.in_(sorted(networks)),
               links.c.port_type.in_(ROUTER_INTERFACE_OWNERS)))))
    if not ids:
        return {}
    rows = conn.execute(
        select(links.c.router_id, PORTS.c.id, PORTS.c.network_id, PORTS.c.mac_address,
               IPS.c.subnet_id, IPS.c.ip_address)
        .join(PORTS, PORTS.c.id == links.c.port_id)
        .join(IPS, IPS.c.port_id == PORTS.c.id)
        .where(links.c.router_id.in_(ids), links.c.port_type.in_(ROUTER_INTERFACE_OWNERS))
        .order_by(PORTS.c.id, IPS.c.ip_address)).all()
    admin = dict(conn.execute(select(routers.c.id, routers.c.admin_state_up)
                              .where(routers.c.id.in_(ids))).all())
    out: dict[str, dict] = {rid: {"id": rid, "admin_state_up": bool(admin.get(rid, True)),
                                  "interfaces": []} for rid in ids}
    for row in rows:
        interfaces = out[row.router_id]["interfaces"]
        if not interfaces or interfaces[-1]["port_id"] != row.id:
            interfaces.append({"port_id": row.id, "network_id": row.network_id,
                               "mac_address": row.mac_address, "fixed_ips": []})
        interfaces[-1]["fixed_ips"].append({"subnet_id": row.subnet_id,
                                            "ip_address": row.ip_address})
    return out


# The QoS part of the document: change kind -> document key.
QOS_KINDS = {"qos_policy": "qos_policies", "classification_group": "classification_groups",
             "classification": "classifications"}


def qos_bodies(conn: Connection, registry: Any, host: str) -> dict[str, dict[str, dict]]:
    """The QoS policies in effect on the ports bound to ``host`` (a port's own, else
    its network's), API bodies with their ``rules``; the classification groups their
    DSCP marking rules name, nested ones too, and those groups' classifications (the
    fields an agent compiles: ``type``, ``negated``, ``definition``). One query when
    no port of the host has a policy."""
    if "qos/policies" not in registry.plugin_classes:
        return {}
    from neutrino.services.qos.policies import NETWORK_BINDINGS, PORT_BINDINGS
    own = (select(PORT_BINDINGS.c.policy_id).join(PORTS, PORTS.c.id == PORT_BINDINGS.c.port_id)
           .where(PORTS.c.binding_host_id == host))
    inherited = (select(NETWORK_BINDINGS.c.policy_id)
                 .join(PORTS, PORTS.c.network_id == NETWORK_BINDINGS.c.network_id)
                 .where(PORTS.c.binding_host_id == host))
    ids = sorted(set(conn.scalars(union(own, inherited))))
    if not ids:
        return {}
    policies = {p["id"]: p for p in registry.plugin("qos/policies").load_ids(conn, ids)}
    out: dict[str, dict[str, dict]] = {"qos_policy": policies}
    if "classification_groups" in registry.plugin_classes:
        from neutrino.services.classifications import plugin as classifications
        named = {r.get("classification_group_id") for p in policies.values()
                 for r in p.get("rules") or () if r.get("type") == "dscp_marking"} - {None}
        groups = classifications.resolve(conn, named) if named else {}
        out["classification_group"] = groups
        out["classification"] = {c["id"]: c for c in classifications.classification_bodies(
            conn, {c for g in groups.values() for c in g["classifications"]})}
    return out


def trunk_bodies(conn: Connection, registry: Any, host: str) -> dict[str, dict]:
    """The trunks whose parent port is bound to ``host``, API bodies (their subports
    are bound here too, so their ports and networks are in the document); one query
    when the host has none."""
    if "trunks" not in registry.plugin_classes:
        return {}
    from neutrino.services.trunk.models import Trunk
    trunks = Trunk.__table__
    ids = sorted(conn.scalars(select(trunks.c.id).join(PORTS, PORTS.c.id == trunks.c.port_id)
                              .where(PORTS.c.binding_host_id == host)))
    return {t["id"]: t for t in registry.plugin("trunks").load_ids(conn, ids)} if ids else {}


def _body_digest(body: dict) -> str:
    return hashlib.sha1(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()[:16]


def router_bodies(conn: Connection, registry: Any, host: str) -> tuple[dict[str, dict], dict[str, dict]]:
    """The routers placed on ``host`` (API bodies plus ``_interfaces``, their interface
    ports' bodies, and ``gw_port``, the gateway port's) and their floating IPs (API
    bodies, ``port_details`` and ``port_forwardings`` included); one query when the
    host carries none."""
    if not registry.api.has("l3_agent_scheduler"):
        return {}, {}
    from neutrino.services.l3.models import RouterPort
    from neutrino.services.l3_agent_scheduler.scheduler import routers_on_host
    ids = routers_on_host(conn, host)
    if not ids:
        return {}, {}
    table = RouterPort.__table__
    links = conn.execute(select(table.c.router_id, table.c.port_id, table.c.port_type)
                         .where(table.c.router_id.in_(ids))).all()
    ports = {p["id"]: p for p in registry.plugin("ports").load_ids(
        conn, sorted({link.port_id for link in links}))} if links else {}
    out = {}
    for router in registry.plugin("routers").load_ids(conn, ids):
        mine = sorted((link for link in links if link.router_id == router["id"]),
                      key=lambda link: link.port_id)
        gateway = [ports[link.port_id] for link in mine
                   if link.port_type == "network:router_gateway" and link.port_id in ports]
        out[router["id"]] = {**router, "gw_port": gateway[0] if gateway else None,
                             "_interfaces": [ports[link.port_id] for link in mine
                                             if link.port_type != "network:router_gateway"
                                             and link.port_id in ports]}
    fips = registry.plugin("floatingips")._list(conn, ADMIN, ListQuery(filters={"router_id": ids}))
    return out, {f["id"]: f for f in fips}


def _by_network(conn: Connection, registry: Any, path: str, networks: list[str]) -> list[dict]:
    if not networks:
        return []
    query = ListQuery(filters={"network_id": networks})
    return registry.plugin(path)._list(conn, ADMIN, query)


def bodies(conn: Connection, registry: Any, networks: Iterable[str],
           groups: Iterable[str]) -> dict[str, list[dict]]:
    """API bodies of these networks with all their subnets and ports, and of these
    security groups (with their rules), each list sorted by id."""
    networks, groups = sorted(networks), sorted(groups)
    nets = registry.plugin("networks").load_ids(conn, networks) if networks else []
    sgs = registry.plugin("security-groups").load_ids(conn, groups) if groups else []
    key = _by_id
    return {"networks": sorted(nets, key=key),
            "subnets": sorted(_by_network(conn, registry, "subnets", networks), key=key),
            "ports": sorted(_by_network(conn, registry, "ports", networks), key=key),
            "security_groups": sorted(sgs, key=key)}


def _by_id(item: dict) -> str:
    return item["id"]


LOGGED_TYPES = ["security_group", "snat"]  # the log types the agent writes records for


def logs(conn: Connection, registry: Any) -> list[dict]:
    """Bodies of every security-group and SNAT log, enabled or not (none while no
    feature serves the logging API)."""
    if "log/logs" not in registry.plugin_classes:
        return []
    return sorted(registry.plugin("log/logs")._list(
        conn, ADMIN, ListQuery(filters={"resource_type": LOGGED_TYPES})), key=_by_id)


def document(conn: Connection, registry: Any, derived: Derived) -> dict:
    """The whole state document of a host whose scope is ``derived``."""
    scope = derived.scope
    return {**bodies(conn, registry, scope.networks, scope.groups),
            "security_group_members": derived.member_lists,
            "tunnel_endpoints": scope.tunnel_endpoints,
            "dhcp_networks": sorted(scope.dhcp_networks),
            "routers": [derived.router_bodies[k] for k in sorted(derived.router_bodies)],
            "floatingips": [derived.fip_bodies[k] for k in sorted(derived.fip_bodies)],
            "distributed_routers": [derived.distributed_bodies[k]
                                    for k in sorted(derived.distributed_bodies)],
            "logs": logs(conn, registry),
            **{key: [found[k] for k in sorted(found)] for kind, key in QOS_KINDS.items()
               for found in [derived.qos_bodies.get(kind) or {}]},
            "trunks": [derived.trunk_bodies[k] for k in sorted(derived.trunk_bodies)]}
