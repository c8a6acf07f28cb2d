"""Routing on the wire, end to end: a router placed on an L3 host by the server, its
namespace made by that host's `neutrino agent`, real packets between VMs and an
"outside" host on a flat external provider network.

Two hosts (both serve L3: `[agent] l3 = true`, and DHCP), every resource made through
openstacksdk, VMs plugged as Nova plugs them and addressed by DHCP. What a user
observes: the router's interface port ACTIVE, the floating IP ACTIVE, the outside
host reached from a VM through SNAT (seeing the router's gateway address), not
reached with enable_snat off, and the VM reached at its floating IP until it is
disassociated; port forwardings; address scopes (the same scope as the external
network routed untranslated, others SNATed and unreachable directly); IPv6 routed
without NAT, the subnet advertised by the router; open connections cut when their
floating IP or forwarding goes; the router host's agent restarted (no ping lost, open
connections kept) and killed (the router moves to the other host, traffic resumes).
"""
from __future__ import annotations

import json
import ipaddress
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator

import pytest
import requests
from pyroute2 import IPRoute, netns

from neutrino.agent.l3.namespace import nat_table
from neutrino.agent.dhcp.namespace import IFA_F_NODAD

from tests.support.requirements import unavailable
from tests.support.server import ServerProcess
from tests.support.waiting import wait_for

from .cloud import AGENT_DOWN_TIME, ApiBridge, Cloud, connect_sdk
from .conftest import _require_dataplane
from .sgbed import connects, exchange, listening, session
from .testbed import _CSUM_OFF, PHYSNET, Testbed, ns_exec, parse_ping, run

pytestmark = [pytest.mark.dataplane, pytest.mark.xdist_group("e2e-l3")]
L3_CONF = "l3 = true\n"

OUTSIDE_IP = "172.24.4.1"  # the outside host, also the external subnet's gateway
EXTERNAL_CIDR = "172.24.4.0/24"
OUTSIDE_IP6 = "2001:db8:ff::1"  # the same on the external IPv6 subnet
EXTERNAL_CIDR6 = "2001:db8:ff::/64"


class Outside:
    """A namespace on the underlay's bridge: the world beyond the external network."""

    def __init__(self, bed: Testbed) -> None:
        self.ns = bed._new_ns("o")
        with IPRoute(netns=self.ns, flags=0) as ipr:
            ipr.link("add", ifname="eth0", kind="veth", peer={"ifname": "uplout", "net_ns_fd": bed.underlay})
            idx = ipr.link_lookup(ifname="eth0")[0]
            ipr.addr("add", index=idx, address=OUTSIDE_IP, prefixlen=24)
        # (the testbed's namespaces start with IPv6 off)
        run(ns_exec(self.ns, ["sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=0",
                              "net.ipv6.conf.eth0.disable_ipv6=0", "net.ipv6.conf.eth0.accept_ra=0"]))
        with IPRoute(netns=self.ns, flags=0) as ipr:
            idx = ipr.link_lookup(ifname="eth0")[0]
            ipr.addr("add", index=idx, address=OUTSIDE_IP6, prefixlen=64, flags=IFA_F_NODAD)
            ipr.link("set", index=idx, state="up")
        with IPRoute(netns=bed.underlay, flags=0) as ipr:
            idx = ipr.link_lookup(ifname="uplout")[0]
            ipr.link("set", index=idx, master=ipr.link_lookup(ifname="br0")[0], state="up")
        # Its frames cross Open vSwitch's userspace datapath: full checksums, as from a VM.
        run(ns_exec(self.ns, [sys.executable, "-c", _CSUM_OFF]))
        self.servers: dict[int, tuple[bool, subprocess.Popen]] = {}

    def serve_peer_address(self, port: int, v6: bool = False) -> None:
        """A TCP server answering each connection with the address it came from, one
        per port for the module: asking again for a port served is a no-op, and asking
        for it in the other family an error (its IPv6 listener could not bind beside
        the IPv4 one, and would silently not be there)."""
        if port in self.servers:
            served_v6, _proc = self.servers[port]
            if served_v6 != v6:
                raise ValueError(f"port {port} is served over IPv{6 if served_v6 else 4} already")
            return
        self.servers[port] = (v6, subprocess.Popen(ns_exec(self.ns, [
            "socat", f"TCP{'6' if v6 else ''}-LISTEN:{port},fork,reuseaddr",
            "SYSTEM:echo $SOCAT_PEERADDR"]),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))

    def route(self, destination: str, gateway: str) -> None:
        """What an upstream router learns (e.g. by BGP) of a routable tenant subnet."""
        with IPRoute(netns=self.ns, flags=0) as ipr:
            ipr.route("replace", dst=destination, gateway=gateway)

    def close(self) -> None:
        for _v6, proc in self.servers.values():
            proc.kill()
            proc.wait(timeout=10)


