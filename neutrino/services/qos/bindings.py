"""Which QoS policy a port, network or floating IP uses (``qos_policy_id``), the
network's policy as a port sees it (``qos_network_policy_id``), and the port's
``resource_request``: what Nova must ask Placement for the port's guaranteed
minimum bandwidth and packet rate.

A port without a policy of its own gets its network's, unless the port is the
network's own (device owner ``network:*``: DHCP, router interfaces), as in
Neutron. Attaching a policy the caller cannot see is its 404.
"""
from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Connection, Select, bindparam, delete, exists, insert, select, update

from neutrino import exceptions as exc
from neutrino.context import Context
from neutrino.core.extenders import AttributeExtender
from neutrino.db.models.network import NetworkSegment
from neutrino.services.qos import policies
from neutrino.services.qos.placement import allocation, names
from neutrino.services.qos.policies import (
    FIP_BINDINGS,
    NETWORK_BINDINGS,
    PORT_BINDINGS,
    PORTS,
    POLICIES,
    ROUTER_GW_BINDINGS,
    RULE_TABLES,
)

SEGMENTS = NetworkSegment.__table__
TUNNELLED = ("vxlan", "geneve", "gre")
# vnic types some agent's devices report to Placement: only those can be guaranteed.
PLACEMENT_VNIC_TYPES = frozenset(v for types in names.VNIC_TYPES.values() for v in types) | {
    "direct"}
# The vnic types the Open vSwitch driver binds, which is what enforces the rules.
OVS_VNIC_TYPES = ("normal", "direct")


def check_visible(conn: Connection, ctx: Context, policy_id: str | None) -> None:
    """The caller may attach the policy: it exists and the caller sees it, else 404."""
    if policy_id is None:
        return
    stmt = select(POLICIES.c.id).where(POLICIES.c.id == policy_id)
    visible = policies.visible_policies(ctx)
    if visible is not None:
        stmt = stmt.where(visible)
    if conn.execute(stmt).first() is None:
        raise exc.QosPolicyNotFound(id=policy_id)


def _set_binding(conn: Connection, table: Any, key: str, object_id: str,
                 policy_id: str | None) -> None:
    conn.execute(delete(table).where(table.c[key] == object_id))
    if policy_id is not None:
        conn.execute(insert(table).values(**{key: object_id, "policy_id": policy_id}))


class _Binding(AttributeExtender):
    """``qos_policy_id`` of one kind of resource, stored in a binding table."""

    attributes = ("qos_policy_id",)
    binding: Any
    key: str

    def load(self, conn: Connection, ids_query: Select, items: list[dict]) -> None:
        found = dict(conn.execute(select(self.binding.c[self.key], self.binding.c.policy_id)
                                  .where(self.binding.c[self.key].in_(ids_query))).all())
        self.values(items, "qos_policy_id", found, None)

    def policy_for(self, conn: Connection, ctx: Context, body: dict) -> str | None:
        return body.get("qos_policy_id")

    def create(self, conn: Connection, ctx: Context, items: list[dict],
               bodies: list[dict]) -> None:
        for item, body in zip(items, bodies):
            policy_id = self.policy_for(conn, ctx, body)
            check_visible(conn, ctx, policy_id)
            self.check_supported(conn, item, policy_id)
            if policy_id is not None:
                _set_binding(conn, self.binding, self.key, item["id"], policy_id)
            item["qos_policy_id"] = policy_id

    def update(self, conn: Connection, ctx: Context, original: dict, changes: dict) -> None:
        policy_id = changes["qos_policy_id"]
        if policy_id == original.get("qos_policy_id"):
            return
        check_visible(conn, ctx, policy_id)
        self.check_supported(conn, original, policy_id)
        _set_binding(conn, self.binding, self.key, original["id"], policy_id)

    def delete(self, conn: Connection, ctx: Context, original: dict) -> None:
        conn.execute(delete(self.binding).where(self.binding.c[self.key] == original["id"]))

    def check_supported(self, conn: Connection, item: dict, policy_id: str | None) -> None:
        """Refuse a policy whose rules the resource's driver cannot apply."""


