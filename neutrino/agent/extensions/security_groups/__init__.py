"""Security groups on br-int: anti-spoofing, conntrack and rules, computed from desired state.

Four stages, two per direction (egress = leaving a VM, ingress = delivered to
one). ``*_filter`` holds the base flows (``base.py``; per port, except the
ingress allows every port shares): anti-spoofing, what passes without rules
(ARP, DHCP, neighbour discovery), and IP packets sent on to conntrack,
``ct(table=<*_rules>, zone=reg6)``, for ports of stateful groups, or straight
on for stateless ones. ``*_rules`` is where the packet re-enters after
conntrack:

* invalid: dropped; replies (``+est+rpl``) and related packets: accepted;
* anything else (new connections, and the originating side of established
  ones): accepted only by a rule of the port's groups, and committed to
  conntrack when the port is stateful. Established connections are thus
  checked against the rules as they are now: a rule added leaves them alone
  (their entries stay, the bundle only adds flows), a rule removed stops the
  connections it admitted at their next packet, with no conntrack deletion.

The conntrack zone is the network register (the local network id): overlapping
addresses of different networks stay apart, and when both VMs are on this host
the one connection has one entry that both ends' rules look at.

Remote-group rules are conjunctive matches: dimension 1 is the group's member
addresses (shared by every port using the rule), dimension 2 the port and the
rule's protocol and ports. A membership change rewrites only the member flows.

Not filtered at all: ports with ``port_security_enabled`` false and Neutron's
trusted ports (``device_owner`` starting with ``network:``, e.g. DHCP).

Packet logging (``logs.py`` tells which logs cover a port): for a port with an
ACCEPT log, each rule gets a twin for new connections (``ct_state=+new``, above
the rule) that also copies the packet to the agent; with a DROP log the port's
final drop becomes that copy. The copy is ``controller(meter_id=...)``: the
meter ``METER_PACKET_LOG`` rate-limits copies, never the packet itself. Each
logging flow's cookie maps to a ``LogTag`` (``log_tags``) the record writer reads.
"""

from __future__ import annotations

import logging
import zlib
from collections import defaultdict
from collections.abc import Iterable, Iterator

from neutrino.agent.desired import Log, Port, SecurityGroup
from neutrino.agent.openflow.flows import Flow
from neutrino.agent.openflow.manager import FlowOwner
from neutrino.agent.openflow.pipeline import METER_PACKET_LOG, REG_DST_PORT, REG_NETWORK
from neutrino.agent.packet_log import LogTag
from neutrino.agent.topology import HostView

from .base import INGRESS_ALLOWS, PRIO_ALLOW, SHARED_EGRESS, SHARED_VERDICTS, egress_base, ingress_base
from .logs import covers, events
from .rules import ETHERTYPES, CompiledRule, RuleError, compile_rule, member_match

LOG = logging.getLogger(__name__)

EGRESS, EGRESS_RULES = "egress_filter", "egress_rules"
INGRESS, INGRESS_RULES = "ingress_filter", "ingress_rules"
RULES_STAGE = {"egress": EGRESS_RULES, "ingress": INGRESS_RULES}

PRIO_INVALID = 300
PRIO_STATE = 250  # replies and related packets of tracked connections
PRIO_LOG_ACCEPT = 110  # a logged port's rule, for new connections: also copied to the agent
PRIO_RULE = 100  # one rule's match for one port
PRIO_CONJ = 90  # remote-group conjunctions (all their clauses share one priority)
PRIO_PORT_DROP = 1

ZONE = REG_NETWORK.field.replace("[]", "[0..15]")
# A copy of the packet's headers to the agent, through the packet log meter.
TO_LOG = f"controller(max_len=128,meter_id={METER_PACKET_LOG})"
NEW = "ct_state=+new+trk"
TRUSTED_OWNER_PREFIX = "network:"
_CONJ_SPACE = (1 << 32) - 1
# Conjunction ids of the shared egress base flows (base.SHARED_EGRESS); remote-group
# conjunctions never get these.
SHARED_CONJ_IDS = {name: number for number, name in enumerate(sorted(SHARED_EGRESS), 1)}


def is_filtered(port: Port) -> bool:
    return port.port_security_enabled and not port.device_owner.startswith(TRUSTED_OWNER_PREFIX)


def assign_conj_ids(keys: Iterable[tuple[str, ...]]) -> dict[tuple[str, ...], int]:
    """Conjunction ids derived from content: the same after a restart, stable as others come and go."""
    taken: set[int] = set(SHARED_CONJ_IDS.values())
    result = {}
    for key in sorted(set(keys)):
        candidate = zlib.crc32("|".join(key).encode()) % _CONJ_SPACE + 1
        while candidate in taken:
            candidate = candidate % _CONJ_SPACE + 1
        taken.add(candidate)
        result[key] = candidate
    return result


# What one port contributes: its flows, its clauses of remote-group conjunctions, the
# tags of its logging flows, and (ACCEPT-logged ports) its conjunctions to log:
# (conjunction key, port selector, tag).
PortFlows = tuple[tuple[Flow, ...], tuple[tuple[tuple[str, ...], str], ...],
                  tuple[tuple[int, LogTag], ...], tuple[tuple[tuple[str, ...], str, LogTag], ...]]