def tcp_answer(ns: str, address: str, port: int) -> str | None:
    """What a TCP server at address:port answers a connection from ``ns`` (None: no answer)."""
    target = f"TCP6:[{address}]:{port}" if ":" in address else f"TCP:{address}:{port}"
    done = run(ns_exec(ns, ["socat", "-T", "3", "-", f"{target},connect-timeout=2"]),
               check=False, timeout=15)
    return done.stdout.strip().strip("[]") or None if done.returncode == 0 else None


def pings(ns: str, address: str) -> bool:
    return run(ns_exec(ns, ["ping", "-n", "-q", "-c", "1", "-W", "1", address]),
               check=False).returncode == 0


def router_host(cloud: Cloud, router) -> str | None:
    agents = list(cloud.sdk.network.routers_hosting_l3_agents(router))
    return agents[0].host if agents else None


@pytest.fixture(scope="module")
def l3cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Cloud, Outside]]:
    _require_dataplane()
    missing = [tool for tool in ("socat", "nsenter", "dhclient", "nft") if shutil.which(tool) is None]
    if missing:
        unavailable(f"the L3 testbed needs {', '.join(missing)} "
                    "(Debian: socat, util-linux, isc-dhcp-client, nftables)")
    server = ServerProcess(extra_conf=f"agent_down_time = {AGENT_DOWN_TIME}\n").start()
    bed = Testbed(tmp_path_factory.mktemp("l3cloud"))
    bridge: ApiBridge | None = None
    outside: Outside | None = None
    sdk = connect_sdk(server.url)
    routers: list[str] = []
    try:
        hosts = [bed.add_host("host-a"), bed.add_host("host-b")]
        bridge = ApiBridge(server.port)
        for host in hosts:
            bridge.connect(host)
        world = Cloud(server, bed, bridge, sdk, hosts)
        # Both serve L3 (routers go to the one carrying fewest, host-a first): a router
        # has somewhere to move when its host's agent dies.
        for host in hosts:
            world.start_agent(host, extra=L3_CONF)
        for host in hosts:
            world.agents[host.name].wait_synced()
            world.wait_alive(host)
        outside = Outside(bed)
        world.routers = routers  # type: ignore[attr-defined]  (removed below)
        yield world, outside
    finally:
        sdk.close()
        if outside is not None:
            outside.close()
        bed.close()
        for router_id in routers:  # the agents' namespaces outlive them
            if f"qrouter-{router_id}" in netns.listnetns():
                netns.remove(f"qrouter-{router_id}")
        if bridge is not None:
            bridge.close()
        server.stop()


@pytest.fixture(scope="module")
def topology(l3cloud):
    """The external network (its IPv4 subnet from a pool of the address scope
    "public", and an IPv6 subnet), a router with its gateway there and one tenant
    subnet (no scope), a security group admitting ICMP, TCP and UDP from anywhere, and
    a VM on host-b."""
    cloud, outside = l3cloud
    sdk = cloud.sdk
    scope = sdk.network.create_address_scope(name="public", ip_version=4, shared=True)
    ext_pool = sdk.network.create_subnet_pool(name="public", prefixes=[EXTERNAL_CIDR],
                                              address_scope_id=scope.id, shared=True)
    ext = sdk.network.create_network(name="public", is_router_external=True,
                                     provider_network_type="flat",
                                     provider_physical_network=PHYSNET)
    sdk.network.create_subnet(network_id=ext.id, ip_version=4, cidr=EXTERNAL_CIDR,
                              subnetpool_id=ext_pool.id,
                              gateway_ip=OUTSIDE_IP, enable_dhcp=False,
                              allocation_pools=[{"start": "172.24.4.10", "end": "172.24.4.200"}])
    sdk.network.create_subnet(network_id=ext.id, ip_version=6, cidr=EXTERNAL_CIDR6,
                              gateway_ip=OUTSIDE_IP6, enable_dhcp=False)
    net = sdk.network.create_network(name="tenant")
    subnet = sdk.network.create_subnet(network_id=net.id, ip_version=4, cidr="10.30.1.0/24")
    router = sdk.network.create_router(name="r1", external_gateway_info={"network_id": ext.id})
    cloud.routers.append(router.id)
    sdk.network.add_interface_to_router(router, subnet_id=subnet.id)
    group = sdk.network.create_security_group(name=f"in-{uuid.uuid4().hex[:6]}")
    for ethertype, protocols in (("IPv4", ("icmp", "tcp", "udp")), ("IPv6", ("ipv6-icmp", "tcp"))):
        for protocol in protocols:
            sdk.network.create_security_group_rule(security_group_id=group.id,
                                                   direction="ingress", ethertype=ethertype,
                                                   protocol=protocol)
    port, vm = cloud.boot(cloud.hosts[1], net, security_group_ids=[group.id])
    return {"ext": ext, "net": net, "subnet": subnet, "router": router, "port": port, "vm": vm,
            "group": group, "scope": scope}