class NetworkQos(_Binding):
    """A network's policy; a new network without one gets its project's default."""

    collection = "networks"
    alias = "qos"
    binding, key = NETWORK_BINDINGS, "network_id"

    def update(self, conn: Connection, ctx: Context, original: dict, changes: dict) -> None:
        """A new policy; the Placement allocations of the network's bound VM ports that
        follow it (no policy of their own) follow too (placement/allocation.py)."""
        super().update(conn, ctx, original, changes)
        old, new = original.get("qos_policy_id"), changes["qos_policy_id"]
        if old == new or old is None:
            return
        profiles = {}
        for row in conn.execute(
                select(PORTS.c.id, PORTS.c.device_id, PORTS.c.device_owner,
                       PORTS.c.binding_profile)
                .where(PORTS.c.network_id == original["id"],
                       PORTS.c.device_owner.like("compute:%"),
                       PORTS.c.id.not_in(select(PORT_BINDINGS.c.port_id)))
                .order_by(PORTS.c.id)).all():
            profile = orjson.loads(row.binding_profile or "{}")
            updated = allocation.follow_policy(self.registry, conn, {
                "id": row.id, "device_id": row.device_id, "device_owner": row.device_owner,
                "binding:profile": profile}, old, new)
            if updated is not None and updated != profile.get("allocation"):
                profiles[row.id] = {**profile, "allocation": updated}
        if not profiles:
            return

        def write() -> None:
            for port_id, profile in profiles.items():
                conn.execute(update(PORTS).where(PORTS.c.id == port_id)
                             .values(binding_profile=orjson.dumps(profile).decode()))
        self.registry.plugin("ports").touch(conn, ctx, sorted(profiles), write)

    def policy_for(self, conn: Connection, ctx: Context, body: dict) -> str | None:
        if body.get("qos_policy_id") is not None:
            return body["qos_policy_id"]
        project = body.get("project_id") or ctx.project_id
        return self.registry.plugin("qos/policies").default_for(conn, project)


class FloatingIpQos(_Binding):
    collection = "floatingips"
    alias = "qos-fip"
    binding, key = FIP_BINDINGS, "fip_id"


class RouterGatewayQos(AttributeExtender):
    """``qos_policy_id`` inside routers' ``external_gateway_info`` (qos-gateway-ip):
    the policy of the router's gateway, null without one. The router plugin owns
    ``external_gateway_info``; the policy is stored here and written by
    ``set_gateway_policy`` in the router's transaction."""

    collection = "routers"
    alias = "qos-gateway-ip"
    attributes = ()

    def wanted(self, fields: frozenset[str] | None) -> bool:
        return fields is None or "external_gateway_info" in fields

    def load(self, conn: Connection, ids_query: Select, items: list[dict]) -> None:
        gateways = [item for item in items if item.get("external_gateway_info")]
        if not gateways:
            return
        found = dict(conn.execute(
            select(ROUTER_GW_BINDINGS.c.router_id, ROUTER_GW_BINDINGS.c.policy_id)
            .where(ROUTER_GW_BINDINGS.c.router_id.in_(ids_query))).all())
        for item in gateways:
            item["external_gateway_info"]["qos_policy_id"] = found.get(item["id"])


def set_gateway_policy(registry: Any):
    """Precommit of a router's create or update: ``external_gateway_info.qos_policy_id``
    given sets (null: clears) the gateway's policy, a policy the caller cannot see
    being a 404; not given keeps it; a router without a gateway has none."""
    def callback(resource, event, trigger, payload) -> None:
        body = payload.request_body
        if not body or "external_gateway_info" not in body:
            return
        conn, router = payload.connection, payload.desired_state
        gateway = router.get("external_gateway_info")
        if not gateway:
            conn.execute(delete(ROUTER_GW_BINDINGS)
                         .where(ROUTER_GW_BINDINGS.c.router_id == router["id"]))
            return
        info = body["external_gateway_info"] or {}
        if "qos_policy_id" not in info:
            return
        check_visible(conn, payload.context, info["qos_policy_id"])
        _set_binding(conn, ROUTER_GW_BINDINGS, "router_id", router["id"], info["qos_policy_id"])
        gateway["qos_policy_id"] = info["qos_policy_id"]
    return callback


