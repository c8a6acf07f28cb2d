"""East-west routing in br-int ("OpenFlow-based DVR"), end to end with real packets.

Three hosts: host-a serves L3 (the router is placed there, its namespace made by
host-a's agent) and carries no VM; VM 1 is on host-b (network one), VM 2 on host-c
(network two). A router joins one IPv4 and one IPv6 subnet of each network; every
resource is made through openstacksdk, VMs are plugged as Nova plugs them and
addressed by DHCP (v4 and DHCPv6). Neutrino sends no router advertisements, so
each VM gets its IPv6 routes as a guest configured without RAs would: its subnet
on-link and the other subnet via the router's address.

What a user observes: ping and TCP between the VMs in both families; a port their
security group has no rule for refused; traffic still flowing with host-a's agent
killed and the router's namespace deleted (the packets never went there); and
routing gone once the router interface is removed, back once it is added again.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator

import pytest
from pyroute2 import netns

from tests.support.requirements import unavailable
from tests.support.server import ServerProcess
from tests.support.waiting import wait_for

from .cloud import AGENT_DOWN_TIME, ApiBridge, Cloud, connect_sdk
from .conftest import _require_dataplane
from neutrino.agent.extensions.routing import dvr_mac

from .testbed import PHYSNET, Testbed, Vm, ns_exec, run

pytestmark = [pytest.mark.dataplane, pytest.mark.xdist_group("e2e-dvr")]

OPEN_PORT = 7100  # the receiving VM's group admits TCP here
CLOSED_PORT = 7200  # and not here


def pings(vm: Vm, address: str) -> bool:
    return run(ns_exec(vm.ns, ["ping", "-n", "-q", "-c", "1", "-W", "1", address]),
               check=False).returncode == 0


def tcp_answer(vm: Vm, address: str, port: int) -> str | None:
    """What a TCP server at address:port answers a connection from ``vm`` (None: none)."""
    family = "TCP6" if ":" in address else "TCP"
    target = f"[{address}]" if ":" in address else address
    done = run(ns_exec(vm.ns, ["socat", "-T", "3", "-", f"{family}:{target}:{port},connect-timeout=2"]),
               check=False, timeout=15)
    return (done.stdout.strip() or None) if done.returncode == 0 else None


# Prints the source MAC of the first IPv4 ICMP frame from argv[1] seen on any interface
# of the namespace, the Ethernet frame starting at byte argv[2] (0: a plain frame; 50:
# the frame inside VXLAN on the underlay, after 14 + 20 + 8 + 8), with or without a
# VLAN tag (the kernel may have taken it off already).
CAPTURE = """
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.settimeout(30)
want, eth = socket.inet_aton(sys.argv[1]), int(sys.argv[2])
print("ready", flush=True)
while True:
    f = s.recv(4096)
    ip = eth + (18 if f[eth + 12:eth + 14] == bytes([0x81, 0]) else 14)
    if len(f) > ip + 20 and f[ip + 9] == 1 and f[ip + 12:ip + 16] == want:
        print(f[eth + 6:eth + 12].hex(":"), flush=True)
        break
