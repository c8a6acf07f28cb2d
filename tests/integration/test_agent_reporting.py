"""What the agent process tells a real server: its records, heartbeats and device reports.

The agent's own classes (neutrino/agent/reporting.py) over its FeedClient, against
`neutrino serve`; the outcome is read where a user reads it, in /v2.0/agents and
in the ports' status.
"""
from __future__ import annotations

import threading
import uuid
from types import SimpleNamespace

from neutrino.agent.feed import FeedClient
from neutrino.agent.reporting import DeviceReporter, Heartbeat, HostFacts, agent_records
from tests.support.client import Client
from tests.support.postgres import free_port


def host_conf(host: str, dhcp: bool = True) -> SimpleNamespace:
    """The [agent] options agent_records reads, as a configuration file would set them."""
    return SimpleNamespace(agent=SimpleNamespace(
        host=host, bridge_mappings={"physnet1": "br-phys"}, tunnel_types=["vxlan"],
        tunneling_ip="192.0.2.7", integration_bridge="br-int", datapath_type="netdev",
        dhcp=dhcp, availability_zone="nova"))


def register(url: str, host: str, dhcp: bool = False) -> FeedClient:
    client = FeedClient(url, host)
    beat = Heartbeat(client, lambda: agent_records(host_conf(host, dhcp), HostFacts(devices=3),
                                                   ["l2", "security_groups"]),
                     interval=60, stop=threading.Event())
    assert beat.beat()
    return client


def status(api: Client, port_id: str) -> str:
    return api.get(f"/v2.0/ports/{port_id}").json["port"]["status"]


def bound_ports(api: Client, host: str, count: int) -> list[str]:
    net = api.post("/v2.0/networks", {"network": {"name": "reporting"}}).json["network"]
    api.post("/v2.0/subnets", {"subnet": {"network_id": net["id"], "ip_version": 4,
                                          "cidr": "10.60.0.0/24"}})
    ports = []
    for _ in range(count):
        r = api.post("/v2.0/ports", {"port": {"network_id": net["id"], "binding:host_id": host}})
        assert r.json["port"]["binding:vif_type"] == "ovs", r
        ports.append(r.json["port"]["id"])
    return ports


def test_heartbeat_registers_the_ovs_and_dhcp_agent_records_as_neutron_shows_them(sqlite_server):
    host = "rep-" + uuid.uuid4().hex[:8]
    register(sqlite_server.url, host, dhcp=True)
    api = Client(sqlite_server.url)
    agents = {a["agent_type"]: a for a in api.get("/v2.0/agents").json["agents"] if a["host"] == host}
    assert sorted(agents) == ["DHCP agent", "Open vSwitch agent"]
    ovs = agents["Open vSwitch agent"]
    assert (ovs["binary"], ovs["topic"], ovs["alive"]) == ("neutron-openvswitch-agent", "N/A", True)
    assert ovs["configurations"]["bridge_mappings"] == {"physnet1": "br-phys"}
    assert ovs["configurations"]["tunneling_ip"] == "192.0.2.7"
    assert ovs["configurations"]["devices"] == 3
    assert ovs["configurations"]["extensions"] == ["l2", "security_groups"]
    dhcp = agents["DHCP agent"]
    assert (dhcp["binary"], dhcp["topic"]) == ("neutron-dhcp-agent", "dhcp_agent")
    assert dhcp["availability_zone"] == "nova"


def test_devices_are_reported_up_and_down_by_difference_and_others_ports_left_alone(sqlite_server):
    host, other = "rep-" + uuid.uuid4().hex[:8], "rep-" + uuid.uuid4().hex[:8]
    client = register(sqlite_server.url, host)
    other_client = register(sqlite_server.url, other)
    api = Client(sqlite_server.url)
    p1, p2 = bound_ports(api, host, 2)

    reporter = DeviceReporter(client)
    # A new process: its whole set once, wired ones up and the other bound ones down.
    reporter.observe(wired={p1}, bound_here={p1, p2})
    assert reporter.flush(force=True)
    assert (status(api, p1), status(api, p2)) == ("ACTIVE", "DOWN")
    reporter.observe(wired={p2}, bound_here={p1, p2})
    assert reporter.flush(force=True)
    assert (status(api, p1), status(api, p2)) == ("DOWN", "ACTIVE")

    # p1 moves to the other host, whose agent wires it; this one must not report it down.
    api.put(f"/v2.0/ports/{p1}", {"port": {"binding:host_id": other}})
    other_reporter = DeviceReporter(other_client)
    other_reporter.observe(wired={p1}, bound_here={p1})
    assert other_reporter.flush(force=True)
    reporter.observe(wired=set(), bound_here={p2})
    assert reporter.flush(force=True)
    assert (status(api, p1), status(api, p2)) == ("ACTIVE", "DOWN")


def test_a_failed_device_report_stays_pending_and_is_sent_when_the_server_answers(sqlite_server):
    host = "rep-" + uuid.uuid4().hex[:8]
    client = register(sqlite_server.url, host)
    api = Client(sqlite_server.url)
    (port,) = bound_ports(api, host, 1)

    reporter = DeviceReporter(FeedClient(f"http://127.0.0.1:{free_port()}", host, timeout=2))
    reporter.observe(wired={port}, bound_here={port})
    assert not reporter.flush(force=True)  # nothing listens there
    assert reporter.pending and reporter.failures == 1
    assert status(api, port) == "DOWN"
    reporter.client = client  # the server is back
    assert reporter.flush(force=True)
    assert not reporter.pending
    assert status(api, port) == "ACTIVE"


def test_a_port_that_leaves_and_comes_back_is_reported_up_again(sqlite_server):
    host = "rep-" + uuid.uuid4().hex[:8]
    client = register(sqlite_server.url, host)
    api = Client(sqlite_server.url)
    [port] = bound_ports(api, host, 1)
    reporter = DeviceReporter(client)
    reporter.observe(wired={port}, bound_here={port})
    assert reporter.flush(force=True) and status(api, port) == "ACTIVE"
    # Bound elsewhere for a while (a migration), then back here (its rollback): the
    # server set it DOWN when it came back; the wired port must be reported up again.
    api.put(f"/v2.0/ports/{port}", {"port": {"binding:host_id": "elsewhere"}})
    reporter.observe(wired=set(), bound_here=set())
    assert reporter.flush(force=True)
    api.put(f"/v2.0/ports/{port}", {"port": {"binding:host_id": host}})
    assert status(api, port) == "DOWN"
    reporter.observe(wired={port}, bound_here={port})
    assert reporter.flush(force=True)
    assert status(api, port) == "ACTIVE"