class SecurityGroups:
    """The security group extension: both filter stages and both rules stages."""

    name = "security_groups"
    stages = (EGRESS, EGRESS_RULES, INGRESS, INGRESS_RULES)

    def __init__(self) -> None:
        self._warned: set[str] = set()
        # A port's flows depend only on the port, its ofport and its groups: computed
        # once, reused by every sync until one of those changes (the agent recomputes
        # everything each time; this keeps that cheap with thousands of ports).
        self._memo: dict[tuple[object, ...], PortFlows] = {}
        # Cookie of each logging flow -> what it logs (replaced whole by each flows()).
        self.log_tags: dict[int, LogTag] = {}

    def flows(self, owner: FlowOwner, view: HostView) -> Iterator[Flow]:
        groups = {g.id: g for g in view.desired.security_groups}
        accept = {"egress": owner.goto(_after(owner, EGRESS_RULES)),
                  "ingress": owner.goto(_after(owner, INGRESS_RULES))}
        commit = {d: f"ct(commit,zone={ZONE}),{a}" for d, a in accept.items()}
        for direction, stage in RULES_STAGE.items():
            yield owner.flow(stage, PRIO_INVALID, "ct_state=+trk+inv", "drop")
            yield owner.flow(stage, PRIO_STATE, "ct_state=+trk+est+rpl", accept[direction])
            yield owner.flow(stage, PRIO_STATE, "ct_state=+trk+rel", accept[direction])
        for match in INGRESS_ALLOWS:
            yield owner.flow(INGRESS, PRIO_ALLOW, match, accept["ingress"])
        for name, (prio, matches) in sorted(SHARED_EGRESS.items()):
            conj = SHARED_CONJ_IDS[name]
            verdict = SHARED_VERDICTS[name]
            yield owner.flow(EGRESS, prio, f"conj_id={conj}",
                             accept["egress"] if verdict == "accept" else verdict)
            for match in matches:
                yield owner.flow(EGRESS, prio, match, f"conjunction({conj},2/2)")

        # (group, remote group, direction, ethertype) -> dimension-2 matches
        conj_clauses: dict[tuple[str, ...], set[str]] = defaultdict(set)
        memo: dict[tuple[object, ...], PortFlows] = {}
        sg_logs = [log for log in view.desired.logs if log.resource_type == "security_group"]
        tags: dict[int, LogTag] = {}
        logged_conj: list[tuple[tuple[str, ...], str, LogTag]] = []
        for net_id in sorted(view.networks):
            for port, ofport in view.local_ports(net_id):
                if not is_filtered(port):
                    continue
                own = tuple(groups[g] for g in port.security_groups if g in groups)
                mine = tuple(sorted((log for log in sg_logs if covers(log, port)),
                                    key=lambda log: log.id))
                key = (owner.cookie, port, ofport, own, mine)
                entry = self._memo.get(key) or self._port_flows(owner, port, ofport, own, mine)
                memo[key] = entry
                yield from entry[0]
                for conj_key, match in entry[1]:
                    conj_clauses[conj_key].add(match)
                tags.update(entry[2])
                logged_conj.extend(entry[3])
        self._memo = memo
        yield from _conjunctions(owner, view, conj_clauses, accept, commit)
        for flow, tag in _logged_conjunctions(owner, conj_clauses, logged_conj, commit):
            tags[flow.cookie] = tag
            yield flow
        self.log_tags = tags

    def _port_flows(self, owner: FlowOwner, port: Port, ofport: int,
                    own: tuple[SecurityGroup, ...], logs: tuple[Log, ...] = ()) -> PortFlows:
        accept = {"egress": owner.goto(_after(owner, EGRESS_RULES)),
                  "ingress": owner.goto(_after(owner, INGRESS_RULES))}
        # A port's groups are all stateful or all stateless (the API refuses a mix).
        stateful = not own or any(g.stateful for g in own)
        action = ({d: f"ct(commit,zone={ZONE}),{a}" for d, a in accept.items()} if stateful
                  else accept)
        selector = {"egress": f"in_port={ofport}", "ingress": f"{REG_DST_PORT.match}={ofport}"}
        shared = {f"shared:{name}": f"conjunction({conj},1/2)"
                  for name, conj in SHARED_CONJ_IDS.items()}
        verdict = {d: {"accept": accept[d], "drop": "drop", **shared,
                       "rules": (f"ct(table={owner.table(s)},zone={ZONE})" if stateful
                                 else owner.goto(s))}
                   for d, s in RULES_STAGE.items()}
        flows = [owner.flow(EGRESS, prio, match, verdict["egress"][what])
                 for prio, match, what in egress_base(port, ofport)]
        flows += [owner.flow(INGRESS, prio, match, verdict["ingress"][what])
                  for prio, match, what in ingress_base(ofport, REG_DST_PORT.match)]
        logged = events(logs)
        log_ids = tuple(log.id for log in logs)
        tag = {(event, d): LogTag(event, d, port.id, port.project_id, log_ids)
               for event in logged for d in RULES_STAGE}
        # Accepted packets are logged per new connection, which needs conntrack.
        log_accept = "ACCEPT" in logged and stateful
        tags: list[tuple[int, LogTag]] = []
        logged_conj: dict[tuple[tuple[str, ...], str], None] = {}
        clauses: dict[tuple[tuple[str, ...], str], None] = {}
        seen: set[tuple[str, str]] = set()
        for group, rule in self._rules(own):
            stage = RULES_STAGE[rule.direction]
            for match in rule.matches:
                flow_match = f"{selector[rule.direction]},{match}"
                if rule.remote_group_id:
                    key = (group.id, rule.remote_group_id, rule.direction, rule.ethertype)
                    clauses[(key, flow_match)] = None
                    if log_accept:
                        logged_conj[(key, selector[rule.direction])] = None
                elif (stage, flow_match) not in seen:
                    seen.add((stage, flow_match))
                    flows.append(owner.flow(stage, PRIO_RULE, flow_match, action[rule.direction]))
                    if log_accept:
                        flows.append(owner.flow(stage, PRIO_LOG_ACCEPT, f"{flow_match},{NEW}",
                                                _logging(action[rule.direction])))
                        tags.append((flows[-1].cookie, tag[("ACCEPT", rule.direction)]))
        for direction, stage in RULES_STAGE.items():
            if "DROP" in logged:
                flows.append(owner.flow(stage, PRIO_PORT_DROP, selector[direction], TO_LOG))
                tags.append((flows[-1].cookie, tag[("DROP", direction)]))
            else:
                flows.append(owner.flow(stage, PRIO_PORT_DROP, selector[direction], "drop"))
        conj_logs = tuple((key, sel, tag[("ACCEPT", key[2])]) for key, sel in logged_conj)
        return tuple(flows), tuple(clauses), tuple(tags), conj_logs

    def _rules(self, own: Iterable[SecurityGroup]) -> Iterator[tuple[SecurityGroup, CompiledRule]]:
        for group in own:
            for rule in group.rules:
                try:
                    yield group, compile_rule(rule)
                except RuleError as exc:
                    if rule.id not in self._warned:
                        self._warned.add(rule.id)
                        LOG.warning("security group rule %s admits nothing: %s", rule.id, exc)