"""


def source_mac_seen(ns: str, frame_offset: int, sender: Vm, target: str) -> str:
    """The source MAC of the sender's ICMP to ``target`` as seen in namespace ``ns``."""
    proc = subprocess.Popen(ns_exec(ns, [sys.executable, "-c", CAPTURE, sender.ip, str(frame_offset)]),
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"

        def seen() -> bool:
            pings(sender, target)
            return proc.poll() is not None
        assert wait_for(seen, 30)
        return proc.stdout.read().strip()
    finally:
        proc.kill()
        proc.wait(timeout=10)


def ip6(vm: Vm, *args: str) -> None:
    run(ns_exec(vm.ns, ["ip", "-6", *args]))


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cloud]:
    _require_dataplane()
    missing = [tool for tool in ("socat", "nsenter", "dhclient") if shutil.which(tool) is None]
    if missing:
        unavailable(f"the DVR testbed needs {', '.join(missing)} "
                    "(Debian: socat, util-linux, isc-dhcp-client)")
    server = ServerProcess(extra_conf=f"agent_down_time = {AGENT_DOWN_TIME}\n").start()
    bed = Testbed(tmp_path_factory.mktemp("dvrcloud"))
    bridge: ApiBridge | None = None
    sdk = connect_sdk(server.url)
    routers: list[str] = []
    try:
        hosts = [bed.add_host("host-a"), bed.add_host("host-b"), bed.add_host("host-c")]
        bridge = ApiBridge(server.port)
        for host in hosts:
            bridge.connect(host)
        world = Cloud(server, bed, bridge, sdk, hosts)
        world.start_agent(hosts[0], extra="l3 = true\n")
        world.start_agent(hosts[1])
        world.start_agent(hosts[2])
        for host in hosts:
            world.agents[host.name].wait_synced()
            world.wait_alive(host)
        world.routers = routers  # type: ignore[attr-defined]
        yield world
    finally:
        sdk.close()
        bed.close()
        for router_id in routers:  # the agent's namespace outlives it
            if f"qrouter-{router_id}" in netns.listnetns():
                netns.remove(f"qrouter-{router_id}")
        if bridge is not None:
            bridge.close()
        server.stop()


