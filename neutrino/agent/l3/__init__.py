"""Routers placed on this host: one namespace each, NAT in nftables.

``L3.sync(desired, ovsdb)`` runs before the agent computes flows (a SyncHook, as
DHCP), so the router ports it plugs have their ofports in that very sync and the
L2 flows deliver to them; the interface ports are then reported up like any
wired port (status ACTIVE). For each router of ``desired.routers`` (admin up):

* the namespace ``qrouter-<router id>`` with IPv4 forwarding on;
* its gateway port (``qg-…``) and interface ports (``qr-…``) as veths whose
  br-int ends (``tap…``) carry ``iface-id``, ``attached-mac`` and the agent's
  router tag in OVSDB; the floating IPs as /32 addresses on ``qg-``;
* the default route via the external subnet's gateway and the extra routes;
* one nftables table (``inet neutrino``) holding all its NAT, replaced whole by one
  ``nft -f`` (atomic): SNAT of the internal subnets to the gateway address when
  ``enable_snat`` (not of those in the external network's address scope), each
  floating IP as DNAT + SNAT, port forwardings as DNAT, and the address scope guard;
* ``radvd`` for the IPv6 interfaces whose subnet's ``ipv6_ra_mode`` asks for RAs.

A floating IP whose NAT is in place is reported ACTIVE, one that lost it DOWN
(``POST /feed/v1/hosts/{host}/floatingips``), also one that left the document
(disassociated: it has no router any more); the conntrack entries of a
floating IP that went are deleted, so its connections stop. Routers no longer
here (their OVSDB ports, state directories) are torn down. Level-triggered: a
router whose plan did not change is left alone; a new process re-asserts each
once (idempotent, no flap: established connections survive).
"""
from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from neutrino.agent.desired import DesiredState
from neutrino.agent.l3 import namespace, radvd
from neutrino.agent.l3.plan import RouterPlan, namespace_of, plan_routers, ruleset
from neutrino.agent.l3.snat_log import SnatLogs
from neutrino.agent.packet_log import RecordWriter

if TYPE_CHECKING:
    from neutrino.agent.ovsdb import Ovsdb
    from neutrino.agent.reconciler import AgentConfig

LOG = logging.getLogger(__name__)


