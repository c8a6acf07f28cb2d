"""Trunks on br-int: a VM's one VIF carries its parent port and its subports.

Two stages, one at each end of the pipeline (``trunks.py`` says which subports
are wired and gives each a logical ofport):

* ``trunk_demux``, before classification: a frame from the parent's VIF tagged
  with a subport's VLAN loses the tag; an untagged one from a ``mac`` child's
  MAC stays as it is; either way ``in_port`` becomes the subport's logical
  ofport, so classification, anti-spoofing, security groups, QoS and L2 treat
  it as sent by the subport's own port. Other tagged frames from a parent are
  dropped: they belong to no subport (a removed one's among them).
* ``trunk_delivery``, before output: a frame for a subport (its logical ofport
  in the destination register) leaves by the parent's VIF, tagged with the
  subport's VLAN, or untagged for a ``mac`` child. Not back to the subport it
  came from (what OVS does by itself for a real port), and through ``in_port``
  when it came in on the parent's VIF (OVS never outputs to the in_port).
"""

from __future__ import annotations

from collections.abc import Iterator

from neutrino.agent.openflow.flows import Flow
from neutrino.agent.openflow.manager import FlowOwner
from neutrino.agent.openflow.pipeline import REG_DST_PORT
from neutrino.agent.topology import HostView
from neutrino.agent.trunks import WiredSubport

DEMUX = "trunk_demux"
DELIVERY = "trunk_delivery"
NEXT_AFTER_DEMUX = "classification"

PRIO_SUBPORT = 100  # one subport's tag or MAC
PRIO_OTHER_TAGS = 50  # a parent's tagged frames of no subport
PRIO_HAIRPIN = 100  # a subport's own frame flooded back to it
PRIO_VIA_IN_PORT = 90  # to a subport, from the parent's VIF itself
PRIO_TO_SUBPORT = 80

TPID_8021Q = 0x8100
VLAN_PRESENT = 0x1000
SET_IN_PORT = "NXM_OF_IN_PORT[]"
UNTAGGED = "vlan_tci=0x0000/0x1000"
TAGGED = "vlan_tci=0x1000/0x1000"


class Trunks:
    """The trunk extension: demultiplexing onto subports, and delivery from them."""

    name = "trunks"
    stages = (DEMUX, DELIVERY)

    def flows(self, owner: FlowOwner, view: HostView) -> Iterator[Flow]:
        for parent_ofport in sorted(set(view.trunks.parents.values())):
            yield owner.flow(DEMUX, PRIO_OTHER_TAGS, f"in_port={parent_ofport},{TAGGED}", "drop")
        for sub in view.trunks.subports:
            yield from _subport_flows(owner, sub)


def _subport_flows(owner: FlowOwner, sub: WiredSubport) -> Iterator[Flow]:
    as_subport = f"load:{sub.ofport}->{SET_IN_PORT},{owner.goto(NEXT_AFTER_DEMUX)}"
    if sub.vlan is None:  # a ``mac`` child: untagged, from its own MAC
        yield owner.flow(DEMUX, PRIO_SUBPORT,
                         f"in_port={sub.parent_ofport},{UNTAGGED},dl_src={sub.port.mac_address}",
                         as_subport)
        tag = ""
    else:
        yield owner.flow(DEMUX, PRIO_SUBPORT, f"in_port={sub.parent_ofport},dl_vlan={sub.vlan}",
                         f"pop_vlan,{as_subport}")
        tag = f"push_vlan:{TPID_8021Q:#x},set_field:{VLAN_PRESENT | sub.vlan}->vlan_vid,"
    to_sub = f"{REG_DST_PORT.match}={sub.ofport}"
    yield owner.flow(DELIVERY, PRIO_HAIRPIN, f"{to_sub},in_port={sub.ofport}", "drop")
    yield owner.flow(DELIVERY, PRIO_VIA_IN_PORT, f"{to_sub},in_port={sub.parent_ofport}",
                     f"{tag}in_port")
    yield owner.flow(DELIVERY, PRIO_TO_SUBPORT, to_sub, f"{tag}output:{sub.parent_ofport}")
