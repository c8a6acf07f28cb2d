"""QoS on br-int: rate limits (OpenFlow meters) and DSCP marking, per port.

A local port's QoS policy is its own ``qos_policy_id``, else its network's (not
for the network's own ports, ``device_owner`` ``network:*``, as Neutron does).
Four stages, two per direction, after the security groups:

* ``egress_packet_rate`` / ``ingress_packet_rate``: the packet rate limit rule of
  the direction, a pktps meter;
* ``egress_qos``: the egress bandwidth limit (a kbps meter) and DSCP marking:
  ``set_field:<mark>->ip_dscp`` on the IPv4 and IPv6 packets the rule's
  classification group matches (every one for a rule without a group). Rules with
  a group come first, the higher ``classification_priority`` first; each group's
  decision list (``openflow/classifier.py``) is composed with the next rule's, so
  a packet a group does not take goes on to the next rule;
* ``ingress_qos``: the ingress bandwidth limit (a kbps meter).

Egress matches the VM's ``in_port``; ingress the destination register (the local
port L2 chose). Minimum bandwidth and minimum packet rate rules are not enforced
here (the userspace datapath has no queues to guarantee a rate with): they are
Placement's business (docs/qos.md).
"""
from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass

from neutrino.agent.desired import Port, QosPolicy, QosRule
from neutrino.agent.openflow import classifier
from neutrino.agent.openflow.flows import Flow
from neutrino.agent.openflow.manager import FlowOwner
from neutrino.agent.openflow.meters import Meter, assign_meter_ids
from neutrino.agent.openflow.pipeline import REG_DST_PORT
from neutrino.agent.topology import HostView

LOG = logging.getLogger(__name__)

EGRESS_PPS, EGRESS = "egress_packet_rate", "egress_qos"
INGRESS_PPS, INGRESS = "ingress_packet_rate", "ingress_qos"
STAGES = {("packet_rate_limit", "egress"): EGRESS_PPS, ("bandwidth_limit", "egress"): EGRESS,
          ("packet_rate_limit", "ingress"): INGRESS_PPS, ("bandwidth_limit", "ingress"): INGRESS}
PRIO_PORT = 10  # a port's flow when nothing more specific matches
PRIO_MARK_TOP = 60000  # DSCP decision entries count down from here
BURST_SHARE = 0.8  # burst when a rule gives none: 80 % of the rate, as Neutron's OVS driver
TRUSTED_OWNER_PREFIX = "network:"


@dataclass(frozen=True)
class Mark:
    dscp: int


def policy_of(port: Port) -> str | None:
    """The policy a port's traffic gets: its own, else its network's (not for ports of
    the network itself)."""
    if port.qos_policy_id:
        return port.qos_policy_id
    if port.device_owner.startswith(TRUSTED_OWNER_PREFIX):
        return None
    return port.qos_network_policy_id


def meter_for(rule: QosRule, meter_id: int) -> Meter:
    if rule.type == "bandwidth_limit":
        burst = rule.max_burst_kbps or max(1, int(rule.max_kbps * BURST_SHARE))
        return Meter(meter_id, "kbps", rule.max_kbps, burst)
    rate = rule.max_kpps * 1000
    burst = rule.max_burst_kpps * 1000 or max(1, int(rate * BURST_SHARE))
    return Meter(meter_id, "pktps", rate, burst)


