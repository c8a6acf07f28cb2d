"""A port with a ``resource_request`` is bound only where Placement reserved its
resources: ``binding:profile.allocation`` names, for each of its request groups
(``{group id: provider uuid}``; a single provider uuid in the older format), a
provider of the binding agent on the port's host — a device provider for the
bandwidth group, the agent's provider for the packet-rate one. Else the binding
fails (``binding_failed``, as Neutron fails it: no driver is responsible for the
allocation).

It runs as a precommit subscription after the agents feature's binding step,
inside the port's transaction, and only looks at ports that were just bound and
have a resource_request: created with a host, or updated with binding
attributes in the body or while unbound or failed (a binding is retried then).
An update of anything else (a new QoS policy: placement/allocation.py keeps the
profile's allocation in step) leaves a bound port bound.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import update

from neutrino.callbacks import Event
from neutrino.db.models.port import Port
from neutrino.services.qos.placement import names
from neutrino.services.qos.placement.sync import devices

PORTS = Port.__table__
# vif types of a successful binding by agent type's driver.
NOT_BOUND = ("unbound", "binding_failed")
BINDING_KEYS = ("binding:host_id", "binding:vnic_type", "binding:profile")
_UNBOUND_BEFORE = "neutrino.qos.unbound_before"


def providers_of_host(agents: list[dict], host: str) -> tuple[set[str], set[str]]:
    """(device provider uuids, agent provider uuids) of the host's agents."""
    device_rps, agent_rps = set(), set()
    for agent in agents:
        agent_type = agent["agent_type"]
        if agent_type not in names.NAMESPACES:
            continue
        reported = devices({**agent, "host": host})
        for dev in reported:
            device_rps.add(names.device_provider(agent_type, dev.hypervisor, dev.name)[0])
            agent_rps.add(names.agent_provider(agent_type, dev.hypervisor)[0])
        agent_rps.add(names.agent_provider(agent_type, host)[0])
    return device_rps, agent_rps


def allocation_fits(request: dict, allocation: Any, device_rps: set[str],
                    agent_rps: set[str]) -> bool:
    groups = request.get("request_groups", [])
    if isinstance(allocation, str):  # the older format: one provider for all of it
        allocation = {g["id"]: allocation for g in groups}
    if not isinstance(allocation, dict):
        return False
    for group in groups:
        rp = allocation.get(group["id"])
        bandwidth = any(rc.startswith("NET_BW_") for rc in group["resources"])
        if rp not in (device_rps if bandwidth else agent_rps | device_rps):
            return False
    return True


def remember_unbound(registry: Any):
    """Before an update: whether the port was bound (a binding retried on update is
    a new binding to check)."""
    def callback(resource, event, trigger, payload) -> None:
        conn = payload.connection
        if conn is None:
            return
        port = payload.states[0]
        unbound = conn.info.setdefault(_UNBOUND_BEFORE, set())
        if port.get("binding:vif_type") in NOT_BOUND:
            unbound.add(port["id"])
        else:
            unbound.discard(port["id"])
    return callback


def check_allocation(registry: Any):
    from neutrino.services.agents.binding import host_agents

    def callback(resource, event, trigger, payload) -> None:
        port = payload.desired_state
        if not port or not port.get("resource_request"):
            return
        if event == Event.PRECOMMIT_UPDATE:
            body = payload.request_body or {}
            unbound = payload.connection.info.get(_UNBOUND_BEFORE, set())
            was_unbound = port["id"] in unbound
            unbound.discard(port["id"])
            if not was_unbound and not any(k in body for k in BINDING_KEYS):
                return
        if port.get("binding:vif_type") in NOT_BOUND or not port.get("binding:host_id"):
            return
        conn, host = payload.connection, port["binding:host_id"]
        device_rps, agent_rps = providers_of_host(host_agents(conn, registry.conf, host), host)
        allocation = (port.get("binding:profile") or {}).get("allocation")
        if allocation_fits(port["resource_request"], allocation, device_rps, agent_rps):
            return
        conn.execute(update(PORTS).where(PORTS.c.id == port["id"]).values(
            binding_vif_type="binding_failed", binding_vif_details="{}"))
        port["binding:vif_type"], port["binding:vif_details"] = "binding_failed", {}
    return callback
