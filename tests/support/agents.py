"""Agents as the server sees them: registrations and device reports through
/feed/v1, made the way a host agent makes them."""
from __future__ import annotations

import uuid
from typing import Any

from tests.support.client import Client, Response

OVS = "Open vSwitch agent"
DHCP = "DHCP agent"
NIC_SWITCH = "NIC Switch agent"


def new_host() -> str:
    """A host name no other test uses (agents are not per project)."""
    return "host-" + uuid.uuid4().hex[:10]


def ovs_configurations(tunnel_types: tuple[str, ...] = ("vxlan",),
                       bridge_mappings: dict | None = None, **more: Any) -> dict:
    return {"tunnel_types": list(tunnel_types), "bridge_mappings": bridge_mappings or {},
            "tunneling_ip": "192.0.2.10", "devices": 0, "integration_bridge": "br-int",
            "datapath_type": "netdev", **more}


def register(client: Client, host: str, agent_type: str = OVS,
             configurations: dict | None = None, **more: Any) -> Response:
    binary, topic = {OVS: ("neutron-openvswitch-agent", "N/A"),
                     DHCP: ("neutron-dhcp-agent", "dhcp_agent"),
                     NIC_SWITCH: ("neutron-sriov-nic-agent", "N/A")}.get(
        agent_type, ("neutrino-agent", "N/A"))
    body = {"host": host, "agent_type": agent_type, "binary": binary, "topic": topic,
            "configurations": ovs_configurations() if configurations is None and agent_type == OVS
            else (configurations or {}), **more}
    return client.post("/feed/v1/agents", json={"agent": body})


def register_ok(client: Client, host: str, agent_type: str = OVS, **kw: Any) -> dict:
    r = register(client, host, agent_type, **kw)
    assert r.status == 200, r
    return r.json["agent"]


def report(client: Client, host: str, up: list[str] = (), down: list[str] = ()) -> Response:
    return client.post(f"/feed/v1/hosts/{host}/devices", json={"up": list(up), "down": list(down)})
