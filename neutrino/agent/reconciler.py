"""The host agent: a level-triggered reconciler for br-int.

``sync(desired)`` observes (OVSDB ports, installed flows), computes every
owner's desired flows, and applies the difference in one OpenFlow bundle. It
never flushes: a freshly started agent finds the flows its predecessor left,
computes the same ones (cookies are content fingerprints and network ids are
derived from UUIDs) and changes nothing, so traffic is untouched; flows of its
owners that are no longer wanted are deleted in that same first bundle.

Installed flows are dumped only when the cache of what was applied is not to
be trusted: at start, when the canary flow vanished (OVS lost its flow table)
and every ``full_resync_interval``. Otherwise the diff is against the cache.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from neutrino.agent.desired import DesiredState
from neutrino.agent.extensions import AgentExtension
from neutrino.agent.extensions.l2 import L2Forwarding
from neutrino.agent.extensions.qos import Qos
from neutrino.agent.extensions.routing import EastWestRouting
from neutrino.agent.extensions.security_groups import SecurityGroups
from neutrino.agent.extensions.trunks import Trunks
from neutrino.agent.openflow.flows import OWNER_MASK, Flow
from neutrino.agent.openflow.manager import FlowOwner, OpenFlowManager
from neutrino.agent.openflow.meters import Meter
from neutrino.agent.openflow.packet_in import PacketInListener
from neutrino.agent.openflow.pipeline import METER_PACKET_LOG
from neutrino.agent.openflow.reconcile import FlowDiff, OpenFlowSwitch, diff_flows
from neutrino.agent.ovsdb import Interface, Ovsdb, TunnelPort
from neutrino.agent.packet_log import RecordWriter, SecurityGroupRecords
from neutrino.agent.trunks import plan_trunks
from neutrino.agent.topology import (
    HostView,
    assign_network_ids,
    local_networks,
    tunnel_port_name,
    wanted_tunnels,
)

LOG = logging.getLogger(__name__)
BR_INT_PROTOCOLS = ("OpenFlow13", "OpenFlow14", "OpenFlow15")


@dataclass
class AgentConfig:
    """One host's agent settings (what the config file of a real host would hold)."""

    host: str
    ovsdb: str  # e.g. unix:/var/run/openvswitch/db.sock
    rundir: str  # where ovs-vswitchd puts <bridge>.mgmt
    integration_bridge: str = "br-int"
    bridge_mappings: dict[str, str] = field(default_factory=dict)  # physnet -> bridge
    tunnel_ip: str | None = None
    datapath_type: str = "netdev"
    full_resync_interval: float = 60.0
    # DHCP (neutrino.agent.dhcp): per-network files and pid under <state_path>/dhcp/.
    state_path: str = "/var/lib/neutrino/agent"
    ovs_netns: str | None = None  # namespace OVS runs in, if not the agent's own (testbeds)
    dhcp_lease_duration: int = 86400  # seconds
    dnsmasq_dns_servers: list[str] = field(default_factory=list)  # forwarders; none: no recursion
    dnsmasq_user: str | None = None  # None: dnsmasq's compiled-in default (drops root)
    dnsmasq_log_dhcp: bool = False  # log every DHCP exchange to <state_path>/dhcp/<net>/log
    # Packet logging ([network_log]): where records go (None: <state_path>/packet-log.jsonl)
    # and how many a second, plus a burst, each kind may write.
    packet_log_path: str | None = None
    log_rate_limit: int = 100
    log_burst_limit: int = 25

    @property
    def packet_log_file(self) -> Path:
        return Path(self.packet_log_path or Path(self.state_path) / "packet-log.jsonl")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AgentConfig:
        return cls(**data)

    @classmethod
    def from_file(cls, path: str | Path) -> AgentConfig:
        return cls.from_dict(json.loads(Path(path).read_text()))

    def patch_names(self, physnet: str) -> tuple[str, str]:
        """(br-int side, physical bridge side) patch port names for a physnet."""
        return f"int-{physnet}"[:15], f"phy-{physnet}"[:15]


@dataclass
class SyncResult:
    added: int
    deleted: int
    observed: bool  # installed flows were dumped rather than taken from the cache
    flows: int
    seconds: float


class SyncHook(Protocol):
    """A component converged with the desired state before flows are computed (DHCP)."""

    def sync(self, desired: DesiredState, ovsdb: Ovsdb) -> None: ...


