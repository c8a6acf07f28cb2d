"""Names in Placement: resource classes, traits and the resource providers of
agents and their devices, as Neutron writes them (the same names, so that Nova
reads them unchanged). The standard names are those of os-resource-classes and
os-traits (the tests compare them); custom traits follow os-traits' rule."""
from __future__ import annotations

import re
import uuid

NET_BW_EGR = "NET_BW_EGR_KILOBIT_PER_SEC"
NET_BW_IGR = "NET_BW_IGR_KILOBIT_PER_SEC"
NET_PACKET_RATE = "NET_PACKET_RATE_KILOPACKET_PER_SEC"
NET_PACKET_RATE_EGR = "NET_PACKET_RATE_EGR_KILOPACKET_PER_SEC"
NET_PACKET_RATE_IGR = "NET_PACKET_RATE_IGR_KILOPACKET_PER_SEC"
TUNNEL_TRAIT = "CUSTOM_NETWORK_TUNNEL_PROVIDER"

# The uuid5 namespaces of the agents' providers, by agent type (Neutron's, so a
# provider keeps its uuid whichever server writes it).
OVS_AGENT = "Open vSwitch agent"
SRIOV_AGENT = "NIC Switch agent"
NAMESPACES = {OVS_AGENT: uuid.UUID("87ee7d5c-73bb-11e8-9008-c4d987b2a692"),
              SRIOV_AGENT: uuid.UUID("87f1895c-73bb-11e8-9008-c4d987b2a692")}
# The vnic types each agent's ports support (each a CUSTOM_VNIC_TYPE_* trait).
VNIC_TYPES = {OVS_AGENT: ("normal",), SRIOV_AGENT: ("direct", "macvtap", "direct-physical")}


def custom_trait(name: str) -> str:
    """``CUSTOM_`` + the name upper-cased, every character outside [A-Z0-9_] an
    underscore (os_traits.normalize_name)."""
    return "CUSTOM_" + re.sub(r"[^A-Z0-9_]", "_", name.upper())


def physnet_trait(physnet: str) -> str:
    return custom_trait(f"PHYSNET_{physnet}")


def vnic_trait(vnic_type: str) -> str:
    return custom_trait(f"VNIC_TYPE_{vnic_type}")


def agent_provider(agent_type: str, hypervisor: str) -> tuple[str, str]:
    """(uuid, name) of an agent's resource provider under the hypervisor's."""
    return (str(uuid.uuid5(NAMESPACES[agent_type], hypervisor)), f"{hypervisor}:{agent_type}")


def device_provider(agent_type: str, hypervisor: str, device: str) -> tuple[str, str]:
    """(uuid, name) of a device's (bridge's, physical function's) resource provider."""
    return (str(uuid.uuid5(NAMESPACES[agent_type], f"{hypervisor}:{device}")),
            f"{hypervisor}:{agent_type}:{device}")


def request_group_id(port_id: str, rule_ids: list[str]) -> str:
    """A port's request group: uuid5 in the port's namespace of its rules' ids."""
    return str(uuid.uuid5(uuid.UUID(port_id), ",".join(rule_ids)))
