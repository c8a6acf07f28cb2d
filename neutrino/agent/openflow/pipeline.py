"""The one declaration of the br-int OpenFlow pipeline.

Stages are listed in packet order; table numbers come from the position in
``BR_INT_PIPELINE`` and are resolved by the manager at start. No other module
writes a table number: code asks the manager for ``table("ingress_filter")``.
Inserting a stage renumbers the ones after it, which is safe because every
flow's identity (its cookie fingerprint) includes the resolved table number,
so the next sync replaces the old flows atomically.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Miss(enum.Enum):
    """What the manager's lowest-priority flow in a stage does."""

    NEXT = "next"  # hand the packet to the following stage
    DROP = "drop"  # nothing matched: the packet has nowhere to go


@dataclass(frozen=True)
class Stage:
    """One named step of the pipeline, owned by at most one extension."""

    name: str
    miss: Miss
    purpose: str


@dataclass(frozen=True)
class Register:
    """A pipeline register with a fixed meaning shared by all extensions."""

    name: str
    field: str  # the NXM name used in actions, e.g. NXM_NX_REG6[]
    match: str  # the name used in matches, e.g. reg6
    purpose: str


# Local network identity: set at classification from in_port (and tun_id for
# tunnels); every later stage matches it. 16 bits wide so a later conntrack
# extension can use it directly as the zone.
REG_NETWORK = Register("network", "NXM_NX_REG6[]", "reg6", "local network id of the packet")
# Destination local port (OpenFlow port number) chosen by L2 forwarding; the
# ingress stages may inspect it, the output stage sends the packet there.
REG_DST_PORT = Register("dst_port", "NXM_NX_REG7[]", "reg7", "ofport of the local destination")

REGISTERS = (REG_NETWORK, REG_DST_PORT)

# The br-int pipeline, in packet order. Egress = leaving a VM, ingress = towards
# a VM. Traffic from tunnels and physical networks enters at ingress_deflection.
BR_INT_PIPELINE: tuple[Stage, ...] = (
    # Ahead of everything: a trunk subport's frames (tagged, or from its MAC) take the
    # subport's logical ofport as in_port, so every later stage sees them as its own.
    Stage("trunk_demux", Miss.NEXT,
          "trunk subports: frames on a parent's VIF become the subport's (tag popped)"),
    Stage("classification", Miss.DROP,
          "identify the source (VM port, tunnel, physical network); set the network register"),
    Stage("egress_filter", Miss.NEXT,
          "security groups for traffic leaving a VM: anti-spoofing, base allows, into conntrack"),
    # Security groups need two tables per direction: ct(table=...) recirculates the
    # packet into a given table with its conntrack state, and that table (*_rules)
    # must differ from the one that sent it there (*_filter), or it would loop.
    Stage("egress_rules", Miss.NEXT, "conntrack state, then the port's egress rules"),
    Stage("egress_packet_rate", Miss.NEXT, "packet rate limits of traffic leaving a VM"),
    Stage("egress_qos", Miss.NEXT, "bandwidth limits and DSCP marking of traffic leaving a VM"),
    # After the sender's security groups, before L2: what is routed leaves here.
    Stage("routing", Miss.NEXT,
          "east-west routing: gateway ARP/ND answered, routed to the destination VM's port"),
    Stage("egress_deflection", Miss.DROP,
          "L2 forwarding of VM traffic: to a local port's ingress, a tunnel or a physnet"),
    Stage("ingress_deflection", Miss.DROP,
          "L2 delivery of traffic arriving from tunnels and physnets to local ports"),
    Stage("ingress_filter", Miss.NEXT,
          "security groups for traffic delivered to a VM: base allows, into conntrack"),
    Stage("ingress_rules", Miss.NEXT, "conntrack state, then the port's ingress rules"),
    # Two QoS stages per direction: a flow applies one meter, a port may have two limits.
    Stage("ingress_packet_rate", Miss.NEXT, "packet rate limits of traffic delivered to a VM"),
    Stage("ingress_qos", Miss.NEXT, "bandwidth limits of traffic delivered to a VM"),
    Stage("routed_delivery", Miss.NEXT,
          "routed frames from other hosts: their host's source MAC back to the router's"),
    Stage("trunk_delivery", Miss.NEXT,
          "to a trunk subport: out of its parent's VIF (802.1Q tag pushed for VLAN ones)"),
    Stage("output", Miss.DROP, "deliver to the port in the destination register"),
    Stage("canary", Miss.DROP, "never reached by packets; its flow vanishing means OVS lost flows"),
)

# OpenFlow meters on br-int, declared here as tables are: one id per purpose.
# Packet logging: every copy a logging flow sends the agent passes this meter
# ([network_log] rate_limit packets a second, burst_limit more in a burst).
METER_PACKET_LOG = 1