@pytest.fixture(scope="module")
def scene(cloud: Cloud) -> Iterator[dict]:
    sdk = cloud.sdk
    nets, subnets = [], []
    for n in (1, 2):
        net = sdk.network.create_network(name=f"ew-{n}")
        v4 = sdk.network.create_subnet(network_id=net.id, ip_version=4, cidr=f"10.40.{n}.0/24")
        v6 = sdk.network.create_subnet(network_id=net.id, ip_version=6, cidr=f"2001:db8:40:{n}::/64",
                                       ipv6_address_mode="dhcpv6-stateful")
        nets.append(net)
        subnets.append((v4, v6))
    router = sdk.network.create_router(name="ew")
    cloud.routers.append(router.id)  # type: ignore[attr-defined]
    for v4, v6 in subnets:
        sdk.network.add_interface_to_router(router, subnet_id=v4.id)
        sdk.network.add_interface_to_router(router, subnet_id=v6.id)
    group = sdk.network.create_security_group(name=f"ew-{uuid.uuid4().hex[:6]}")
    for ethertype, icmp in (("IPv4", "icmp"), ("IPv6", "ipv6-icmp")):
        sdk.network.create_security_group_rule(security_group_id=group.id, direction="ingress",
                                               ethertype=ethertype, protocol=icmp)
        sdk.network.create_security_group_rule(security_group_id=group.id, direction="ingress",
                                               ethertype=ethertype, protocol="tcp",
                                               port_range_min=OPEN_PORT, port_range_max=OPEN_PORT)
    vms = []
    for host, net in zip(cloud.hosts[1:], nets, strict=True):
        port, vm = cloud.boot(host, net, security_group_ids=[group.id])
        vms.append((port, vm))
    for (port, vm), (v4, v6), (_o4, other6) in zip(vms, subnets, reversed(subnets), strict=True):
        lease = vm.dhcp6()
        assert lease is not None and lease.address, f"no DHCPv6 lease for {port.id}"
        vm.ip6 = lease.address  # type: ignore[attr-defined]
        # Turning IPv6 on bounced the link, which took the DHCPv4 default route with it.
        gateway = cloud.leases[port.id].gateway
        assert gateway == v4.gateway_ip
        run(ns_exec(vm.ns, ["ip", "route", "replace", "default", "via", gateway, "dev", "eth0"]))
        ip6(vm, "route", "replace", v6.cidr, "dev", "eth0")
        ip6(vm, "route", "replace", other6.cidr, "via", v6.gateway_ip, "dev", "eth0")
    servers = [subprocess.Popen(ns_exec(vms[1][1].ns, [
        "socat", f"TCP6-LISTEN:{p},ipv6only=0,fork,reuseaddr", "SYSTEM:echo vm2-here"]),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        for p in (OPEN_PORT, CLOSED_PORT)]
    try:
        yield {"router": router, "subnets": subnets, "nets": nets, "vms": [vm for _, vm in vms],
               "ports": [p for p, _ in vms], "group": group}
    finally:
        for proc in servers:
            proc.kill()
            proc.wait(timeout=10)


def test_vms_on_two_subnets_reach_each_other_across_hosts_ipv4_and_ipv6(scene) -> None:
    vm1, vm2 = scene["vms"]
    assert vm1.ip and vm2.ip
    assert wait_for(lambda: pings(vm1, vm2.ip), 60)
    assert pings(vm2, vm1.ip)
    assert wait_for(lambda: pings(vm1, vm2.ip6), 60)
    assert pings(vm2, vm1.ip6)
    assert tcp_answer(vm1, vm2.ip, OPEN_PORT) == "vm2-here"
    assert tcp_answer(vm1, vm2.ip6, OPEN_PORT) == "vm2-here"


def test_routed_packets_have_their_ttl_decremented(scene) -> None:
    vm1, vm2 = scene["vms"]
    assert wait_for(lambda: pings(vm1, vm2.ip), 60)
    out = run(ns_exec(vm1.ns, ["ping", "-n", "-c", "1", "-W", "2", vm2.ip]), check=False).stdout
    assert "ttl=63" in out, out  # Linux answers with 64; one router on the way back


def test_the_receivers_security_group_still_applies(scene) -> None:
    vm1, vm2 = scene["vms"]
    assert wait_for(lambda: tcp_answer(vm1, vm2.ip, OPEN_PORT) == "vm2-here", 60)
    assert tcp_answer(vm1, vm2.ip, CLOSED_PORT) is None
    assert tcp_answer(vm1, vm2.ip6, CLOSED_PORT) is None


def test_the_senders_security_group_still_applies(cloud, scene) -> None:
    """VM 1's group narrowed to egress ICMP: its pings are routed, its TCP is not."""
    sdk = cloud.sdk
    vm1, vm2 = scene["vms"]
    port = scene["ports"][0]
    narrow = sdk.network.create_security_group(name=f"icmp-out-{uuid.uuid4().hex[:6]}")
    for rule in list(sdk.network.security_group_rules(security_group_id=narrow.id)):
        sdk.network.delete_security_group_rule(rule)
    for ethertype, icmp in (("IPv4", "icmp"), ("IPv6", "ipv6-icmp")):
        sdk.network.create_security_group_rule(security_group_id=narrow.id, direction="egress",
                                               ethertype=ethertype, protocol=icmp)
    sdk.network.update_port(port, security_group_ids=[narrow.id])
    try:
        assert wait_for(lambda: tcp_answer(vm1, vm2.ip, OPEN_PORT) is None, 60)
        assert tcp_answer(vm1, vm2.ip6, OPEN_PORT) is None
        assert pings(vm1, vm2.ip) and pings(vm1, vm2.ip6)
    finally:
        sdk.network.update_port(port, security_group_ids=[scene["group"].id])
    assert wait_for(lambda: tcp_answer(vm1, vm2.ip, OPEN_PORT) == "vm2-here", 60)


def test_routed_frames_carry_the_senders_dvr_mac_on_the_wire_and_the_routers_at_the_vm(
        cloud, scene) -> None:
    vm1, vm2 = scene["vms"]
    v4_two = scene["subnets"][1][0]
    [router_mac] = [p.mac_address for p in cloud.sdk.network.ports(device_id=scene["router"].id)
                    if any(ip["subnet_id"] == v4_two.id for ip in p.fixed_ips)]
    assert wait_for(lambda: pings(vm1, vm2.ip), 60)
    assert source_mac_seen(cloud.bed.underlay, 50, vm1, vm2.ip) == dvr_mac("host-b")
    assert source_mac_seen(vm2.ns, 0, vm1, vm2.ip) == router_mac


def test_routing_onto_a_vlan_provider_network_and_back(cloud, scene) -> None:
    """VM 3 on a VLAN provider network on host-c: host-b routes onto the physnet with
    its DVR MAC as source, so the underlay's learning bridge never sees the router's
    MAC arriving from several hosts."""
    sdk = cloud.sdk
    net = sdk.network.create_network(name="ew-vlan", provider_network_type="vlan",
                                     provider_physical_network=PHYSNET,
                                     provider_segmentation_id=1240)
    subnet = sdk.network.create_subnet(network_id=net.id, ip_version=4, cidr="10.40.3.0/24")
    sdk.network.add_interface_to_router(scene["router"], subnet_id=subnet.id)
    _port, vm3 = cloud.boot(cloud.hosts[2], net, security_group_ids=[scene["group"].id])
    vm1 = scene["vms"][0]
    assert wait_for(lambda: pings(vm1, vm3.ip), 60)
    assert pings(vm3, vm1.ip)
    assert source_mac_seen(cloud.bed.underlay, 0, vm1, vm3.ip) == dvr_mac("host-b")


def test_traffic_does_not_pass_the_router_host(cloud, scene) -> None:
    """host-a's agent killed and the router's namespace deleted: nothing could route
    there any more, and east-west traffic carries on."""
    vm1, vm2 = scene["vms"]
    host_a = cloud.hosts[0]
    namespace = f"qrouter-{scene['router'].id}"
    assert wait_for(lambda: namespace in netns.listnetns(), 60)
    cloud.agents[host_a.name].kill()
    try:
        netns.remove(namespace)
        assert namespace not in netns.listnetns()
        for target in (vm2.ip, vm2.ip6):
            assert wait_for(lambda t=target: pings(vm1, t), 30)
        assert pings(vm2, vm1.ip) and pings(vm2, vm1.ip6)
        assert tcp_answer(vm1, vm2.ip, OPEN_PORT) == "vm2-here"
        assert tcp_answer(vm1, vm2.ip6, OPEN_PORT) == "vm2-here"
    finally:
        cloud.start_agent(host_a, extra="l3 = true\n").wait_synced(60)
    assert wait_for(lambda: namespace in netns.listnetns(), 60)


def test_removing_the_router_interface_stops_east_west_routing(cloud, scene) -> None:
    """Removed: IPv4 between the VMs stops (IPv6 goes on). Added again: a new port with a
    new MAC; VM 2 keeps neighbour entries for ten minutes here, so it reaches VM 1 again
    only because its host announced the gateway's new MAC (gratuitous ARP)."""
    sdk, router = cloud.sdk, scene["router"]
    vm1, vm2 = scene["vms"]
    v4_two = scene["subnets"][1][0]
    assert wait_for(lambda: pings(vm1, vm2.ip), 60)
    run(ns_exec(vm2.ns, ["sysctl", "-q", "-w", "net.ipv4.neigh.eth0.base_reachable_time_ms=600000"]))
    sdk.network.remove_interface_from_router(router, subnet_id=v4_two.id)
    try:
        assert wait_for(lambda: not pings(vm1, vm2.ip), 60)
        assert tcp_answer(vm1, vm2.ip, OPEN_PORT) is None
        assert pings(vm1, vm2.ip6)  # the IPv6 subnets are still joined
    finally:
        sdk.network.add_interface_to_router(router, subnet_id=v4_two.id)
    [new_mac] = [p.mac_address for p in sdk.network.ports(device_id=router.id)
                 if any(ip["subnet_id"] == v4_two.id for ip in p.fixed_ips)]
    assert wait_for(lambda: pings(vm1, vm2.ip), 60)
    neighbour = run(ns_exec(vm2.ns, ["ip", "neigh", "show", v4_two.gateway_ip])).stdout
    assert new_mac in neighbour, neighbour