def _conjunctions(owner: FlowOwner, view: HostView, clauses: dict[tuple[str, ...], set[str]],
                  accept: dict[str, str], commit: dict[str, str]) -> Iterator[Flow]:
    """Remote-group rules: member addresses x (port, protocol, ports), joined by conj_id."""
    ids = assign_conj_ids(clauses)
    members = view.desired.security_group_members
    # A match in several conjunctions must be one flow listing all of them.
    merged: dict[tuple[str, str], set[str]] = defaultdict(set)
    for key, conj in ids.items():
        _, remote, direction, ethertype = key
        stage = RULES_STAGE[direction]
        for address in members.get(remote, ()):
            match = member_match(address, ethertype, direction)
            if match is not None:
                merged[(stage, match)].add(f"conjunction({conj},1/2)")
        for match in clauses[key]:
            merged[(stage, match)].add(f"conjunction({conj},2/2)")
        ip = ETHERTYPES[ethertype][0]
        # Statefulness is the port's, visible here as whether conntrack saw the packet.
        yield owner.flow(stage, PRIO_RULE, f"conj_id={conj},{ip},ct_state=+trk", commit[direction])
        yield owner.flow(stage, PRIO_RULE, f"conj_id={conj},{ip},ct_state=-trk", accept[direction])
    for (stage, match), actions in sorted(merged.items()):
        yield owner.flow(stage, PRIO_CONJ, match, ",".join(sorted(actions)))


def _logged_conjunctions(owner: FlowOwner, clauses: dict[tuple[str, ...], set[str]],
                         logged: list[tuple[tuple[str, ...], str, LogTag]],
                         commit: dict[str, str]) -> Iterator[tuple[Flow, LogTag]]:
    """For ACCEPT-logged ports: a conjunction's new connections to or from the port are
    committed as usual and copied to the agent (above the conjunction's own flow)."""
    ids = assign_conj_ids(clauses)  # the same ids _conjunctions gave
    for key, selector, tag in logged:
        _, _, direction, ethertype = key
        flow = owner.flow(RULES_STAGE[direction], PRIO_LOG_ACCEPT,
                          f"conj_id={ids[key]},{ETHERTYPES[ethertype][0]},{NEW},{selector}",
                          _logging(commit[direction]))
        yield flow, tag


def _logging(action: str) -> str:
    """``action`` (commit and accept), copying the packet to the agent on the way."""
    commit, _, accept = action.rpartition(",")
    return f"{commit},{TO_LOG},{accept}" if commit else f"{TO_LOG},{accept}"


def _after(owner: FlowOwner, stage: str) -> str:
    """The stage following ``stage`` in the pipeline, by table order."""
    table = owner.table(stage) + 1
    return next(name for name, number in owner.tables.items() if number == table)