class RouterHook(SyncHook, Protocol):
    """The L3 component: also told when the sync's flows are in place (what it announces
    then reaches the wire)."""

    def after_flows(self) -> None: ...


class Agent:
    """Converges one host's Open vSwitch to a DesiredState."""

    def __init__(self, config: AgentConfig, dhcp: SyncHook | None = None,
                 l3: RouterHook | None = None) -> None:
        self.config = config
        self.dhcp = dhcp
        self.l3 = l3
        self.manager = OpenFlowManager()
        self.switch = OpenFlowSwitch(f"unix:{config.rundir}/{config.integration_bridge}.mgmt")
        self._extensions: dict[str, tuple[AgentExtension, FlowOwner]] = {}
        self._installed: set[int] | None = None
        self._meters: dict[int, Meter] = {}  # what was applied (trusted with _installed)
        self._last_full = 0.0
        self._announced: set[tuple[str, ...]] = set()  # keys of the frames sent once
        self.ovsdb: Ovsdb | None = None
        # After each sync: local ports plugged, wired and admin up (what is reported "up"),
        # and every port bound to this host.
        self.wired: set[str] = set()
        self.bound_here: set[str] = set()
        # trunk id -> its status as wired by the last sync (what is reported).
        self.trunk_statuses: dict[str, str] = {}
        self.add_extension(L2Forwarding())
        security_groups = SecurityGroups()
        self.add_extension(security_groups)
        self.add_extension(EastWestRouting())
        self.add_extension(Qos())
        self.add_extension(Trunks())
        # Packet logging: one file for the host's records; security-group records come
        # from the packet-ins the logging flows send (read from start() to stop()).
        self.records = RecordWriter(config.packet_log_file, config.host)
        self.sg_records = SecurityGroupRecords(self.records, lambda: security_groups.log_tags)
        self.packet_in: PacketInListener | None = None

    # -- lifecycle -----------------------------------------------------------------

    def start(self) -> None:
        """Connect to OVSDB and make sure the bridges exist; never touches flows."""
        cfg = self.config
        self.ovsdb = Ovsdb(cfg.ovsdb)
        self.ovsdb.ensure_bridge(cfg.integration_bridge, cfg.datapath_type, secure=True,
                                 protocols=BR_INT_PROTOCOLS)
        # 802.1ad + customer tag on transparent VLAN networks: two headers to parse.
        self.ovsdb.set_vlan_limit(2)
        for physnet, bridge in sorted(cfg.bridge_mappings.items()):
            self.ovsdb.ensure_bridge(bridge, cfg.datapath_type, secure=False)
            int_side, phys_side = cfg.patch_names(physnet)
            self.ovsdb.ensure_patch_pair(cfg.integration_bridge, int_side, bridge, phys_side)
        self._installed = None
        self.packet_in = PacketInListener(f"{cfg.rundir}/{cfg.integration_bridge}.mgmt",
                                          self.sg_records.handle)
        self.packet_in.start()

    def packet_log_status(self) -> dict[str, Any]:
        """What status.json shows of packet logging: the record file, the records the
        security-group copies gave, and the agent's OpenFlow connection."""
        listener = self.packet_in
        return {"file": str(self.records.path), "security_group_records": self.records.written,
                "packet_ins": listener.received if listener else 0,
                "unknown_cookies": self.sg_records.unknown,
                "connected": bool(listener and listener.connected.is_set())}

    def stop(self) -> None:
        """Disconnect; the data plane stays as it is."""
        if self.packet_in is not None:
            self.packet_in.stop()
            self.packet_in = None
        stop_l3 = getattr(self.l3, "stop", None)
        if stop_l3 is not None:
            stop_l3()
        if self.ovsdb is not None:
            self.ovsdb.close()
            self.ovsdb = None

    # -- extensions ----------------------------------------------------------------

    def add_extension(self, extension: AgentExtension) -> FlowOwner:
        """Register an extension; its flows are installed by the next sync."""
        owner = self.manager.register(extension.name, extension.stages)
        self._extensions[extension.name] = (extension, owner)
        return owner

    def remove_extension(self, name: str) -> int:
        """Unregister an extension and delete exactly its flows now; returns how many."""
        del self._extensions[name]
        owner = self.manager.unregister(name)
        stale = [c for c in self.switch.installed() if c & OWNER_MASK == owner.cookie]
        self.switch.apply(FlowDiff(delete=stale))
        if self._installed is not None:
            self._installed.difference_update(stale)
        return len(stale)

    # -- reconciliation ------------------------------------------------------------

    def canary_present(self) -> bool:
        """False when OVS lost its flows (restart): the next sync must observe."""
        canary = self.manager.canary_flow()
        return canary.cookie in self.switch.installed(table=canary.table)

    @property
    def knows_installed(self) -> bool:
        """Whether it knows what is installed (a sync dumped the flows since start or
        ``invalidate``); if not, the next sync dumps them."""
        return self._installed is not None

    def full_resync_due(self) -> bool:
        return time.monotonic() - self._last_full > self.config.full_resync_interval

    def extension_names(self) -> list[str]:
        return sorted(self._extensions)

    def invalidate(self) -> None:
        """Forget what we believe is installed; the next sync dumps the flows."""
        self._installed = None

    def sync(self, desired: DesiredState) -> SyncResult:
        """Converge br-int (ports and flows) to ``desired``."""
        began = time.monotonic()
        assert self.ovsdb is not None, "start() first"
        if began - self._last_full > self.config.full_resync_interval:
            self._installed = None
        if self.dhcp is not None:
            # Before reading br-int's ports: the DHCP ports it plugs get their
            # ofports now, so this sync's L2 flows already reach them.
            self.dhcp.sync(desired, self.ovsdb)
        if self.l3 is not None:  # likewise its router ports
            self.l3.sync(desired, self.ovsdb)
        ifaces, tunnels, stale_tunnels = self._ensure_tunnels(desired)
        view = self._view(desired, ifaces, tunnels)
        flows = self.desired_flows(view)
        observed = self._installed is None
        installed = set(self.switch.installed()) if observed else self._installed
        diff = diff_flows(flows, installed, [owner.cookie for _, owner in self._owners()])
        meters = self.desired_meters(view)
        present = self.switch.meter_ids() if observed else set(self._meters)
        for meter_id, meter in sorted(meters.items()):  # before the flows that use them
            if observed or self._meters.get(meter_id) != meter:
                self.switch.put_meter(meter, meter_id in present)
        self._meters = dict(meters)
        self.switch.apply(diff)
        self._installed = (installed - set(diff.delete)) | {f.cookie for f in diff.add}
        for meter_id in sorted(present - set(meters)):  # after the flows that used them
            self.switch.delete_meter(meter_id)
        if self.l3 is not None:
            self.l3.after_flows()
        # SR-IOV ports bound here are the NIC Switch agent's to report.
        self.bound_here = {p.id for p in desired.ports
                           if p.host == self.config.host and not p.is_passthrough}
        self.wired = {p.id for p in desired.ports
                      if p.host == self.config.host and p.admin_state_up
                      and p.id in view.local_ofports and p.network_id in view.networks}
        self.trunk_statuses = dict(view.trunks.statuses)
        if observed:
            self._last_full = began
        self._announce(view)
        # After the flows: no flow points at a tunnel port by the time it disappears.
        self.ovsdb.delete_ports(self.config.integration_bridge, stale_tunnels)
        result = SyncResult(len(diff.add), len(diff.delete), observed, len(flows),
                            time.monotonic() - began)
        if diff:
            LOG.info("sync: +%d -%d flows (%d desired, observed=%s) in %.3fs", result.added,
                     result.deleted, result.flows, observed, result.seconds)
        return result

    def _announce(self, view: HostView) -> None:
        """Send each frame an extension wants announced once, when it first appears
        (after the flows it relies on are in place); a failed one is tried next sync."""
        wanted: dict[tuple[str, ...], tuple[bytes, str]] = {}
        for extension, owner in self._extensions.values():
            announcements = getattr(extension, "announcements", None)
            if announcements is not None:
                wanted.update({(extension.name, *key): value
                               for key, value in announcements(owner, view).items()})
        sent = set()
        for key, (frame, actions) in wanted.items():
            if key in self._announced:
                sent.add(key)
                continue
            try:
                self.switch.packet_out(frame, actions)
                sent.add(key)
            except Exception as err:  # the flows are in; an announcement can wait
                LOG.warning("announcement %s not sent: %s", key, err)
        self._announced = sent

    def desired_flows(self, view: HostView) -> list[Flow]:
        flows = self.manager.pipeline_flows()
        for extension, owner in self._extensions.values():
            flows.extend(extension.flows(owner, view))
        return flows

    def desired_meters(self, view: HostView) -> dict[int, Meter]:
        """The packet-log meter (every logging flow's copies pass it) and the meters
        extensions want (those that use meters say so with ``meters``). Every meter on
        br-int is the agent's: others are deleted."""
        meters: dict[int, Meter] = {METER_PACKET_LOG: Meter(
            METER_PACKET_LOG, "pktps", self.config.log_rate_limit, self.config.log_burst_limit)}
        for extension, _owner in self._extensions.values():
            wanted = getattr(extension, "meters", None)
            if wanted is not None:
                meters.update(wanted(view))
        return meters

    def _owners(self) -> Iterable[tuple[str, FlowOwner]]:
        yield "pipeline", self.manager.pipeline_owner
        for name, (_, owner) in self._extensions.items():
            yield name, owner

    def _view(self, desired: DesiredState, ifaces: list[Interface],
              tunnels: dict[tuple[str, str], int]) -> HostView:
        cfg = self.config
        by_name = {i.name: i for i in ifaces}
        physnets = {}
        for physnet in cfg.bridge_mappings:
            iface = by_name.get(cfg.patch_names(physnet)[0])
            if iface and iface.ofport > 0:
                physnets[physnet] = iface.ofport
        networks = local_networks(desired, cfg.host)
        plugged = {i.iface_id: i.ofport for i in ifaces if i.iface_id and i.ofport > 0}
        trunks = plan_trunks(desired, cfg.host, plugged)
        return HostView(
            host=cfg.host,
            desired=desired,
            networks=networks,
            network_ids=assign_network_ids(networks),
            local_ofports={**plugged, **trunks.ofports},
            tunnel_ofports=tunnels,
            physnet_ofports=physnets,
            trunks=trunks,
        )

    def _ensure_tunnels(self, desired: DesiredState) -> tuple[
            list[Interface], dict[tuple[str, str], int], list[str]]:
        """Create missing tunnel ports.

        Returns br-int's interfaces, (kind, remote ip) -> ofport of the wanted
        tunnels, and the names of tunnel ports no longer wanted.
        """
        assert self.ovsdb is not None
        bridge = self.config.integration_bridge
        wanted = {TunnelPort(tunnel_port_name(kind, ip), kind, ip)
                  for kind, ip in wanted_tunnels(desired, self.config.host)}
        ifaces = self.ovsdb.interfaces(bridge)
        present = self.ovsdb.tunnel_ports(ifaces)
        missing = [t for t in wanted if present.get(t.name) != t]
        if missing:
            self.ovsdb.add_tunnel_ports(bridge, missing, self.config.tunnel_ip)
            ifaces = self.ovsdb.interfaces(bridge)
        by_name = {i.name: i.ofport for i in ifaces}
        ofports = {(t.kind, t.remote_ip): by_name[t.name] for t in wanted
                   if by_name.get(t.name, -1) > 0}
        wanted_names = {t.name for t in wanted}
        return ifaces, ofports, [name for name in present if name not in wanted_names]

    def ovsdb_changes(self) -> int:
        """A counter that moves whenever OVSDB changed (a VM plugged, a port vanished)."""
        assert self.ovsdb is not None
        return self.ovsdb.api.idl.change_seqno

    def run(self, load_desired: Callable[[], DesiredState | None], stop: threading.Event,
            interval: float = 0.2, on_sync: Callable[[SyncResult], None] | None = None) -> None:
        """Loop until ``stop``: sync whenever desired state, OVSDB or the canary says so.

        ``load_desired`` returns a new DesiredState when it changed, else None.
        """
        desired: DesiredState | None = None
        seen_seqno = -1
        while not stop.is_set():
            try:
                fresh = load_desired()
                due = fresh is not None
                desired = fresh or desired
                if (desired is not None and self._installed is not None
                        and not self.canary_present()):
                    LOG.warning("canary flow missing: OVS lost its flows, resyncing")
                    self.invalidate()
                seqno = self.ovsdb_changes()
                due = due or seqno != seen_seqno or self._installed is None
                due = due or time.monotonic() - self._last_full > self.config.full_resync_interval
                if desired is not None and due:
                    result = self.sync(desired)
                    seen_seqno = seqno
                    if on_sync is not None:
                        on_sync(result)
            except Exception:  # OVS restarting, bad input file: observe afresh next round
                LOG.exception("reconciliation failed; retrying")
                self.invalidate()
            stop.wait(interval)
