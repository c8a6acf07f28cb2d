"""DHCP for the networks this host serves: one namespace and one dnsmasq per network.

``Dhcp.sync(desired, ovsdb)`` is called by the agent before it computes flows
(so the DHCP port's ofport exists in that very sync). Level-triggered like the
rest of the agent: for each network in ``desired.dhcp_networks`` whose
``network:dhcp`` port is bound here it asserts the namespace, the port on
br-int, the files and the process; whatever it finds of networks no longer
served (state directories, its OVSDB ports) it tears down.

What changes with ports (hosts, options) is only rewritten, and dnsmasq gets
a SIGHUP when a file really changed; dnsmasq is restarted only when its
command line (the subnets' ranges, the interface) differs from the running
one's. A restarted agent computes the same command line and adopts the
running dnsmasq: leases are not disturbed.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from neutrino.agent.desired import DesiredState
from neutrino.agent.dhcp import dnsmasq, namespace
from neutrino.agent.dhcp.namespace import InterfaceSpec
from neutrino.agent.dhcp.plan import (
    DhcpPlan,
    Paths,
    addn_hosts_file,
    dnsmasq_args,
    hosts_file,
    opts_file,
    plan_network,
)

if TYPE_CHECKING:
    from neutrino.agent.ovsdb import Ovsdb
    from neutrino.agent.reconciler import AgentConfig

LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class NetworkStatus:
    """What one sync did to one network (for logs and tests)."""

    network_id: str
    pid: int
    action: str  # "none" | "started" | "restarted" | "reloaded"


class Dhcp:
    """The DHCP component of one host's agent."""

    def __init__(self, config: AgentConfig) -> None:
        self.config = config
        self.state_path = Path(config.state_path)
        # Interface specs applied by this process: re-asserted only on change
        # (and once after start, since a new process knows nothing).
        self._applied: dict[str, InterfaceSpec] = {}
        self.last: dict[str, NetworkStatus] = {}
        self._skipped: dict[str, str] = {}

    def sync(self, desired: DesiredState, ovsdb: Ovsdb) -> None:
        """Converge every served network; one network's failure does not stop the others."""
        bridge = self.config.integration_bridge
        plugged = ovsdb.dhcp_ports(ovsdb.interfaces(bridge))
        wanted: dict[str, DhcpPlan] = {}
        skipped: dict[str, str] = {}
        for net_id in desired.dhcp_networks:
            plan = plan_network(desired, net_id, self.config.host)
            if plan is None:
                skipped[net_id] = f"no DHCP port bound to {self.config.host}"
            elif not plan.subnets:
                skipped[net_id] = "no subnet with DHCP enabled"
            else:
                wanted[net_id] = plan
        for net_id, why in skipped.items():
            if self._skipped.get(net_id) != why:  # once, not at every sync
                LOG.warning("network %s: %s, not serving it", net_id, why)
        self._skipped = skipped
        for net_id in sorted(self._known(plugged) - set(wanted)):
            try:
                self.teardown(net_id, ovsdb, plugged)
            except Exception:
                LOG.exception("network %s: DHCP teardown failed; retrying next sync", net_id)
        for net_id, plan in sorted(wanted.items()):
            try:
                self.last[net_id] = self._converge(plan, ovsdb, plugged)
            except Exception:
                self._applied.pop(net_id, None)
                LOG.exception("network %s: DHCP not converged; retrying next sync", net_id)

    def _known(self, plugged: dict[str, str]) -> set[str]:
        """Networks this host has DHCP state for: state directories and OVSDB ports."""
        root = self.state_path / "dhcp"
        dirs = {p.name for p in root.iterdir() if p.is_dir()} if root.is_dir() else set()
        return dirs | set(plugged.values()) | set(self._applied)

    def _converge(self, plan: DhcpPlan, ovsdb: Ovsdb, plugged: dict[str, str]) -> NetworkStatus:
        cfg = self.config
        net_id = plan.network.id
        addresses = plan.addresses()
        # (an address on a SLAAC subnet, not served, still needs IPv6 on: the kernel
        # refuses it otherwise)
        spec = InterfaceSpec(namespace=plan.namespace, tap=plan.tap, device=plan.device,
                             mac=plan.port.mac_address, mtu=plan.network.mtu, addresses=addresses,
                             ipv6=plan.serves_ipv6 or any(":" in ip for ip, _len in addresses))
        if self._applied.get(net_id) != spec or plugged.get(plan.tap) != net_id:
            namespace.ensure(spec, cfg.ovs_netns)
            stale = [name for name, net in plugged.items() if net == net_id and name != plan.tap]
            ovsdb.delete_ports(cfg.integration_bridge, stale)
            ovsdb.add_dhcp_port(cfg.integration_bridge, plan.tap, plan.port.id,
                                plan.port.mac_address, net_id)
            self._applied[net_id] = spec
        paths = Paths.of(self.state_path, net_id)
        paths.root.mkdir(parents=True, exist_ok=True)
        paths.root.chmod(0o755)  # dnsmasq re-reads its files as an unprivileged user
        changed = False
        for path, content in ((paths.hosts, hosts_file(plan)), (paths.opts, opts_file(plan)),
                              (paths.addn_hosts, addn_hosts_file(plan))):
            changed = dnsmasq.write_if_changed(path, content) or changed
        args = dnsmasq_args(plan, paths, lease_seconds=cfg.dhcp_lease_duration,
                            dns_servers=tuple(cfg.dnsmasq_dns_servers), user=cfg.dnsmasq_user,
                            log_dhcp=cfg.dnsmasq_log_dhcp)
        found = dnsmasq.running(paths)
        if found is None:
            pid = dnsmasq.start(plan.namespace, args)
            LOG.info("network %s: dnsmasq %d started", net_id, pid)
            return NetworkStatus(net_id, pid, "started")
        pid, argv = found
        if argv != args:
            dnsmasq.stop(paths)
            pid = dnsmasq.start(plan.namespace, args)
            LOG.info("network %s: subnets changed, dnsmasq restarted as %d", net_id, pid)
            return NetworkStatus(net_id, pid, "restarted")
        if changed:
            dnsmasq.reload(pid)
            LOG.info("network %s: hosts/options changed, dnsmasq %d reloaded", net_id, pid)
            return NetworkStatus(net_id, pid, "reloaded")
        return NetworkStatus(net_id, pid, "none")

    def teardown(self, net_id: str, ovsdb: Ovsdb, plugged: dict[str, str]) -> None:
        """Stop dnsmasq, unplug the port, delete the veth, the namespace and the files."""
        paths = Paths.of(self.state_path, net_id)
        dnsmasq.stop(paths)
        taps = [name for name, net in plugged.items() if net == net_id]
        ovsdb.delete_ports(self.config.integration_bridge, taps)
        spec = self._applied.pop(net_id, None)
        for tap in taps or ([spec.tap] if spec else [None]):
            namespace.destroy(f"qdhcp-{net_id}", tap, self.config.ovs_netns)
        shutil.rmtree(paths.root, ignore_errors=True)
        self.last.pop(net_id, None)
        LOG.info("network %s: DHCP removed", net_id)