def _policies_of_ports(ids: Any) -> Select:
    """The ports ``ids`` names (a subquery, or an expanding parameter) that have a
    policy, their own or their network's: one query (none at all in a cloud without
    QoS policies, so the list path stays as it was)."""
    return (select(PORTS.c.id, PORTS.c.network_id, PORTS.c.device_owner,
                   PORTS.c.binding_vnic_type, PORT_BINDINGS.c.policy_id.label("own"),
                   NETWORK_BINDINGS.c.policy_id.label("net"))
            .outerjoin(PORT_BINDINGS, PORT_BINDINGS.c.port_id == PORTS.c.id)
            .outerjoin(NETWORK_BINDINGS, NETWORK_BINDINGS.c.network_id == PORTS.c.network_id)
            .where(PORTS.c.id.in_(ids),
                   PORT_BINDINGS.c.policy_id.is_not(None)
                   | NETWORK_BINDINGS.c.policy_id.is_not(None)))


# Built once for a show and a create: building a SELECT with its joins and WHERE
# clause costs SQLAlchemy more than SQLite takes to run it.
POLICIES_OF_PORT_IDS = _policies_of_ports(bindparam("port_ids", expanding=True))
ANY_POLICY_BOUND = select(exists(select(PORT_BINDINGS.c.port_id))
                          | exists(select(NETWORK_BINDINGS.c.network_id)))


class PortQos(_Binding):
    """A port's own policy, its network's, and its resource request."""

    collection = "ports"
    alias = "qos"
    attributes = ("qos_policy_id", "qos_network_policy_id", "resource_request")
    binding, key = PORT_BINDINGS, "port_id"

    def load(self, conn: Connection, ids_query: Select, items: list[dict]) -> None:
        if len(items) == 1:  # a show: the statement built once
            rows = conn.execute(POLICIES_OF_PORT_IDS, {"port_ids": [items[0]["id"]]}).all()
        elif not conn.scalar(ANY_POLICY_BOUND):
            rows = []  # no port or network has a policy: no need to look at every port
        else:
            rows = conn.execute(_policies_of_ports(ids_query)).all()
        self._set(conn, rows, items)

    def create(self, conn: Connection, ctx: Context, items: list[dict],
               bodies: list[dict]) -> None:
        super().create(conn, ctx, items, bodies)
        self._set(conn, conn.execute(POLICIES_OF_PORT_IDS,
                                     {"port_ids": [i["id"] for i in items]}).all(), items)

    @staticmethod
    def _set(conn: Connection, rows: list, items: list[dict]) -> None:
        by_id = {r.id: r for r in rows}
        requests = resource_requests(conn, rows) if rows else {}
        for item in items:
            row = by_id.get(item["id"])
            item["qos_policy_id"] = row.own if row else None
            item["qos_network_policy_id"] = row.net if row else None
            item["resource_request"] = requests.get(item["id"])

    def update(self, conn: Connection, ctx: Context, original: dict, changes: dict) -> None:
        """A new policy; a bound VM port's Placement allocation follows it
        (placement/allocation.py)."""
        super().update(conn, ctx, original, changes)
        network_policy = original.get("qos_network_policy_id")
        owned_by_network = (original.get("device_owner") or "").startswith("network:")
        old = original.get("qos_policy_id") or (None if owned_by_network else network_policy)
        new = changes["qos_policy_id"] or (None if owned_by_network else network_policy)
        if old == new or old is None:
            return
        row = conn.execute(select(PORTS.c.binding_profile, PORTS.c.device_id,
                                  PORTS.c.device_owner).where(PORTS.c.id == original["id"])).one()
        profile = orjson.loads(row.binding_profile or "{}")
        port = {"id": original["id"], "device_id": row.device_id,
                "device_owner": row.device_owner, "binding:profile": profile}
        updated = allocation.follow_policy(self.registry, conn, port, old, new)
        if updated is not None and updated != profile.get("allocation"):
            profile["allocation"] = updated
            conn.execute(update(PORTS).where(PORTS.c.id == original["id"])
                         .values(binding_profile=orjson.dumps(profile).decode()))

    def check_supported(self, conn: Connection, item: dict, policy_id: str | None) -> None:
        if policy_id is None:
            return
        vnic = conn.scalar(select(PORTS.c.binding_vnic_type).where(PORTS.c.id == item["id"]))
        if vnic in OVS_VNIC_TYPES or vnic is None:
            return
        for rule_type, table in RULE_TABLES.items():
            if conn.execute(select(table.c.id).where(table.c.qos_policy_id == policy_id)
                            .limit(1)).first():
                raise exc.QosRuleNotSupported(rule_type=rule_type, port_id=item["id"])