def gateway_ip(cloud: Cloud, router) -> str:
    info = cloud.sdk.network.get_router(router.id).external_gateway_info
    return info["external_fixed_ips"][0]["ip_address"]


def test_router_is_placed_on_the_l3_host_and_its_interface_port_becomes_active(l3cloud, topology):
    cloud, _outside = l3cloud
    router = topology["router"]
    agents = list(cloud.sdk.network.routers_hosting_l3_agents(router))
    assert [a.host for a in agents] == ["host-a"]
    assert agents[0].binary == "neutron-l3-agent" and agents[0].agent_type == "L3 agent"
    [interface] = cloud.sdk.network.ports(device_id=router.id, device_owner="network:router_interface")
    assert cloud.wait_status(interface, "ACTIVE").binding_host_id == "host-a"


def test_an_ipv6_interface_port_becomes_active_and_holds_its_address(l3cloud, topology):
    """An interface on an IPv6-only subnet of a router without a gateway: the port is
    wired like any other on the L3 host the router was scheduled to, its namespace holds
    the address, and the port turns ACTIVE (Tempest's RoutersIpV6Test waits for it)."""
    cloud, _outside = l3cloud
    sdk = cloud.sdk
    net = sdk.network.create_network(name="tenant-v6")
    subnet = sdk.network.create_subnet(network_id=net.id, ip_version=6, cidr="2001:db8:30::/64")
    router = sdk.network.create_router(name="r6")
    cloud.routers.append(router.id)
    sdk.network.add_interface_to_router(router, subnet_id=subnet.id)
    [interface] = sdk.network.ports(device_id=router.id, device_owner="network:router_interface")
    assert wait_for(lambda: router_host(cloud, router) is not None, 30)
    assert cloud.wait_status(interface, "ACTIVE").binding_host_id == router_host(cloud, router)
    with IPRoute(netns=f"qrouter-{router.id}", flags=0) as ipr:
        addresses = {a.get("IFA_ADDRESS") for a in ipr.get_addr(family=socket.AF_INET6)}
    assert interface.fixed_ips[0]["ip_address"] in addresses


def test_vm_reaches_the_outside_host_which_sees_the_gateway_address(l3cloud, topology):
    cloud, outside = l3cloud
    outside.serve_peer_address(7001)
    vm = topology["vm"]
    assert wait_for(lambda: pings(vm.ns, OUTSIDE_IP), 30)
    assert tcp_answer(vm.ns, OUTSIDE_IP, 7001) == gateway_ip(cloud, topology["router"])


def test_without_snat_the_vm_does_not_reach_the_outside_host(l3cloud, topology):
    cloud, outside = l3cloud
    sdk, router, ext, vm = cloud.sdk, topology["router"], topology["ext"], topology["vm"]
    outside.serve_peer_address(7002)
    assert wait_for(lambda: tcp_answer(vm.ns, OUTSIDE_IP, 7002) is not None, 30)
    sdk.network.update_router(router, external_gateway_info={"network_id": ext.id,
                                                             "enable_snat": False})
    try:
        assert wait_for(lambda: not pings(vm.ns, OUTSIDE_IP), 30)
        assert tcp_answer(vm.ns, OUTSIDE_IP, 7002) is None
    finally:
        sdk.network.update_router(router, external_gateway_info={"network_id": ext.id,
                                                                 "enable_snat": True})
    assert wait_for(lambda: tcp_answer(vm.ns, OUTSIDE_IP, 7002) is not None, 30)


