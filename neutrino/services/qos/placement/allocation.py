"""A bound VM port changes policy: its Placement allocation follows (as Neutron
does since Wallaby).

Nova allocated the port's ``resource_request`` for the VM (the consumer is the
port's ``device_id``) and bound the port with ``binding:profile.allocation``
(``{request group id: provider}``, or one provider in the older format). When a
port of a VM (``device_owner`` ``compute:*``) moves to another policy, the
amounts of its minimum bandwidth and minimum packet rate rules are changed in
place on the providers that hold them, through ``/allocations/{consumer}`` with
the consumer's generation (re-read and retried when another writer moved it on),
and the profile's allocation is re-keyed by the new request groups. Refused
(Placement has no room, or the consumer lost its allocation): 409
``QosPlacementAllocationUpdateConflict`` and nothing changed. Placement not
answering: 503, nothing changed.

Only what Placement holds is changed: a port without an allocation, or an old
policy without minimum rules, changes on the data plane only; a rule type the
old policy lacked is not allocated (Nova would have to schedule it) and is left
out of the profile. Changing the rules of a policy a VM's port uses stays
refused (501, rules.py).

The write happens inside the port's transaction, after every check; should the
transaction roll back after it (a failure later, a conflict retried from
scratch), the change is undone in Placement.
"""
from __future__ import annotations

import logging
import threading
from typing import Any

from sqlalchemy import Connection, event, select

from neutrino import exceptions as exc
from neutrino.services.qos.placement import names
from neutrino.services.qos.placement.client import (
    AllocationRefused,
    PlacementClient,
    PlacementError,
    Unreachable,
    adapter_from_conf,
)
from neutrino.services.qos.policies import RULE_TABLES

LOG = logging.getLogger(__name__)
MINIMUMS = {"minimum_bandwidth": "min_kbps", "minimum_packet_rate": "min_kpps"}
CLASSES = {"minimum_bandwidth": {"egress": names.NET_BW_EGR, "ingress": names.NET_BW_IGR},
           "minimum_packet_rate": {"any": names.NET_PACKET_RATE,
                                   "egress": names.NET_PACKET_RATE_EGR,
                                   "ingress": names.NET_PACKET_RATE_IGR}}
_lock = threading.Lock()


def client_of(registry: Any) -> PlacementClient | None:
    """The process's Placement client for API requests (None: no Placement configured)."""
    with _lock:
        if not hasattr(registry, "placement_client"):
            adapter = adapter_from_conf(registry.conf)
            conf = registry.conf.placement
            registry.placement_client = (None if adapter is None else PlacementClient(
                adapter, conf.sync_timeout, conf.generation_retries))
        return registry.placement_client


def minimum_rules(conn: Connection, policy_id: str | None) -> dict[str, list[tuple]]:
    """Rule type -> [(rule id, direction, amount)] of the policy's minimum rules, in
    the order of their ids (as the request group ids are made)."""
    out: dict[str, list[tuple]] = {}
    if policy_id is None:
        return out
    for rule_type, column in MINIMUMS.items():
        table = RULE_TABLES[rule_type]
        rows = conn.execute(select(table.c.id, table.c.direction, table.c[column])
                            .where(table.c.qos_policy_id == policy_id)
                            .order_by(table.c.id)).all()
        if rows:
            out[rule_type] = [tuple(r) for r in rows]
    return out


def _amounts(rule_type: str, rules: list[tuple]) -> dict[str, int]:
    return {CLASSES[rule_type][direction]: amount for _id, direction, amount in rules}


def plan(port: dict, old: dict[str, list], new: dict[str, list]) -> tuple[dict, Any]:
    """(diff {provider: {class: delta}}, the profile's new allocation) for a port
    moving from the minimum rules ``old`` to ``new``; the diff is empty when
    Placement has nothing to change."""
    allocation = (port.get("binding:profile") or {}).get("allocation")
    port_id = port["id"]
    providers: dict[str, str] = {}  # rule type -> provider holding its group
    for rule_type, rules in old.items():
        if isinstance(allocation, str):  # the older format: one provider for all
            if rule_type == "minimum_bandwidth":
                providers[rule_type] = allocation
            continue
        group = names.request_group_id(port_id, [r[0] for r in rules])
        if isinstance(allocation, dict) and group in allocation:
            providers[rule_type] = allocation[group]
    diff: dict[str, dict[str, int]] = {}
    for rule_type, rp in providers.items():
        before, after = _amounts(rule_type, old[rule_type]), _amounts(rule_type,
                                                                       new.get(rule_type, []))
        for rc in set(before) | set(after):
            delta = after.get(rc, 0) - before.get(rc, 0)
            if delta:
                diff.setdefault(rp, {})
                diff[rp][rc] = diff[rp].get(rc, 0) + delta
    if isinstance(allocation, str):
        updated: Any = allocation if "minimum_bandwidth" in new else {}
    else:
        updated = {names.request_group_id(port_id, [r[0] for r in new[t]]): rp
                   for t, rp in providers.items() if t in new}
    return diff, updated


def follow_policy(registry: Any, conn: Connection, port: dict, old_policy: str | None,
                  new_policy: str | None) -> Any:
    """Change the Placement allocation of a bound VM port moving from ``old_policy``
    to ``new_policy`` (its effective ones); the profile's new allocation, or None
    when the port has none to change."""
    if not (port.get("device_owner") or "").startswith("compute:"):
        return None
    if not (port.get("binding:profile") or {}).get("allocation") or not port.get("device_id"):
        return None
    old = minimum_rules(conn, old_policy)
    if not old:
        return None  # nothing of it in Placement: only the data plane changes
    new = minimum_rules(conn, new_policy)
    diff, updated = plan(port, old, new)
    if diff:
        client = client_of(registry)
        if client is None:
            LOG.warning("no [placement] configured: the allocation of port %s in Placement "
                        "is not changed", port["id"])
        else:
            _write(client, conn, port["device_id"], diff)
    return updated


def _write(client: PlacementClient, conn: Connection, consumer: str, diff: dict) -> None:
    try:
        owner = client.change_allocation(consumer, diff)
    except AllocationRefused as err:
        LOG.info("allocation change of %s refused: %s", consumer, err)
        raise exc.QosPlacementAllocationUpdateConflict(alloc_diff=diff, consumer=consumer) \
            from err
    except Unreachable as err:
        raise exc.ServiceUnavailable() from err
    except PlacementError as err:
        LOG.warning("allocation change of %s failed: %s", consumer, err)
        raise exc.QosPlacementAllocationUpdateConflict(alloc_diff=diff, consumer=consumer) \
            from err

    def undo(_conn: Connection) -> None:
        back = {rp: {rc: -amount for rc, amount in classes.items()}
                for rp, classes in diff.items()}
        try:
            client.change_allocation(consumer, back, add_providers=True, owner=owner)
        except PlacementError:
            LOG.error("the port's transaction rolled back, but undoing allocation change %s "
                      "of consumer %s in Placement failed", diff, consumer, exc_info=True)

    event.listen(conn, "rollback", undo, once=True)