class L3:
    """The routing component of one host's agent."""

    def __init__(self, config: AgentConfig) -> None:
        self.config = config
        self.root = Path(config.state_path) / "l3"
        self._applied: dict[str, RouterPlan] = {}
        # Floating IP id -> status, after the last sync (what the reporter sends); those
        # that left this host's document while ACTIVE are DOWN until that is reported.
        self.fip_statuses: dict[str, str] = {}
        self.gone: set[str] = set()
        self.snat_logs = SnatLogs(RecordWriter(config.packet_log_file, config.host))
        self._announce: list[tuple[str, str, list[str]]] = []  # sent once the flows are in

    def stop(self) -> None:
        """End the SNAT log readers; the namespaces stay as they are."""
        self.snat_logs.stop()

    def after_flows(self) -> None:
        """Gratuitous ARP for the addresses new on router devices this sync (now that
        the flows deliver them)."""
        pending, self._announce = self._announce, []
        for ns, device, addresses in pending:
            try:
                namespace.announce(ns, device, addresses)
            except OSError as err:  # best effort: neighbours learn it anyway, later
                LOG.warning("%s: gratuitous ARP on %s: %s", ns, device, err)

    def sync(self, desired: DesiredState, ovsdb: Ovsdb) -> None:
        bridge = self.config.integration_bridge
        plugged = ovsdb.router_ports(ovsdb.interfaces(bridge))
        wanted = plan_routers(desired, self.config.host)
        for router_id in sorted(self._known(plugged) - set(wanted)):
            try:
                self.teardown(router_id, ovsdb, plugged)
            except Exception:
                LOG.exception("router %s: teardown failed; retrying next sync", router_id)
        statuses: dict[str, str] = {}
        for router_id, plan in sorted(wanted.items()):
            try:
                self._converge(plan, ovsdb, plugged)
                ok = True
            except Exception:
                self._applied.pop(router_id, None)
                LOG.exception("router %s: not converged; retrying next sync", router_id)
                ok = False
            for fip_id, _fip, _fixed in plan.floating:
                statuses[fip_id] = "ACTIVE" if ok else "ERROR"
        self.snat_logs.sync({rid: (plan.namespace, plan.snat_logs) for rid, plan in wanted.items()
                             if plan.snat_logs and rid in self._applied})
        for fip in desired.floatingips:
            statuses.setdefault(fip.id, "DOWN")
        self.gone |= {i for i, s in self.fip_statuses.items() if s == "ACTIVE" and i not in statuses}
        self.gone -= set(statuses)
        self.fip_statuses = {**dict.fromkeys(self.gone, "DOWN"), **statuses}

    def reported(self, fip_ids: set[str]) -> None:
        """The server was told these statuses."""
        self.gone -= fip_ids

    def _known(self, plugged: dict[str, str]) -> set[str]:
        dirs = {p.name for p in self.root.iterdir() if p.is_dir()} if self.root.is_dir() else set()
        return dirs | set(plugged.values()) | set(self._applied)

    def _converge(self, plan: RouterPlan, ovsdb: Ovsdb, plugged: dict[str, str]) -> None:
        cfg = self.config
        old = self._applied.get(plan.router_id)
        taps = {d.tap for d in plan.devices}
        if old == plan and all(plugged.get(t) == plan.router_id for t in taps):
            return
        (self.root / plan.router_id).mkdir(parents=True, exist_ok=True)
        made = namespace.ensure(plan, cfg.ovs_netns)
        # A veth made anew (its namespace deleted under us, say) behind a switch port of the
        # same name: the port is made again, or Open vSwitch keeps the device it lost.
        stale = [name for name, rid in plugged.items()
                 if rid == plan.router_id and (name not in taps or name in made)]
        ovsdb.delete_ports(cfg.integration_bridge, stale)
        for dev in plan.devices:
            ovsdb.add_router_port(cfg.integration_bridge, dev.tap, dev.port_id, dev.mac, plan.router_id)
        namespace.apply_nat(plan.namespace,
                            ruleset(plan, (cfg.log_rate_limit, cfg.log_burst_limit)))
        radvd.ensure(plan, self.root / plan.router_id)
        before = {d.device: set(d.addresses) for d in old.devices} if old else {}
        for dev in plan.devices:
            fresh = sorted(ip for ip, _len in set(dev.addresses) - before.get(dev.device, set())
                           if ":" not in ip)
            if fresh:
                self._announce.append((plan.namespace, dev.device, fresh))
        if old is not None:  # connections of floating IPs and forwardings that went must stop
            gone = ({ip for _i, ip, _f in old.floating} | {f.floating_ip for f in old.forwards}) - (
                {ip for _i, ip, _f in plan.floating} | {f.floating_ip for f in plan.forwards})
            gone |= {ip for _i, ip, fixed in old.floating
                     if (ip, fixed) not in {(i, f) for _x, i, f in plan.floating}}
            for address in sorted(gone):
                namespace.delete_conntrack(plan.namespace, address)
            for fwd in sorted(set(old.forwards) - set(plan.forwards), key=repr):
                if fwd.floating_ip not in gone:
                    namespace.delete_forward_conntrack(plan.namespace, fwd.floating_ip, fwd.protocol,
                                                       range(fwd.external[0], fwd.external[1] + 1))
        self._applied[plan.router_id] = plan
        LOG.info("router %s: %d interfaces, gateway %s, %d floating IPs", plan.router_id,
                 len(plan.interfaces), plan.gateway_ip, len(plan.floating))

    def teardown(self, router_id: str, ovsdb: Ovsdb, plugged: dict[str, str]) -> None:
        taps = [name for name, rid in plugged.items() if rid == router_id]
        ovsdb.delete_ports(self.config.integration_bridge, taps)
        self._applied.pop(router_id, None)
        radvd.stop(self.root / router_id)
        namespace.destroy(namespace_of(router_id), taps, self.config.ovs_netns)
        shutil.rmtree(self.root / router_id, ignore_errors=True)
        LOG.info("router %s: removed", router_id)
