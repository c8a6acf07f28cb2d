"""Keep Placement's resource providers in step with what agents report.

For each agent that reports ``resource_provider_bandwidths`` in its
configurations, the tree Nova's scheduler reads (names and uuid5 namespaces as
Neutron's, placement/names.py):

    <hypervisor>                                  Nova's compute node (found by name)
     └─ <hypervisor>:<agent type>                 traits CUSTOM_VNIC_TYPE_*
         └─ <hypervisor>:<agent type>:<device>    traits CUSTOM_PHYSNET_*, CUSTOM_VNIC_TYPE_*;
                                                  NET_BW_EGR/IGR_KILOBIT_PER_SEC

A device's physnets are those its bridge (``bridge_mappings``, Open vSwitch) or
physical function (``device_mappings``, SR-IOV) serves. A device no longer
reported loses its provider. The hypervisor is the agent's host unless
``resource_provider_hypervisors`` names another for the device.

``sync(agent)`` answers whether Placement now holds what the agent reported: it
never raises, so a caller on the heartbeat path records ``resources_synced``
(false: try again at the next heartbeat) and carries on.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import orjson

from neutrino.services.qos.placement import names
from neutrino.services.qos.placement.client import PlacementClient, PlacementError

LOG = logging.getLogger(__name__)
# The keys of an agent's configurations the sync reads.
REPORTED = ("resource_provider_bandwidths", "resource_provider_inventory_defaults",
            "resource_provider_hypervisors", "resource_provider_default_hypervisor",
            "bridge_mappings", "device_mappings")
INVENTORY_KEYS = ("allocation_ratio", "min_unit", "max_unit", "reserved", "step_size")
DEFAULTS = {"allocation_ratio": 1.0, "min_unit": 1, "reserved": 0, "step_size": 1}


@dataclass
class Device:
    name: str
    hypervisor: str
    egress: int | None
    ingress: int | None
    physnets: list[str] = field(default_factory=list)


def _pairs(value: Any) -> dict[str, str]:
    """``a:b,c:d`` (as in a config file) or a dict, as a dict."""
    if isinstance(value, dict):
        return {str(k): v for k, v in value.items()}
    out = {}
    for item in str(value or "").split(","):
        if ":" in item:
            key, _, rest = item.strip().partition(":")
            out[key] = rest
    return out


def _kbps(value: Any) -> int | None:
    if value is None or value == "":
        return None
    return int(value)


def bandwidths(configurations: dict) -> dict[str, tuple[int | None, int | None]]:
    """Device -> (egress, ingress) kbit/s from ``resource_provider_bandwidths``: a dict
    of {"egress": .., "ingress": ..} per device, or ``dev:egress:ingress,...``."""
    raw = configurations.get("resource_provider_bandwidths") or {}
    out = {}
    for device, value in _pairs(raw).items():
        if isinstance(value, dict):
            out[device] = (_kbps(value.get("egress")), _kbps(value.get("ingress")))
        else:
            egress, _, ingress = str(value).partition(":")
            out[device] = (_kbps(egress), _kbps(ingress))
    return out


def inventory_defaults(configurations: dict) -> dict[str, Any]:
    found = _pairs(configurations.get("resource_provider_inventory_defaults") or {})
    out = dict(DEFAULTS)
    for key, value in found.items():
        if key in INVENTORY_KEYS:
            out[key] = float(value) if key == "allocation_ratio" else int(value)
    return out


def devices(agent: dict) -> list[Device]:
    conf = agent.get("configurations") or {}
    hypervisors = _pairs(conf.get("resource_provider_hypervisors") or {})
    default_hypervisor = conf.get("resource_provider_default_hypervisor") or agent["host"]
    physnets: dict[str, list[str]] = {}
    for physnet, bridge in _pairs(conf.get("bridge_mappings") or {}).items():
        physnets.setdefault(str(bridge), []).append(physnet)
    for physnet, devs in (conf.get("device_mappings") or {}).items():
        for dev in devs if isinstance(devs, list) else str(devs).split(","):
            physnets.setdefault(dev, []).append(physnet)
    return [Device(name, hypervisors.get(name, default_hypervisor), egress, ingress,
                   sorted(physnets.get(name, [])))
            for name, (egress, ingress) in sorted(bandwidths(conf).items())]


def inventories(device: Device, defaults: dict[str, Any]) -> dict[str, dict]:
    out = {}
    for rc, total in ((names.NET_BW_EGR, device.egress), (names.NET_BW_IGR, device.ingress)):
        if total is None:
            continue
        inv = {"total": total, **{k: defaults[k] for k in DEFAULTS}}
        inv["max_unit"] = defaults.get("max_unit", total)
        out[rc] = inv
    return out


def fingerprint(agent: dict) -> bytes:
    """What of an agent's report the sync reads: equal fingerprints, equal trees."""
    conf = agent.get("configurations") or {}
    return orjson.dumps([agent.get("agent_type"), agent.get("host"),
                         {k: conf.get(k) for k in REPORTED}], option=orjson.OPT_SORT_KEYS)


@dataclass
class Known:
    """A provider as the sync knows it: from a listing (traits and inventories not
    known: None), or as the sync itself left it."""
    name: str
    parent: str | None
    generation: int
    traits: list[str] | None = None
    inventories: dict | None = None


@dataclass
class View:
    """What a sync left in Placement for one agent."""
    fingerprint: bytes
    computes: dict[str, str] = field(default_factory=dict)  # hypervisor -> compute uuid
    agents: list[str] = field(default_factory=list)  # the agent providers
    providers: dict[str, Known] = field(default_factory=dict)  # agent and device providers


