"""Port binding (alias ``binding``): ML2's step that picks how a port is plugged.

A port is bound when ``binding:host_id`` is set or changes (on create or update),
when its ``binding:vnic_type`` or ``binding:profile`` changes while it has a host,
and, as Neutron retries, on any update of a port whose binding failed. The
mechanism drivers (``neutrino/ml2/mechanism.py``) look at the host's alive,
admin-up agents; none able to bind gives ``binding_failed`` (no HTTP error).
Clearing the host unbinds (``unbound``, ``{}``). A (re)bound port is DOWN until
its agent reports the device up.

This runs as precommit subscriptions of the port: inside the port's transaction,
after its writes, changing the stored row and the rendered port in place, so
the response, the events after it and the journal row all show the binding. A
port created without a host costs one dictionary lookup here.
"""
from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Connection, select, update

from neutrino.db.models.network import NetworkSegment
from neutrino.db.models.port import Port
from neutrino.ml2 import mechanism
from neutrino.services.agents import liveness
from neutrino.services.agents.models import Agent

PORTS = Port.__table__
SEGMENTS = NetworkSegment.__table__
AGENTS = Agent.__table__
HOST, VNIC, PROFILE, VIF_TYPE, VIF_DETAILS = ("binding:host_id", "binding:vnic_type",
                                              "binding:profile", "binding:vif_type",
                                              "binding:vif_details")
REQUESTED = (HOST, VNIC, PROFILE)
_BEFORE = "neutrino.binding.before"
SEGMENTS_OF_NETWORK = (select(SEGMENTS.c.id, SEGMENTS.c.network_type, SEGMENTS.c.physical_network,
                              SEGMENTS.c.segmentation_id)
                       .order_by(SEGMENTS.c.segment_index))


def host_agents(conn: Connection, conf: Any, host: str) -> list[dict]:
    """The alive, admin-up agents of ``host`` that mechanism drivers bind with."""
    rows = conn.execute(select(AGENTS.c.agent_type, AGENTS.c.configurations).where(
        AGENTS.c.host == host, AGENTS.c.admin_state_up.is_(True),
        liveness.alive_clause(AGENTS, conf),
        AGENTS.c.agent_type.in_(mechanism.AGENT_TYPES))).all()
    return [{"agent_type": t, "configurations": orjson.loads(c or "{}")} for t, c in rows]


def bind_on(conn: Connection, conf: Any, network_id: str, host: str,
            vnic_type: str, profile: Any = None) -> mechanism.Binding | None:
    """What the mechanism drivers bind on ``host`` for a port of the network (and its
    ``binding:profile``), or None."""
    segments = [dict(r._mapping) for r in conn.execute(
        SEGMENTS_OF_NETWORK.where(SEGMENTS.c.network_id == network_id))]
    drivers = mechanism.load(conf.ml2.mechanism_drivers)
    return mechanism.bind(drivers, vnic_type or "normal", segments,
                          host_agents(conn, conf, host), profile)


def bind(conn: Connection, conf: Any, port: dict) -> None:
    """Bind ``port`` (rendered, changed in place) on its host, or unbind it."""
    host = port.get(HOST) or ""
    segment_id, status = None, "DOWN"
    if not host:
        vif_type, details = "unbound", {}
    else:
        found = bind_on(conn, conf, port["network_id"], host, port.get(VNIC), port.get(PROFILE))
        vif_type, details = (found.vif_type, found.vif_details) if found else ("binding_failed", {})
        segment_id = found.segment["id"] if found else None
        status = found.status if found else status
    conn.execute(update(PORTS).where(PORTS.c.id == port["id"]).values(
        binding_vif_type=vif_type, binding_vif_details=orjson.dumps(details).decode(),
        binding_segment_id=segment_id, status=status))
    port[VIF_TYPE], port[VIF_DETAILS], port["status"] = vif_type, details, status


def on_create(registry: Any):
    def callback(resource, event, trigger, payload) -> None:
        body = payload.request_body
        if body and body.get(HOST):
            bind(payload.connection, registry.conf, payload.desired_state)
    return callback


def remember_binding(registry: Any):
    """Before an update: what the binding was, for the precommit step to compare."""
    def callback(resource, event, trigger, payload) -> None:
        conn, body = payload.connection, payload.request_body
        if conn is None:
            return
        port = payload.states[0]
        remembered = conn.info.setdefault(_BEFORE, {})
        if body and any(k in body for k in REQUESTED):
            remembered[port["id"]] = tuple(port.get(k) for k in REQUESTED)
        else:  # nothing left over from an update of this port that failed on this connection
            remembered.pop(port["id"], None)
    return callback


def on_update(registry: Any):
    def callback(resource, event, trigger, payload) -> None:
        body = payload.request_body
        if not body:  # a change made by another change (touch): binding stays as it is
            return
        conn, port = payload.connection, payload.desired_state
        before = conn.info.get(_BEFORE, {}).pop(port["id"], None)
        changed = before is not None and before != tuple(port.get(k) for k in REQUESTED)
        host = port.get(HOST) or ""
        if changed and (host or port.get(VIF_TYPE) != "unbound"):
            bind(conn, registry.conf, port)
        elif host and port.get(VIF_TYPE) == "binding_failed":
            bind(conn, registry.conf, port)  # Neutron retries a failed binding on update
    return callback