class Qos:
    """The QoS extension: its four stages, and the meters its flows use."""

    name = "qos"
    stages = (EGRESS_PPS, EGRESS, INGRESS_PPS, INGRESS)

    def __init__(self) -> None:
        self._warned: set[str] = set()

    # ---- what applies where ----------------------------------------------------------
    def _ports(self, view: HostView) -> list[tuple[Port, int, QosPolicy]]:
        policies = {p.id: p for p in view.desired.qos_policies}
        out = []
        for net_id in sorted(view.networks):
            for port, ofport in view.local_ports(net_id):
                policy = policies.get(policy_of(port) or "")
                if policy is not None and policy.rules:
                    out.append((port, ofport, policy))
        return out

    def _limits(self, view: HostView) -> dict[tuple[str, str], tuple[int, QosRule, int]]:
        """(port id, stage) -> (ofport, limit rule, meter id) for every limit in force."""
        wanted = {}
        for port, ofport, policy in self._ports(view):
            for rule in policy.rules:
                stage = STAGES.get((rule.type, rule.direction))
                if stage is not None and (rule.max_kbps or rule.max_kpps):
                    wanted[(port.id, stage)] = (ofport, rule)
        ids = assign_meter_ids(wanted)
        return {key: (ofport, rule, ids[key]) for key, (ofport, rule) in wanted.items()}

    def meters(self, view: HostView) -> dict[int, Meter]:
        """The meters the flows of ``view`` use (installed before the flows)."""
        return {mid: meter_for(rule, mid) for _, rule, mid in self._limits(view).values()}

    # ---- flows -----------------------------------------------------------------------
    def flows(self, owner: FlowOwner, view: HostView) -> Iterator[Flow]:
        limits = self._limits(view)
        decisions: dict[str, list[classifier.Entry]] = {}
        for port, ofport, policy in self._ports(view):
            match = {EGRESS_PPS: f"in_port={ofport}", EGRESS: f"in_port={ofport}",
                     INGRESS_PPS: f"{REG_DST_PORT.match}={ofport}",
                     INGRESS: f"{REG_DST_PORT.match}={ofport}"}
            base = {}
            for stage in self.stages:
                found = limits.get((port.id, stage))
                meter = f"meter:{found[2]}," if found else ""
                base[stage] = f"{meter}{owner.goto(_after(owner, stage))}"
                if found:
                    yield owner.flow(stage, PRIO_PORT, match[stage], base[stage])
            if policy.id not in decisions:
                decisions[policy.id] = self._decisions(view, policy)
            yield from self._marking(owner, match[EGRESS], base[EGRESS], decisions[policy.id])

    def _decisions(self, view: HostView, policy: QosPolicy) -> list[classifier.Entry]:
        """The policy's DSCP rules as one first-match list labelled with marks."""
        marking = [r for r in policy.rules if r.type == "dscp_marking"]
        marking.sort(key=lambda r: (r.classification_group_id is None,
                                    -r.classification_priority, r.id))
        groups = {g.id: g for g in view.desired.classification_groups}
        classifications = {c.id: c for c in view.desired.classifications}
        result: list[classifier.Entry] = []
        for rule in reversed(marking):
            if rule.classification_group_id is None:
                entries = [classifier.entry({}, classifier.MATCH)]
            else:
                try:
                    entries = classifier.compile_group(rule.classification_group_id, groups,
                                                       classifications)
                except classifier.Unsupported as err:
                    if rule.id not in self._warned:
                        self._warned.add(rule.id)
                        LOG.warning("DSCP marking rule %s marks nothing: %s", rule.id, err)
                    continue
            labelled = [classifier.Entry(e.fields, Mark(rule.dscp_mark))
                        if e.verdict == classifier.MATCH else e for e in entries]
            try:
                result = classifier.compose(labelled, result)
            except classifier.Unsupported as err:
                LOG.warning("DSCP marking rule %s marks nothing: %s", rule.id, err)
        return result

    def _marking(self, owner: FlowOwner, port_match: str, base: str,
                 entries: list[classifier.Entry]) -> Iterator[Flow]:
        priority = PRIO_MARK_TOP
        for e in entries:
            fields = e.as_dict
            if isinstance(e.verdict, Mark):
                # set_field ip_dscp needs an IP packet: a match without an ethertype
                # (an Ethernet classification) stands for both IP versions.
                dl_type = fields.get("dl_type", (None, 0))[0]
                if dl_type is None:
                    variants = [{**fields, "dl_type": (eth, 0xFFFF)}
                                for eth in (classifier.ETH_IPV4, classifier.ETH_IPV6)]
                elif dl_type in (classifier.ETH_IPV4, classifier.ETH_IPV6):
                    variants = [fields]
                else:
                    variants = []  # not IP: nothing to mark
                actions = base.replace(owner.goto(_after(owner, EGRESS)),
                                       f"set_field:{e.verdict.dscp}->ip_dscp,"
                                       f"{owner.goto(_after(owner, EGRESS))}")
                for variant in variants:
                    yield owner.flow(EGRESS, priority, _join(port_match, variant), actions)
                    priority -= 1
                if variants:
                    continue
            yield owner.flow(EGRESS, priority, _join(port_match, fields), base)
            priority -= 1
            if priority <= PRIO_PORT:
                LOG.warning("DSCP marking of one port needs more flows than priorities")
                return


def _join(port_match: str, fields: dict) -> str:
    rest = classifier.render(fields)
    return f"{port_match},{rest}" if rest else port_match


def _after(owner: FlowOwner, stage: str) -> str:
    table = owner.table(stage) + 1
    return next(name for name, number in owner.tables.items() if number == table)