class PlacementSync:
    """Syncs agents into Placement, remembering what it last left for each (a
    ``View``: the report's fingerprint, the providers with their traits,
    inventories and generations):

    - the same report again: no call at all, unless asked to ``verify``: then one
      listing of each agent provider's tree, and the full comparison only if a
      generation moved (Nova's allocations move them too);
    - a changed report: only what changed is written, with the generation the
      sync left (a stale one: read again and retried); nothing is read;
    - nothing remembered (a first sync, another process's agent, after a
      restart): the compute node by name and its tree (two calls); a missing
      provider is created and its traits and inventories set with the generation
      its creation returned; an existing one's traits and inventories are read
      and written only where they differ.

    Safe to call from several threads for different agents."""

    def __init__(self, client: PlacementClient) -> None:
        self.client = client
        self.synced: dict[tuple[str, str], View] = {}  # by (agent type, host)

    def sync(self, agent: dict, verify: bool = False) -> bool:
        """Bring Placement in line with the agent's report; True when it is."""
        if agent.get("agent_type") not in names.NAMESPACES:
            return True
        key, print_ = (agent["agent_type"], agent["host"]), fingerprint(agent)
        try:
            view = self.synced.pop(key, None)
            if view is not None and view.fingerprint == print_:
                if not verify or self._unchanged(view):
                    self.synced[key] = view
                    return True
                view = None  # changed behind our back: compare everything
            self.synced[key] = self._sync(agent, print_, view)
            return True
        except PlacementError as err:
            LOG.warning("Placement sync of %s on %s failed: %s", agent.get("agent_type"),
                        agent.get("host"), err)
        except Exception:  # a bug must not fail the heartbeat either
            LOG.exception("Placement sync of %s on %s failed", agent.get("agent_type"),
                          agent.get("host"))
        return False

    def _unchanged(self, view: View) -> bool:
        """The providers the sync left still have the generations it left them with."""
        found: dict[str, int] = {}
        for rp in view.agents:
            found.update((p["uuid"], p["generation"]) for p in self.client.providers_in_tree(rp))
        return all(found.get(rp) == known.generation for rp, known in view.providers.items())

    def _sync(self, agent: dict, print_: bytes, view: View | None) -> View:
        agent_type = agent["agent_type"]
        conf = agent.get("configurations") or {}
        defaults = inventory_defaults(conf)
        vnic_traits = {names.vnic_trait(v) for v in names.VNIC_TYPES[agent_type]}
        reported = devices(agent)
        by_hypervisor: dict[str, list[Device]] = {}
        for dev in reported:
            by_hypervisor.setdefault(dev.hypervisor, []).append(dev)
        left = View(print_)
        if not reported and conf.get("resource_provider_bandwidths") is None:
            return left  # the agent reports no bandwidth at all: nothing of ours in Placement
        for hypervisor in sorted(set(by_hypervisor) or {agent["host"]}):
            agent_uuid, agent_name = names.agent_provider(agent_type, hypervisor)
            wanted = by_hypervisor.get(hypervisor, [])
            if view is not None and hypervisor in view.computes and agent_uuid in view.providers:
                compute_uuid = view.computes[hypervisor]
                current = {rp: known for rp, known in view.providers.items()
                           if rp == agent_uuid or known.parent == agent_uuid}
            else:
                compute = self.client.provider_by_name(hypervisor)
                if compute is None:
                    if not wanted:
                        continue
                    raise PlacementError(f"no resource provider named {hypervisor} (the "
                                         f"compute node of host {agent['host']}) in Placement yet")
                compute_uuid = compute["uuid"]
                current = {p["uuid"]: Known(p["name"], p["parent_provider_uuid"], p["generation"])
                           for p in self.client.providers_in_tree(compute_uuid)}
            left.computes[hypervisor] = compute_uuid
            device_traits = {d.name: {*map(names.physnet_trait, d.physnets), *vnic_traits}
                             for d in wanted}
            self.client.ensure_custom_traits(vnic_traits.union(*device_traits.values()))
            left.agents.append(agent_uuid)
            left.providers[agent_uuid] = self._provider(
                current.get(agent_uuid), agent_uuid, agent_name, compute_uuid, vnic_traits, None)
            keep = set()
            for dev in wanted:
                dev_uuid, dev_name = names.device_provider(agent_type, hypervisor, dev.name)
                keep.add(dev_uuid)
                left.providers[dev_uuid] = self._provider(
                    current.get(dev_uuid), dev_uuid, dev_name, agent_uuid,
                    device_traits[dev.name], inventories(dev, defaults))
            for rp, known in current.items():
                if known.parent == agent_uuid and rp not in keep:
                    self.client.delete_provider(rp)
        return left

    def _provider(self, known: Known | None, rp_uuid: str, name: str, parent: str,
                  traits: set[str], inventories: dict | None) -> Known:
        """The provider exists as wanted; how it is now."""
        if known is None:
            created = self.client.create_provider(rp_uuid, name, parent)
            known = Known(name, parent, created["generation"], [], {})
        elif known.name != name or known.parent != parent:
            updated = self.client.update_provider(rp_uuid, name, parent)
            known = Known(name, parent, updated["generation"], known.traits, known.inventories)
        generation = self.client.set_traits(
            rp_uuid, traits, None if known.traits is None else (known.traits, known.generation))
        if inventories is not None:
            generation = self.client.set_inventories(
                rp_uuid, inventories,
                None if known.inventories is None else (known.inventories, generation))
        return Known(name, parent, generation, sorted(traits), inventories)
