"""Pseudo-agents (alias ``pseudo-agents``, ours): agent records an admin registers
(``POST /v2.0/agents``) for a host no agent runs on, such as a host an SDN
controller wires or a bare-metal switch, so that ports bind there.

A pseudo-agent declares in its ``configurations`` what the host offers:
``physical_networks`` it reaches, ``allowed_network_types`` (default flat and
vlan; a tunnel type or local only if listed) and ``supported_vnic_types``, each
with the ``vif_type`` and ``vif_details`` a port of that vnic type binds with
(the ``pseudo_agent`` mechanism driver, neutrino/ml2/mechanism.py, answers them).
It never heartbeats, so it is always ``alive``; ``admin_state_up`` false keeps
ports from binding to it, and deleting it makes bindings there fail from then on.
Its type is always ``Pseudo agent``: one per host, and no host agent reports as one.
"""
from __future__ import annotations

import uuid

import orjson
from sqlalchemy import Connection, insert, select

from neutrino import exceptions as exc
from neutrino.definitions.kinds import AnyDict, ListOf, Object, OneOf, String
from neutrino.definitions.ports import VNIC_TYPES
from neutrino.ml2 import mechanism
from neutrino.services.agents import liveness, physnets
from neutrino.services.agents.models import Agent

ALIAS = "pseudo-agents"
AGENT_TYPE = mechanism.PSEUDO_AGENT
AGENTS = Agent.__table__
NETWORK_TYPES = (*mechanism.PHYSNET_TYPES, *mechanism.TUNNEL_TYPES, "local")
DEFAULT_NETWORK_TYPES = list(mechanism.PHYSNET_TYPES)
NOT_VIF_TYPES = ("unbound", "binding_failed")  # outcomes of a binding, not ways to plug

VNIC = Object({
    "vnic_type": (OneOf(VNIC_TYPES), True),
    "vif_type": (String(255, min_len=1), True),
    "vif_details": (AnyDict(), False),
})
CONFIGURATIONS = Object({
    "physical_networks": (ListOf(String(physnets.MAX_NAME, min_len=1), unique=True), False),
    "allowed_network_types": (ListOf(OneOf(NETWORK_TYPES), unique=True), False),
    "supported_vnic_types": (ListOf(VNIC), True),
})


class AgentAlreadyExists(exc.Conflict):
    message = "Host {host} already has a pseudo agent: {id}."


def refuse_report() -> exc.HTTPBadRequest:
    """What a host agent reporting as a pseudo-agent is told."""
    return exc.HTTPBadRequest(f"Agents do not report as '{AGENT_TYPE}': pseudo agents are "
                              "registered by an admin through POST /v2.0/agents.")


def _invalid(reason: str) -> exc.InvalidInput:
    return exc.InvalidInput(error_message=f"configurations of a pseudo agent: {reason}")


def configurations(declared: dict) -> dict:
    """A pseudo-agent's validated ``configurations``, defaults filled in."""
    try:
        out = CONFIGURATIONS.convert(declared)
    except ValueError as err:
        raise _invalid(str(err)) from None
    vnics = out["supported_vnic_types"]
    if not vnics:
        raise _invalid("supported_vnic_types must name at least one vnic type")
    for vnic in vnics:
        if vnic["vif_type"] in NOT_VIF_TYPES:
            raise _invalid(f"'{vnic['vif_type']}' is the outcome of a binding, not a vif_type")
        vnic.setdefault("vif_details", {})
    names = [v["vnic_type"] for v in vnics]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise _invalid(f"vnic type(s) {repeated} declared more than once")
    out["physical_networks"] = sorted(out.get("physical_networks", []))
    out.setdefault("allowed_network_types", list(DEFAULT_NETWORK_TYPES))
    return out


def insert_pseudo_agent(conn: Connection, body: dict) -> str:
    """Store a pseudo-agent from a validated POST body; its id."""
    if body.get("agent_type", AGENT_TYPE) != AGENT_TYPE:
        raise exc.InvalidInput(error_message=(
            f"agent_type '{body['agent_type']}' cannot be created: only '{AGENT_TYPE}' "
            "records are; agents register themselves"))
    host = body["host"]
    if not host.strip():
        raise exc.InvalidInput(error_message="host of a pseudo agent must name a host")
    declared = configurations(body.get("configurations") or {})
    existing = conn.execute(select(AGENTS.c.id).where(
        AGENTS.c.agent_type == AGENT_TYPE, AGENTS.c.host == host)).scalar()
    if existing:
        raise AgentAlreadyExists(host=host, id=existing)
    agent_id, stamp = str(uuid.uuid4()), liveness.stored(liveness.now())
    conn.execute(insert(AGENTS).values(
        id=agent_id, agent_type=AGENT_TYPE, host=host, binary="N/A", topic="N/A",
        admin_state_up=body.get("admin_state_up", True),
        description=body.get("description", ""), availability_zone=None,
        configurations=orjson.dumps(declared).decode(), created_at=stamp, started_at=stamp,
        heartbeat_timestamp=stamp, resources_synced=None, journaled_alive=True))
    physnets.store(conn, agent_id, declared)
    return agent_id