def effective_policy(row: Any) -> str | None:
    """The policy a port follows: its own, else its network's (not for the network's
    own ports)."""
    if row.own is not None:
        return row.own
    if (row.device_owner or "").startswith("network:"):
        return None
    return row.net


def _segment_traits(conn: Connection, network_ids: set[str]) -> dict[str, list[str]]:
    """The traits a network's segments ask of a device: its physnets', or the tunnel
    provider's for a tunnelled network."""
    out: dict[str, list[str]] = {}
    for net_id, net_type, physnet in conn.execute(
            select(SEGMENTS.c.network_id, SEGMENTS.c.network_type, SEGMENTS.c.physical_network)
            .where(SEGMENTS.c.network_id.in_(network_ids))
            .order_by(SEGMENTS.c.network_id, SEGMENTS.c.segment_index)):
        if physnet:
            trait = names.physnet_trait(physnet)
        elif net_type in TUNNELLED:
            trait = names.TUNNEL_TRAIT
        else:
            continue
        traits = out.setdefault(net_id, [])
        if trait not in traits:
            traits.append(trait)
    return out


def resource_requests(conn: Connection, rows: list) -> dict[str, dict]:
    """Port id -> resource_request (port-resource-request-groups format), for the
    ports (rows of id, network_id, device_owner, binding_vnic_type, own, net) that
    have one."""
    effective = {r.id: effective_policy(r) for r in rows}
    wanted = {p for p in effective.values() if p is not None}
    if not wanted:
        return {}
    minimums: dict[str, dict[str, list]] = {}
    for rule_type in ("minimum_bandwidth", "minimum_packet_rate"):
        table = RULE_TABLES[rule_type]
        value = table.c.min_kbps if rule_type == "minimum_bandwidth" else table.c.min_kpps
        for rule_id, policy_id, direction, amount in conn.execute(
                select(table.c.id, table.c.qos_policy_id, table.c.direction, value)
                .where(table.c.qos_policy_id.in_(wanted)).order_by(table.c.id)):
            minimums.setdefault(policy_id, {}).setdefault(rule_type, []).append(
                (rule_id, direction, amount))
    if not minimums:
        return {}
    traits = _segment_traits(conn, {r.network_id for r in rows
                                    if effective[r.id] in minimums})
    out = {}
    for row in rows:
        rules = minimums.get(effective[row.id])
        vnic = row.binding_vnic_type or "normal"
        if not rules or vnic not in PLACEMENT_VNIC_TYPES:
            continue
        request = _request(row.id, rules, traits.get(row.network_id, []), vnic)
        if request is not None:
            out[row.id] = request
    return out


def _request(port_id: str, rules: dict[str, list], net_traits: list[str],
             vnic: str) -> dict | None:
    groups = []
    vnic_trait = names.vnic_trait(vnic)
    bandwidth = rules.get("minimum_bandwidth")
    if bandwidth and net_traits:
        # Several physnets (a multi-segment network): any one of them will do.
        where = net_traits if len(net_traits) == 1 else ["in:" + ",".join(net_traits)]
        resources = {}
        for _id, direction, amount in bandwidth:
            resources[names.NET_BW_EGR if direction == "egress" else names.NET_BW_IGR] = amount
        groups.append({"id": names.request_group_id(port_id, [r[0] for r in bandwidth]),
                       "required": [*where, vnic_trait], "resources": resources})
    rate = rules.get("minimum_packet_rate")
    if rate:
        classes = {"any": names.NET_PACKET_RATE, "egress": names.NET_PACKET_RATE_EGR,
                   "ingress": names.NET_PACKET_RATE_IGR}
        groups.append({"id": names.request_group_id(port_id, [r[0] for r in rate]),
                       "required": [vnic_trait],
                       "resources": {classes[d]: amount for _id, d, amount in rate}})
    if not groups:
        return None
    return {"request_groups": groups, "same_subtree": [g["id"] for g in groups]}




class AgentResourcesSynced(AttributeExtender):
    """Agents' ``resources_synced`` (agent-resources-synced): whether Placement holds
    what the agent last reported (null: never tried), written by the sync."""

    collection = "agents"
    alias = "agent-resources-synced"
    attributes = ("resources_synced",)

    def load(self, conn: Connection, ids_query: Select, items: list[dict]) -> None:
        found = dict(conn.execute(select(self.table.c.id, self.table.c.resources_synced)
                                  .where(self.table.c.id.in_(ids_query))).all())
        self.values(items, "resources_synced", found, None)