def test_outside_host_reaches_the_vm_at_its_floating_ip_until_it_is_disassociated(l3cloud, topology):
    cloud, outside = l3cloud
    sdk, vm, port = cloud.sdk, topology["vm"], topology["port"]
    server = subprocess.Popen(ns_exec(vm.ns, ["socat", "TCP-LISTEN:8080,fork,reuseaddr",
                                              "SYSTEM:echo vm-here"]),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        fip = sdk.network.create_ip(floating_network_id=topology["ext"].id, port_id=port.id)
        assert wait_for(lambda: sdk.network.get_ip(fip.id).status == "ACTIVE", 30)
        address = fip.floating_ip_address
        assert wait_for(lambda: pings(outside.ns, address), 30)
        assert tcp_answer(outside.ns, address, 8080) == "vm-here"
        # The VM's own outbound traffic leaves with its floating IP now.
        outside.serve_peer_address(7003)  # (its socat may take a moment to listen)
        assert wait_for(lambda: tcp_answer(vm.ns, OUTSIDE_IP, 7003) == address, 30)

        sdk.network.update_ip(fip, port_id=None)
        assert wait_for(lambda: sdk.network.get_ip(fip.id).status == "DOWN", 30)
        assert wait_for(lambda: not pings(outside.ns, address), 30)
        assert tcp_answer(outside.ns, address, 8080) is None
    finally:
        server.kill()
        server.wait(timeout=10)


def udp_answer(ns: str, address: str, port: int) -> str | None:
    """What a UDP server at address:port answers a datagram from ``ns`` (None: nothing)."""
    done = subprocess.run(ns_exec(ns, ["socat", "-T", "2", "-", f"UDP:{address}:{port}"]),
                          input="ping\n", capture_output=True, text=True, timeout=15, check=False)
    return done.stdout.strip() or None


def test_port_forwardings_reach_the_vm_ports_one_to_one_and_stop_when_deleted(l3cloud, topology):
    cloud, outside = l3cloud
    sdk, vm, port = cloud.sdk, topology["vm"], topology["port"]
    servers = [subprocess.Popen(ns_exec(vm.ns, args), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL) for args in (
        ["socat", "TCP-LISTEN:9022,fork,reuseaddr", "SYSTEM:echo ssh-here"],
        ["socat", "TCP-LISTEN:9100,fork,reuseaddr", "SYSTEM:echo port-9100"],
        ["socat", "TCP-LISTEN:9101,fork,reuseaddr", "SYSTEM:echo port-9101"],
        ["socat", "UDP-RECVFROM:9053,fork,reuseaddr", "SYSTEM:echo dns-here"])]
    try:
        fip = sdk.network.create_ip(floating_network_id=topology["ext"].id)
        address = fip.floating_ip_address
        ssh = sdk.network.create_port_forwarding(
            floatingip_id=fip.id, protocol="tcp", internal_port_id=port.id,
            internal_ip_address=vm.ip, internal_port=9022, external_port=2222)
        sdk.network.create_port_forwarding(
            floatingip_id=fip.id, protocol="tcp", internal_port_id=port.id,
            internal_ip_address=vm.ip, internal_port_range="9100:9101",
            external_port_range="3100:3101")
        sdk.network.create_port_forwarding(
            floatingip_id=fip.id, protocol="udp", internal_port_id=port.id,
            internal_ip_address=vm.ip, internal_port=9053, external_port=53)
        # (Three changes: the agent may apply them in one sync or in three.)
        assert wait_for(lambda: udp_answer(outside.ns, address, 53) == "dns-here", 30)
        assert tcp_answer(outside.ns, address, 2222) == "ssh-here"
        assert tcp_answer(outside.ns, address, 3100) == "port-9100"
        assert tcp_answer(outside.ns, address, 3101) == "port-9101"
        # Only the forwarded ports: the VM's own port 9022 is not exposed as such.
        assert tcp_answer(outside.ns, address, 9022) is None

        sdk.network.delete_port_forwarding(ssh, fip.id)
        assert wait_for(lambda: tcp_answer(outside.ns, address, 2222) is None, 30)
        assert tcp_answer(outside.ns, address, 3100) == "port-9100"
    finally:
        for proc in servers:
            proc.kill()
            proc.wait(timeout=10)


# ---- SNAT logs (docs/logging.md) ---------------------------------------------------
def log_api(cloud: Cloud, method: str, path: str, body: dict | None = None) -> dict:
    """The logging API over HTTP (openstacksdk has no log resource)."""
    answer = requests.request(method, f"{cloud.url}/v2.0/log/{path}", json=body, timeout=30)
    assert answer.status_code < 300, (answer.status_code, answer.text)
    return answer.json() if answer.content else {}


def snat_records(cloud: Cloud, log_id: str, **fields: object) -> list[dict]:
    """The records the L3 host's agent wrote for ``log_id`` (its state_path's file)."""
    path = cloud.hosts[0].workdir / "agent" / "packet-log.jsonl"
    lines = path.read_text().splitlines() if path.exists() else []
    return [r for r in map(json.loads, lines) if log_id in r["log_ids"]
            and all(r.get(k) == v for k, v in fields.items())]


def recorded_connection(cloud: Cloud, vm, log_id: str, port: int, timeout: float = 60) -> dict | None:
    """Connect from the VM to the outside host's ``port`` until a record of it appears
    (the agent applies a log change with its next sync); that record."""
    def attempt() -> bool:
        tcp_answer(vm.ns, OUTSIDE_IP, port)
        return wait_for(lambda: bool(snat_records(cloud, log_id, dst_port=port)), 3)
    if not wait_for(attempt, timeout):
        return None
    return snat_records(cloud, log_id, dst_port=port)[0]


def test_snat_log_records_the_vms_connections_with_both_addresses(l3cloud, topology):
    cloud, outside = l3cloud
    vm, router = topology["vm"], topology["router"]
    for port in (7010, 7011):
        outside.serve_peer_address(port)
    log = log_api(cloud, "POST", "logs", {"log": {"resource_type": "snat", "resource_id": router.id,
                                                  "name": "snat-of-r1"}})["log"]
    record = recorded_connection(cloud, vm, log["id"], 7010)
    assert record is not None, "no SNAT record of the VM's connection"
    gateway = gateway_ip(cloud, router)
    assert (record["resource_type"], record["event"], record["protocol"]) == ("snat", "ALL", "tcp")
    assert (record["src_ip"], record["dst_ip"], record["translated_ip"]) == (vm.ip, OUTSIDE_IP, gateway)
    assert record["src_port"] > 0 and record["translated_port"] > 0
    assert record["router_id"] == router.id and record["log_ids"] == [log["id"]]
    assert record["project_id"] == log["project_id"] and record["host"] == "host-a"
    # One record per connection, however many packets it carries.
    assert tcp_answer(vm.ns, OUTSIDE_IP, 7011) == gateway
    assert wait_for(lambda: snat_records(cloud, log["id"], dst_port=7011), 30)
    assert len(snat_records(cloud, log["id"], dst_port=7011)) == 1


def test_disabled_snat_log_records_nothing_until_enabled_again(l3cloud, topology):
    cloud, outside = l3cloud
    vm, router = topology["vm"], topology["router"]
    for port in (7012, 7013, 7014):
        outside.serve_peer_address(port)
    log = log_api(cloud, "POST", "logs", {"log": {"resource_type": "snat",
                                                  "resource_id": router.id}})["log"]
    assert recorded_connection(cloud, vm, log["id"], 7012) is not None
    log_api(cloud, "PUT", f"logs/{log['id']}", {"log": {"enabled": False}})
    ns = f"qrouter-{router.id}"
    marks = lambda: "ct mark set" in nat_table(ns)  # noqa: E731
    others = [r for r in log_api(cloud, "GET", f"logs?resource_id={router.id}")["logs"]
              if r["enabled"] and r["id"] != log["id"]]
    for other in others:  # the previous test's log would keep the marking on
        log_api(cloud, "PUT", f"logs/{other['id']}", {"log": {"enabled": False}})
    assert wait_for(lambda: not marks(), 30), "the disabled log's rule stays"
    assert tcp_answer(vm.ns, OUTSIDE_IP, 7013) == gateway_ip(cloud, router)
    log_api(cloud, "PUT", f"logs/{log['id']}", {"log": {"enabled": True}})
    assert recorded_connection(cloud, vm, log["id"], 7014) is not None
    assert not snat_records(cloud, log["id"], dst_port=7013), "recorded while disabled"


BURST_PORT = 20000
UDP_BURST = """
import socket, sys
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for port in range(20000, 20000 + int(sys.argv[2])):  # each destination port: a new connection
    try:
        sock.sendto(b"burst", (sys.argv[1], port))
    except OSError:  # the NIC's queue is full: that datagram is not sent
        pass
"""


def test_snat_records_hold_to_the_rate_limit_under_a_burst(l3cloud, topology):
    """nftables' limit marks rate_limit connections a second plus burst_limit (the
    defaults, 100 and 25): counted against the time until the last record."""
    cloud, _outside = l3cloud
    vm, router = topology["vm"], topology["router"]
    log = log_api(cloud, "POST", "logs", {"log": {"resource_type": "snat",
                                                  "resource_id": router.id}})["log"]
    assert recorded_connection(cloud, vm, log["id"], 7015) is not None
    sent = 1500
    began = time.monotonic()
    run(ns_exec(vm.ns, [sys.executable, "-c", UDP_BURST, OUTSIDE_IP, str(sent)]), timeout=300)

    def count() -> int:
        return len([r for r in snat_records(cloud, log["id"], protocol="udp")
                    if BURST_PORT <= r["dst_port"] < BURST_PORT + sent])
    assert wait_for(lambda: count() > 0, 30)
    last, last_change = count(), time.monotonic()
    while time.monotonic() - last_change < 2:  # settled: nothing new for two seconds
        time.sleep(0.2)
        if count() != last:
            last, last_change = count(), time.monotonic()
    assert last <= 100 * (last_change - began) + 25, (last, last_change - began)
    assert last < sent / 4, "the limit held the records well below the connections"


def test_security_group_log_through_the_api_records_the_vms_new_connection(l3cloud, topology):
    """The whole way: a log made over the API, carried by the feed to the VM host's agent
    process, its flows copying the VM's new connection to that agent."""
    cloud, outside = l3cloud
    vm, port = topology["vm"], topology["port"]
    outside.serve_peer_address(7030)
    group = cloud.sdk.network.get_port(port.id).security_group_ids[0]
    log = log_api(cloud, "POST", "logs", {"log": {"resource_type": "security_group",
                                                  "resource_id": group, "event": "ACCEPT"}})["log"]
    path = cloud.hosts[1].workdir / "agent" / "packet-log.jsonl"

    def records() -> list[dict]:
        lines = path.read_text().splitlines() if path.exists() else []
        return [r for r in map(json.loads, lines) if log["id"] in r["log_ids"]
                and r["dst_port"] == 7030]

    def attempt() -> bool:
        tcp_answer(vm.ns, OUTSIDE_IP, 7030)
        return wait_for(lambda: bool(records()), 3)
    assert wait_for(attempt, 60), "no record of the VM's connection"
    record = records()[0]
    assert (record["event"], record["direction"], record["port_id"]) == ("ACCEPT", "egress", port.id)
    assert (record["src_ip"], record["dst_ip"], record["protocol"]) == (vm.ip, OUTSIDE_IP, "tcp")
    assert record["project_id"] == port.project_id and record["host"] == "host-b"


def _scoped_network(cloud: Cloud, name: str, prefix: str, scope_id: str):
    sdk = cloud.sdk
    pool = sdk.network.create_subnet_pool(name=name, prefixes=[prefix], address_scope_id=scope_id,
                                          default_prefix_length=24)
    net = sdk.network.create_network(name=name)
    subnet = sdk.network.create_subnet(network_id=net.id, ip_version=4, subnetpool_id=pool.id,
                                       prefixlen=24)
    return net, subnet


def _cleanup_fips(cloud: Cloud, fips: list) -> None:
    for fip in fips:
        for pf in cloud.sdk.network.port_forwardings(fip):
            cloud.sdk.network.delete_port_forwarding(pf, fip.id)
        cloud.sdk.network.delete_ip(fip)


def test_a_subnet_in_the_external_scope_is_routed_without_nat_others_are_translated(l3cloud, topology):
    cloud, outside = l3cloud
    sdk, router, group = cloud.sdk, topology["router"], topology["group"]
    other_scope = sdk.network.create_address_scope(name="elsewhere", ip_version=4)
    same_net, same_subnet = _scoped_network(cloud, "in-scope", "10.40.0.0/16", topology["scope"].id)
    other_net, other_subnet = _scoped_network(cloud, "other-scope", "10.50.0.0/16", other_scope.id)
    for subnet in (same_subnet, other_subnet):
        sdk.network.add_interface_to_router(router, subnet_id=subnet.id)
    assert sdk.network.get_network(same_net.id).ipv4_address_scope_id == topology["scope"].id
    same_port, same_vm = cloud.boot(cloud.hosts[1], same_net, security_group_ids=[group.id])
    _other_port, other_vm = cloud.boot(cloud.hosts[1], other_net, security_group_ids=[group.id])
    gw = gateway_ip(cloud, router)
    # The upstream side knows the routable prefixes (both: the other scope's must be refused
    # by the router, not merely unknown upstream).
    outside.route("10.40.0.0/16", gw)
    outside.route("10.50.0.0/16", gw)
    outside.serve_peer_address(7011)
    assert wait_for(lambda: tcp_answer(same_vm.ns, OUTSIDE_IP, 7011) is not None, 30)
    assert tcp_answer(same_vm.ns, OUTSIDE_IP, 7011) == same_vm.ip  # untranslated
    assert wait_for(lambda: tcp_answer(other_vm.ns, OUTSIDE_IP, 7011) is not None, 30)
    assert tcp_answer(other_vm.ns, OUTSIDE_IP, 7011) == gw  # SNAT
    assert tcp_answer(topology["vm"].ns, OUTSIDE_IP, 7011) == gw  # no scope: SNAT
    # The outside host reaches the same-scope VM at its own address, not the other one.
    assert wait_for(lambda: pings(outside.ns, same_vm.ip), 30)
    assert not pings(outside.ns, other_vm.ip)
    # Floating IPs still work in the scope: in at the floating IP, out with it.
    fip = sdk.network.create_ip(floating_network_id=topology["ext"].id, port_id=same_port.id)
    try:
        assert wait_for(lambda: sdk.network.get_ip(fip.id).status == "ACTIVE", 30)
        assert wait_for(lambda: pings(outside.ns, fip.floating_ip_address), 30)
        assert tcp_answer(same_vm.ns, OUTSIDE_IP, 7011) == fip.floating_ip_address
    finally:
        _cleanup_fips(cloud, [fip])


def _slaac(vm) -> None:
    """The guest takes router advertisements on its NIC (the testbed keeps IPv6 off)."""
    from .dhcpclient import enable_ipv6
    enable_ipv6(vm.ns, "eth0")
    run(ns_exec(vm.ns, ["sysctl", "-q", "-w", "net.ipv6.conf.eth0.accept_ra=1",
                        "net.ipv6.conf.eth0.autoconf=1"]))
    with IPRoute(netns=vm.ns, flags=0) as ipr:  # down and up: it solicits at once
        idx = ipr.link_lookup(ifname="eth0")[0]
        ipr.link("set", index=idx, state="down")
        ipr.link("set", index=idx, state="up")


def _has_address_and_default_route(ns: str, address: str) -> bool:
    import socket
    with IPRoute(netns=ns, flags=0) as ipr:
        addresses = {a.get("IFA_ADDRESS") for a in ipr.get_addr(family=socket.AF_INET6)}
        defaults = [r for r in ipr.get_routes(family=socket.AF_INET6, table=254)
                    if r["dst_len"] == 0]
    return address in addresses and bool(defaults)


def test_ipv6_is_routed_without_nat_and_the_subnet_is_advertised(l3cloud, topology):
    cloud, outside = l3cloud
    sdk, router, group = cloud.sdk, topology["router"], topology["group"]
    gateway = sdk.network.get_router(router.id).external_gateway_info["external_fixed_ips"]
    gw6 = [ip["ip_address"] for ip in gateway if ":" in ip["ip_address"]]
    assert gw6, gateway  # the gateway port has an address on the external IPv6 subnet
    net = sdk.network.create_network(name="dual")
    sdk.network.create_subnet(network_id=net.id, ip_version=4, cidr="10.60.1.0/24")
    subnet6 = sdk.network.create_subnet(network_id=net.id, ip_version=6, cidr="2001:db8:60::/64",
                                        ipv6_ra_mode="slaac", ipv6_address_mode="slaac")
    sdk.network.add_interface_to_router(router, subnet_id=subnet6.id)
    port, vm = cloud.boot(cloud.hosts[1], net, security_group_ids=[group.id])
    [address6] = [ip["ip_address"] for ip in sdk.network.get_port(port.id).fixed_ips
                  if ip["subnet_id"] == subnet6.id]
    _slaac(vm)
    # The router's advertisement gives the guest its EUI-64 address (the port's) and route.
    assert wait_for(lambda: _has_address_and_default_route(vm.ns, address6), 40), address6
    outside.route("2001:db8:60::/64", gw6[0])
    outside.serve_peer_address(7016, v6=True)
    assert wait_for(lambda: tcp_answer(vm.ns, OUTSIDE_IP6, 7016) is not None, 30)
    seen = tcp_answer(vm.ns, OUTSIDE_IP6, 7016)  # its own address: no NAT
    assert seen and ipaddress.ip_address(seen) == ipaddress.ip_address(address6)
    assert wait_for(lambda: pings(outside.ns, address6), 30)


def _vm_servers(vm, *specs: tuple[int, str]) -> list[subprocess.Popen]:
    return [subprocess.Popen(ns_exec(vm.ns, ["socat", f"TCP-LISTEN:{port},fork,reuseaddr",
                                             f"SYSTEM:echo {answer}"]),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for port, answer in specs]


def _stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        proc.kill()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def second_vm(l3cloud, topology):
    """Another VM on the tenant subnet, on host-a."""
    cloud, _outside = l3cloud
    return cloud.boot(cloud.hosts[0], topology["net"], security_group_ids=[topology["group"].id])


def test_disassociating_cuts_an_open_connection_and_the_ip_moves_to_another_vm(
        l3cloud, topology, second_vm):
    cloud, outside = l3cloud
    sdk, vm, port = cloud.sdk, topology["vm"], topology["port"]
    port2, vm2 = second_vm
    procs = _vm_servers(vm, (8090, "vm-one")) + _vm_servers(vm2, (8090, "vm-two"))
    fip = sdk.network.create_ip(floating_network_id=topology["ext"].id, port_id=port.id)
    address = fip.floating_ip_address
    try:
        with listening(vm, "tcp", 8181):
            assert wait_for(lambda: sdk.network.get_ip(fip.id).status == "ACTIVE", 30)
            assert wait_for(lambda: tcp_answer(outside.ns, address, 8090) == "vm-one", 30)
            with session(outside, address, 8181) as open_connection:
                assert exchange(open_connection)
                sdk.network.update_ip(fip, port_id=None)
                assert wait_for(lambda: sdk.network.get_ip(fip.id).status == "DOWN", 30)
                # Its conntrack entries went with the NAT: the connection does not live on.
                assert not exchange(open_connection)
                sdk.network.update_ip(fip, port_id=port2.id)
                assert wait_for(lambda: sdk.network.get_ip(fip.id).status == "ACTIVE", 30)
                assert wait_for(lambda: tcp_answer(outside.ns, address, 8090) == "vm-two", 30)
                assert not exchange(open_connection)  # (vm-two knows nothing of it)
    finally:
        _stop(procs)
        _cleanup_fips(cloud, [fip])


def test_a_deleted_forwarding_stops_its_open_connection_and_a_range_maps_one_to_one(
        l3cloud, topology):
    cloud, outside = l3cloud
    sdk, vm, port = cloud.sdk, topology["vm"], topology["port"]
    procs = _vm_servers(vm, *((8200 + i, f"port-{8200 + i}") for i in range(4)))
    fip = sdk.network.create_ip(floating_network_id=topology["ext"].id)
    address = fip.floating_ip_address
    try:
        with listening(vm, "tcp", 8181, 8182):
            single = sdk.network.create_port_forwarding(
                floatingip_id=fip.id, protocol="tcp", internal_port_id=port.id,
                internal_ip_address=vm.ip, internal_port=8181, external_port=4022)
            sdk.network.create_port_forwarding(
                floatingip_id=fip.id, protocol="tcp", internal_port_id=port.id,
                internal_ip_address=vm.ip, internal_port=8182, external_port=4023)
            sdk.network.create_port_forwarding(
                floatingip_id=fip.id, protocol="tcp", internal_port_id=port.id,
                internal_ip_address=vm.ip, internal_port_range="8200:8203",
                external_port_range="4200:4203")
            assert wait_for(lambda: tcp_answer(outside.ns, address, 4203) == "port-8203", 30)
            assert [tcp_answer(outside.ns, address, 4200 + i) for i in range(4)] == [
                f"port-{8200 + i}" for i in range(4)]
            with session(outside, address, 4022) as doomed, session(outside, address, 4023) as kept:
                assert exchange(doomed) and exchange(kept)
                sdk.network.delete_port_forwarding(single, fip.id)
                assert wait_for(lambda: not connects(outside, "tcp", address, 4022), 30)
                # The agent deletes the forwarding's conntrack entries just after it
                # replaced the ruleset (before, a packet could make one again).
                router_ns = f"qrouter-{topology['router'].id}"
                assert wait_for(lambda: not _tracked(router_ns, address, 4022), 30)
                assert not exchange(doomed)
                assert exchange(kept)  # only the deleted forwarding's connections stop
    finally:
        _stop(procs)
        _cleanup_fips(cloud, [fip])


def _tracked(ns: str, address: str, port: int) -> bool:
    """Whether the namespace's conntrack holds a TCP connection to address:port."""
    done = run(ns_exec(ns, ["conntrack", "-L", "-p", "tcp", "--orig-dst", address,
                            "--dport", str(port)]), check=False)
    return address in done.stdout


def _restart_agent(cloud: Cloud, host_name: str) -> None:
    """Kill and start the host's agent with the other L3 agents admin down meanwhile: on
    this loaded machine a restart can outlast the test server's agent_down_time (a few
    seconds), and the router must not move (that is the next test)."""
    others = [a for a in cloud.sdk.network.agents(agent_type="L3 agent") if a.host != host_name]
    for agent in others:
        cloud.sdk.network.update_agent(agent, is_admin_state_up=False)
    try:
        host = next(h for h in cloud.hosts if h.name == host_name)
        cloud.agents[host_name].kill()
        cloud.start_agent(host, extra=L3_CONF).wait_synced(timeout=90)
    finally:
        for agent in others:
            cloud.sdk.network.update_agent(agent, is_admin_state_up=True)


def test_restarting_the_router_hosts_agent_loses_no_ping_and_keeps_open_connections(
        l3cloud, topology):
    cloud, outside = l3cloud
    sdk, vm, port = cloud.sdk, topology["vm"], topology["port"]
    fip = sdk.network.create_ip(floating_network_id=topology["ext"].id, port_id=port.id)
    address = fip.floating_ip_address
    try:
        with listening(vm, "tcp", 8181):
            assert wait_for(lambda: sdk.network.get_ip(fip.id).status == "ACTIVE", 30)
            assert wait_for(lambda: pings(outside.ns, address), 30)
            with session(outside, address, 8181) as open_connection:
                assert exchange(open_connection)
                ping = subprocess.Popen(ns_exec(outside.ns, [
                    "ping", "-n", "-q", "-c", "150", "-i", "0.2", "-W", "2", address]),
                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                _restart_agent(cloud, router_host(cloud, topology["router"]))
                out, _err = ping.communicate(timeout=120)
                sent, received = parse_ping(out)
                assert sent == 150 and received == sent, out
                assert exchange(open_connection)
    finally:
        _cleanup_fips(cloud, [fip])


def test_the_router_moves_when_its_hosts_agent_dies_and_traffic_resumes(l3cloud, topology):
    """Last in the module: the dead agent stays dead (restarted, it would tear down the
    namespace its replacement took over: simulated hosts share one /run/netns)."""
    cloud, outside = l3cloud
    sdk, router, vm, port = cloud.sdk, topology["router"], topology["vm"], topology["port"]
    fip = sdk.network.create_ip(floating_network_id=topology["ext"].id, port_id=port.id)
    address = fip.floating_ip_address
    try:
        assert wait_for(lambda: sdk.network.get_ip(fip.id).status == "ACTIVE", 30)
        assert wait_for(lambda: pings(outside.ns, address), 30)
        before = router_host(cloud, router)
        cloud.agents[before].kill()
        assert wait_for(lambda: router_host(cloud, router) not in (None, before), 60)
        after = router_host(cloud, router)
        [interface] = sdk.network.ports(device_id=router.id, device_owner="network:router_interface",
                                        network_id=topology["net"].id)
        assert wait_for(lambda: sdk.network.get_port(interface.id).binding_host_id == after, 30)
        outside.serve_peer_address(7013)
        assert wait_for(lambda: pings(outside.ns, address), 60)
        assert wait_for(lambda: tcp_answer(vm.ns, OUTSIDE_IP, 7013) == address, 30)
    finally:
        _cleanup_fips(cloud, [fip])
