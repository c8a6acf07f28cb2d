"""Routed networks: a port's addresses come from the subnets of the segment its host
reaches.

On a network whose subnets are on segments, a new port with ``binding:host_id`` gets
one address of each IP version from the subnets of the one segment the host's
agents reach (as the mechanism drivers see it: the agent's bridge mappings or tunnel
types); a host reaching none, or several, is refused (409). A port created without
a host gets no address (``ip_allocation`` ``deferred``) until an update gives it
one. Ports asking for fixed_ips of their own keep them. Networks without segment
subnets cost this one query per new port.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from neutrino.context import Context
from neutrino.core.extenders import AttributeExtender
from neutrino.db.models.network import NetworkSegment
from neutrino.db.models.port import Port
from neutrino.db.models.subnet import Subnet
from neutrino.ml2 import mechanism
from neutrino.services.agents.binding import HOST, host_agents
from neutrino.services.segments import exceptions as sexc

SEGMENTS = NetworkSegment.__table__
SUBNETS = Subnet.__table__
PORTS = Port.__table__
DEFERRED = "deferred"
# Subnets on a segment of one network, oldest first (built once: the port create path).
SEGMENT_SUBNETS = (select(SUBNETS.c.id, SUBNETS.c.segment_id, SUBNETS.c.ip_version)
                   .where(SUBNETS.c.network_id == bindparam("network_id"),
                          SUBNETS.c.segment_id.is_not(None))
                   .order_by(SUBNETS.c.created_at, SUBNETS.c.id))


def segments_reached(conn: Connection, conf: Any, host: str, network_id: str) -> list[str]:
    """Ids of the network's segments that an alive agent of ``host`` reaches."""
    agents = host_agents(conn, conf, host)
    drivers = mechanism.load(conf.ml2.mechanism_drivers)
    out = []
    for seg in conn.execute(select(SEGMENTS.c.id, SEGMENTS.c.network_type,
                                   SEGMENTS.c.physical_network, SEGMENTS.c.segmentation_id)
                            .where(SEGMENTS.c.network_id == network_id)
                            .order_by(SEGMENTS.c.segment_index)):
        segment = dict(seg._mapping)
        if any(d.reaches is not None and a["agent_type"] == d.agent_type
               and d.reaches(a["configurations"], segment) for d in drivers for a in agents):
            out.append(seg.id)
    return out


def fixed_ips_on_host(conn: Connection, conf: Any, network_id: str, host: str,
                      subnets: list) -> list[dict]:
    """fixed_ips requests for a port on ``host``: the first subnet of each IP version
    on the segment the host reaches."""
    with_subnets = {s.segment_id for s in subnets}
    reached = [s for s in segments_reached(conn, conf, host, network_id) if s in with_subnets]
    if not reached:
        raise sexc.HostNotConnectedToAnySegment(host=host, network_id=network_id)
    if len(reached) > 1:
        raise sexc.HostConnectedToMultipleSegments(host=host, network_id=network_id)
    chosen: dict[int, str] = {}
    for subnet in subnets:
        if subnet.segment_id == reached[0]:
            chosen.setdefault(subnet.ip_version, subnet.id)
    return [{"subnet_id": chosen[v]} for v in sorted(chosen)]


class PortOnSegment(AttributeExtender):
    """Chooses a new port's subnets on a routed network; marks a port without a host
    ``deferred``. Stores no attribute of its own."""

    collection = "ports"
    attributes = ()
    alias = "segment"

    def prepare(self, conn: Connection, ctx: Context, body: dict) -> dict:
        if "fixed_ips" in body:
            return body
        subnets = conn.execute(SEGMENT_SUBNETS, {"network_id": body["network_id"]}).all()
        if not subnets:
            return body
        host = body.get(HOST)
        fixed = fixed_ips_on_host(conn, self.conf, body["network_id"], host,
                                  subnets) if host else []
        return {**body, "fixed_ips": fixed}

    def create(self, conn: Connection, ctx: Context, items: list[dict],
               bodies: list[dict]) -> None:
        deferred = [item for item, body in zip(items, bodies)
                    if "fixed_ips" not in body and not item["fixed_ips"] and conn.execute(
                        SEGMENT_SUBNETS.limit(1), {"network_id": item["network_id"]}).first()]
        if deferred:
            conn.execute(update(PORTS).where(PORTS.c.id.in_([p["id"] for p in deferred]))
                         .values(ip_allocation=DEFERRED))
            for item in deferred:
                item["ip_allocation"] = DEFERRED


def allocate_deferred(registry: Any):
    """Before a port update that gives a deferred port its host: ask for the
    addresses of the host's segment in the same update."""
    def callback(resource, event, trigger, payload) -> None:
        port, body = payload.states[0], payload.request_body
        if (payload.connection is None or not body or port.get("ip_allocation") != DEFERRED
                or not body.get(HOST) or "fixed_ips" in body):
            return
        conn = payload.connection
        subnets = conn.execute(SEGMENT_SUBNETS, {"network_id": port["network_id"]}).all()
        if subnets:
            body["fixed_ips"] = fixed_ips_on_host(conn, registry.conf, port["network_id"],
                                                  body[HOST], subnets)
    return callback
