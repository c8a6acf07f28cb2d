"""Security groups with real traffic: conntrack, rules, remote groups, anti-spoofing.

One testbed for the module (two hosts; VMs a1 and a2 on host-a, b1 on host-b,
IPv4 and IPv6): every test converges both agents to its own groups first, so
the tests are independent of each other's rules; they use distinct ports so
conntrack entries of one test never answer for another.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from neutrino.agent.desired import DesiredState, Network, Port, SecurityGroup, SecurityGroupRule
from neutrino.agent.reconciler import Agent

from neutrino.agent.extensions.security_groups.base import link_local

from .conftest import _require_dataplane
from .packets import arp_reply, neighbour_advert, router_advert, udp_frame
from .testbed import OvsHost, Testbed, Vm, ns_exec, run

pytestmark = pytest.mark.dataplane

HERE = Path(__file__).parent
NET = Network("sgnet", "vxlan", 6001)
V4, V6 = "192.168.30", "fd00:30::"


def rule(rule_id: str, direction: str, ethertype: str = "IPv4", protocol: str | None = None,
         low: int | None = None, high: int | None = None, prefix: str | None = None,
         group: str | None = None) -> SecurityGroupRule:
    return SecurityGroupRule(rule_id, direction, ethertype, protocol, low, high, prefix, group)


EGRESS_ANY = (rule("eg4", "egress"), rule("eg6", "egress", "IPv6"))


def default_group(group_id: str = "default") -> SecurityGroup:
    """Neutron's default group: all egress, ingress from members of the same group."""
    return SecurityGroup(group_id, True, (*EGRESS_ANY, rule(f"{group_id}-in4", "ingress", group=group_id),
                                          rule(f"{group_id}-in6", "ingress", "IPv6", group=group_id)))


@dataclass
class Bed:
    testbed: Testbed
    hosts: dict[str, OvsHost]
    agents: dict[str, Agent]
    vms: dict[str, Vm]
    ports: dict[str, Port]

    def converge(self, groups: tuple[SecurityGroup, ...], port_groups: dict[str, tuple[str, ...]],
                 members: dict[str, tuple[str, ...]] | None = None, **changes: dict) -> DesiredState:
        """Sync both hosts; members default to what the server computes from the ports."""
        ports = []
        for name, port in self.ports.items():
            port = replace(port, security_groups=port_groups.get(name, ()), **changes.get(name, {}))
            ports.append(port)
        if members is None:
            members = {}
            for port in ports:
                addresses = (*port.fixed_ips, *(ip for ip, _ in port.allowed_address_pairs))
                for group in port.security_groups:
                    members[group] = members.get(group, ()) + addresses
        desired = DesiredState((NET,), tuple(ports), {h.name: h.tunnel_ip for h in self.hosts.values()},
                               security_groups=groups, security_group_members=members)
        for agent in self.agents.values():
            agent.sync(desired)
        return desired


def enable_ipv6(vm: Vm, address: str) -> None:
    run(ns_exec(vm.ns, ["sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=0",
                        "net.ipv6.conf.eth0.disable_ipv6=0"]))
    run(ns_exec(vm.ns, ["ip", "-6", "addr", "add", f"{address}/64", "dev", "eth0", "nodad"]))


@pytest.fixture(scope="module")
def bed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bed]:
    _require_dataplane()
    testbed = Testbed(tmp_path_factory.mktemp("sg"))
    try:
        hosts = {name: testbed.add_host(name) for name in ("host-a", "host-b")}
        agents = {name: testbed.start_agent(host) for name, host in hosts.items()}
        ports, vms = {}, {}
        for index, (name, host) in enumerate((("a1", "host-a"), ("a2", "host-a"), ("b1", "host-b")), 1):
            port = Port(f"sg-{name}", NET.id, f"fa:16:3e:30:00:{index:02x}", host,
                        (f"{V4}.{index}", f"{V6}{index}"))
            ports[name] = port
            vms[name] = testbed.add_vm(hosts[host], port.id, port.mac_address, port.fixed_ips[0])
            enable_ipv6(vms[name], port.fixed_ips[1])
        yield Bed(testbed, hosts, agents, vms, ports)
    finally:
        testbed.close()


def ip4(bed: Bed, name: str) -> str:
    return bed.ports[name].fixed_ips[0]


def ip6(bed: Bed, name: str) -> str:
    return bed.ports[name].fixed_ips[1]


@contextmanager
def listening(vm: Vm, proto: str, *ports: int, addr: str = "0.0.0.0") -> Iterator[None]:
    cmd = ns_exec(vm.ns, [sys.executable, str(HERE / "sockprobe.py"), "listen", proto, addr,
                          *map(str, ports)])
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        yield
    finally:
        proc.kill()
        proc.wait(timeout=10)


def connects(vm: Vm, proto: str, addr: str, port: int, src: str | None = None) -> bool:
    args = [sys.executable, str(HERE / "sockprobe.py"), "connect", proto, addr, str(port)]
    return run(ns_exec(vm.ns, args + ([src] if src else [])), check=False).returncode == 0


def pings(vm: Vm, target: str, count: int = 2, src: str | None = None) -> bool:
    """True when every echo came back; the first try may wait for ARP/ND."""
    args = ["ping", "-n", "-q", "-c", str(count), "-i", "0.2", "-W", "1"]
    if src:
        args += ["-I", src]
    for _ in range(2):
        out = run(ns_exec(vm.ns, [*args, target]), check=False).stdout
        if f"{count} received" in out:
            return True
    return False


def test_default_group_allows_egress_and_ingress_only_from_members(bed: Bed) -> None:
    other = SecurityGroup("other", True, EGRESS_ANY)
    bed.converge((default_group(), other), {"a1": ("default",), "b1": ("default",), "a2": ("other",)})
    a1, a2, b1 = bed.vms["a1"], bed.vms["a2"], bed.vms["b1"]
    assert pings(a1, ip4(bed, "b1")), "members of the default group reach each other across hosts"
    assert pings(b1, ip4(bed, "a1"))
    assert pings(a1, ip6(bed, "b1"))
    # a2 is no member: its egress is allowed but a1's ingress refuses it; a2 admits nothing.
    assert not pings(a2, ip4(bed, "a1"), count=1)
    assert not pings(a1, ip4(bed, "a2"), count=1), "the receiving end's rules apply on one host too"


def test_rule_opening_one_tcp_port(bed: Bed) -> None:
    web = SecurityGroup("web", True, (*EGRESS_ANY, rule("http", "ingress", protocol="tcp", low=8080,
                                                         high=8080)))
    bed.converge((web, default_group()), {"b1": ("web",), "a1": ("default",)})
    with listening(bed.vms["b1"], "tcp", 8080, 8081):
        assert connects(bed.vms["a1"], "tcp", ip4(bed, "b1"), 8080)
        assert not connects(bed.vms["a1"], "tcp", ip4(bed, "b1"), 8081)
    assert not pings(bed.vms["a1"], ip4(bed, "b1"), count=1)


def test_udp_port_range_rule(bed: Bed) -> None:
    dns = SecurityGroup("dns", True, (*EGRESS_ANY, rule("udp", "ingress", protocol="udp", low=5350,
                                                         high=5359)))
    bed.converge((dns, default_group()), {"b1": ("dns",), "a1": ("default",)})
    with listening(bed.vms["b1"], "udp", 5353, 5360):
        assert connects(bed.vms["a1"], "udp", ip4(bed, "b1"), 5353)
        assert not connects(bed.vms["a1"], "udp", ip4(bed, "b1"), 5360)


def test_icmp_type_rule_admits_only_that_type(bed: Bed) -> None:
    echo = SecurityGroup("echo", True, (*EGRESS_ANY, rule("echo", "ingress", protocol="icmp", low=8,
                                                           high=0)))
    timestamp = SecurityGroup("ts", True, (*EGRESS_ANY, rule("ts", "ingress", protocol="1", low=13)))
    bed.converge((echo, timestamp, default_group()), {"b1": ("echo",), "a2": ("ts",),
                                                      "a1": ("default",)})
    assert pings(bed.vms["a1"], ip4(bed, "b1"))
    assert not pings(bed.vms["a1"], ip4(bed, "a2"), count=1)


def test_remote_ip_prefix_admits_only_that_source(bed: Bed) -> None:
    ssh = SecurityGroup("ssh", True, (*EGRESS_ANY, rule("ssh", "ingress", protocol="tcp", low=9000,
                                                         high=9000, prefix=f"{ip4(bed, 'a1')}/32")))
    bed.converge((ssh, default_group()), {"b1": ("ssh",), "a1": ("default",), "a2": ("default",)})
    with listening(bed.vms["b1"], "tcp", 9000):
        assert connects(bed.vms["a1"], "tcp", ip4(bed, "b1"), 9000)
        assert not connects(bed.vms["a2"], "tcp", ip4(bed, "b1"), 9000)


def test_remote_group_rule_follows_membership_changing_only_member_flows(bed: Bed) -> None:
    server = SecurityGroup("srv", True, (*EGRESS_ANY, rule("from-friends", "ingress", protocol="tcp",
                                                            low=9100, high=9100, group="friends")))
    friends = SecurityGroup("friends", True, EGRESS_ANY)
    groups = (server, friends)
    assign = {"b1": ("srv",), "a1": ("friends",), "a2": ("friends",)}
    host_b = bed.hosts["host-b"]
    with listening(bed.vms["b1"], "tcp", 9100):
        bed.converge(groups, assign, members={"friends": (ip4(bed, "a2"),)})
        assert not connects(bed.vms["a1"], "tcp", ip4(bed, "b1"), 9100)
        before = set(host_b.dump_flows())

        bed.converge(groups, assign, members={"friends": (ip4(bed, "a2"), ip4(bed, "a1"))})
        assert connects(bed.vms["a1"], "tcp", ip4(bed, "b1"), 9100)
        after = set(host_b.dump_flows())
        assert before <= after, "adding a member removed or rewrote other flows"
        added = after - before
        assert len(added) == 1 and f"nw_src={ip4(bed, 'a1')} " in added.pop()

        bed.converge(groups, assign, members={"friends": (ip4(bed, "a2"),)})
        assert set(host_b.dump_flows()) == before
        assert not connects(bed.vms["a1"], "tcp", ip4(bed, "b1"), 9100)
        assert connects(bed.vms["a2"], "tcp", ip4(bed, "b1"), 9100)


def test_allowed_address_pair_is_a_legitimate_source(bed: Bed) -> None:
    pair, stranger = f"{V4}.100", f"{V4}.101"
    b1 = bed.vms["b1"]
    for address in (pair, stranger):
        run(ns_exec(b1.ns, ["ip", "addr", "add", f"{address}/24", "dev", "eth0"]))
    try:
        bed.converge((default_group(),), {"a1": ("default",), "b1": ("default",)},
                     b1={"allowed_address_pairs": ((pair, bed.ports["b1"].mac_address),)})
        assert pings(b1, ip4(bed, "a1"), src=pair), "the pair's address is admitted as b1's"
        assert pings(bed.vms["a1"], pair), "and answers ARP for it"
        assert not pings(b1, ip4(bed, "a1"), count=1, src=stranger)
    finally:
        for address in (pair, stranger):
            run(ns_exec(b1.ns, ["ip", "addr", "del", f"{address}/24", "dev", "eth0"]), check=False)


def delivered(bed: Bed, sender: Vm, receiver: Vm, frames: dict[str, bytes], marker: bytes) -> set[str]:
    """Names of the frames sent raw from ``sender`` that reached ``receiver``."""
    return delivered_to(sender, [receiver], frames, marker)[0]


def delivered_to(sender: Vm, receivers: list[Vm], frames: dict[str, bytes],
                 marker: bytes) -> list[set[str]]:
    """For each receiver, the names of the frames sent raw from ``sender`` that reached it."""
    script = str(HERE / "rawframes.py")
    captures = []
    for receiver in receivers:
        cap = subprocess.Popen(ns_exec(receiver.ns, [sys.executable, script, "capture", "eth0", "2",
                                                     marker.hex()]), stdout=subprocess.PIPE, text=True)
        assert cap.stdout is not None and cap.stdout.readline().strip() == "ready"
        captures.append(cap)
    for frame in frames.values():
        run(ns_exec(sender.ns, [sys.executable, script, "send", "eth0", frame.hex()]))
    result = []
    for cap in captures:
        out, _ = cap.communicate(timeout=15)
        got = {bytes.fromhex(line.split('"data": "')[1].split('"')[0]) for line in out.splitlines()
               if '"data"' in line}
        result.append({name for name, frame in frames.items() if any(frame[12:] in data for data in got)})
    return result


def test_spoofed_source_mac_ip_and_arp_are_dropped(bed: Bed) -> None:
    sink = SecurityGroup("sink", True, (*EGRESS_ANY, rule("udp-in", "ingress", protocol="udp")))
    bed.converge((sink,), {"a1": ("sink",), "a2": ("sink",)})
    a1, a2 = bed.ports["a1"], bed.ports["a2"]
    marker = b"spoof-probe"
    frames = {
        "genuine": udp_frame(a2.mac_address, a1.mac_address, ip4(bed, "a2"), ip4(bed, "a1"), marker + b"1"),
        "mac": udp_frame("fa:16:3e:99:99:99", a1.mac_address, ip4(bed, "a2"), ip4(bed, "a1"),
                         marker + b"2"),
        "ip": udp_frame(a2.mac_address, a1.mac_address, f"{V4}.77", ip4(bed, "a1"), marker + b"3"),
        # a2 claiming b1's address in ARP, and an ARP with a forged sender MAC.
        "arp-ip": arp_reply(a2.mac_address, a1.mac_address, ip4(bed, "b1"), ip4(bed, "a1"),
                            a2.mac_address),
        "arp-mac": arp_reply(a2.mac_address, a1.mac_address, ip4(bed, "a2"), ip4(bed, "a1"),
                             "fa:16:3e:99:99:98"),
    }
    # The capture keeps frames holding the marker: the UDP payload, or an ARP reply header.
    got = delivered(bed, bed.vms["a2"], bed.vms["a1"], {k: v for k, v in frames.items()
                                                         if not k.startswith("arp")}, marker)
    assert got == {"genuine"}
    arp = {k: v for k, v in frames.items() if k.startswith("arp")}
    arp["arp-genuine"] = arp_reply(a2.mac_address, a1.mac_address, ip4(bed, "a2"), ip4(bed, "a1"),
                                   a2.mac_address)
    got = delivered(bed, bed.vms["a2"], bed.vms["a1"], arp, bytes.fromhex("0806000108000604" "0002"))
    assert got == {"arp-genuine"}


def test_vm_cannot_pose_as_dhcp_server_router_or_neighbour(bed: Bed) -> None:
    sink = SecurityGroup("sink", True, (*EGRESS_ANY, rule("udp-in", "ingress", protocol="udp")))
    bed.converge((sink,), {"a1": ("sink",), "a2": ("sink",)})
    a1, a2 = bed.ports["a1"], bed.ports["a2"]
    lla = link_local(a2.mac_address)
    frames = {
        # A VM with no address yet asks for one: broadcast from 0.0.0.0, client port to server port.
        "dhcp-discover": udp_frame(a2.mac_address, "ff:ff:ff:ff:ff:ff", "0.0.0.0", "255.255.255.255",
                                   b"discover", sport=68, dport=67),
        "dhcp-offer": udp_frame(a2.mac_address, a1.mac_address, ip4(bed, "a2"), ip4(bed, "a1"),
                                b"offer", sport=67, dport=68),
        "na-own": neighbour_advert(a2.mac_address, a1.mac_address, lla, ip6(bed, "a1"), ip6(bed, "a2")),
        "na-forged": neighbour_advert(a2.mac_address, a1.mac_address, lla, ip6(bed, "a1"),
                                      ip6(bed, "b1")),
        "ra": router_advert(a2.mac_address, a1.mac_address, lla, "ff02::1"),
    }
    got = delivered(bed, bed.vms["a2"], bed.vms["a1"], frames,
                    bytes.fromhex(a2.mac_address.replace(":", "")))
    assert got == {"dhcp-discover", "na-own"}


def test_a_restarted_agent_finds_every_filter_flow_in_place(bed: Bed) -> None:
    group = SecurityGroup("rs", True, (*EGRESS_ANY, rule("rs-web", "ingress", protocol="tcp", low=80,
                                                          high=89),
                                       rule("rs-peers", "ingress", group="rs")))
    desired = bed.converge((group,), {"a1": ("rs",), "a2": ("rs",), "b1": ("rs",)})
    host = bed.hosts["host-a"]
    before = set(host.dump_flows())
    fresh = Agent(host.agent_config())
    bed.testbed.agents.append(fresh)
    fresh.start()
    result = fresh.sync(desired)
    assert (result.added, result.deleted, result.observed) == (0, 0, True)
    assert set(host.dump_flows()) == before
    assert pings(bed.vms["a1"], ip4(bed, "b1"))


def test_broadcast_is_filtered_per_receiver_on_every_copy(bed: Bed) -> None:
    # Flooding clones the frame to each local port's ingress filter, conntrack included.
    sink = SecurityGroup("bcast", True, (*EGRESS_ANY, rule("udp-7777", "ingress", protocol="udp",
                                                            low=7777, high=7777)))
    bed.converge((sink, SecurityGroup("deaf", True, EGRESS_ANY)),
                 {"a1": ("bcast",), "b1": ("bcast",), "a2": ("deaf",)})
    marker = b"bcast-probe"
    frame = udp_frame(bed.ports["a1"].mac_address, "ff:ff:ff:ff:ff:ff", ip4(bed, "a1"), f"{V4}.255",
                      marker)
    here, there = delivered_to(bed.vms["a1"], [bed.vms["a2"], bed.vms["b1"]], {"bcast": frame}, marker)
    assert (here, there) == (set(), {"bcast"})
    bed.converge((sink,), {"a1": ("bcast",), "b1": ("bcast",), "a2": ("bcast",)})
    here, there = delivered_to(bed.vms["a1"], [bed.vms["a2"], bed.vms["b1"]], {"bcast": frame}, marker)
    assert (here, there) == ({"bcast"}, {"bcast"})


def test_port_security_off_lets_everything_through(bed: Bed) -> None:
    off = {"port_security_enabled": False}
    bed.converge((), {}, a1=off, a2=off)
    a1 = bed.ports["a1"]
    with listening(bed.vms["a1"], "tcp", 9300):
        assert connects(bed.vms["a2"], "tcp", ip4(bed, "a1"), 9300)
    assert pings(bed.vms["a2"], ip6(bed, "a1"))
    marker = b"nosec-probe"
    spoofed = udp_frame("fa:16:3e:99:99:97", a1.mac_address, f"{V4}.78", ip4(bed, "a1"), marker)
    assert delivered(bed, bed.vms["a2"], bed.vms["a1"], {"spoofed": spoofed}, marker) == {"spoofed"}


def test_ipv6_icmp_with_neighbour_discovery_and_tcp(bed: Bed) -> None:
    v6 = SecurityGroup("v6", True, (*EGRESS_ANY, rule("ping6", "ingress", "IPv6", "icmp"),
                                    rule("tcp6", "ingress", "IPv6", "tcp", 8443, 8443)))
    bed.converge((v6, default_group()), {"b1": ("v6",), "a1": ("default",)})
    a1 = bed.vms["a1"]
    run(ns_exec(a1.ns, ["ip", "-6", "neigh", "flush", "dev", "eth0"]), check=False)
    assert pings(a1, ip6(bed, "b1")), "ping6 with neighbour discovery through both filters"
    with listening(bed.vms["b1"], "tcp", 8443, 8444, addr="::"):
        assert connects(a1, "tcp", ip6(bed, "b1"), 8443)
        assert not connects(a1, "tcp", ip6(bed, "b1"), 8444)
    assert not pings(a1, ip4(bed, "b1"), count=1), "IPv6 rules open nothing for IPv4"


def test_stateless_group_needs_rules_both_ways(bed: Bed) -> None:
    inbound = rule("sl-in", "ingress", protocol="tcp", low=7000, high=7000)
    stateless = SecurityGroup("sl", False, (inbound,))
    assign = {"b1": ("sl",), "a1": ("default",)}
    with listening(bed.vms["b1"], "tcp", 7000):
        bed.converge((stateless, default_group()), assign)
        assert not connects(bed.vms["a1"], "tcp", ip4(bed, "b1"), 7000), "no rule for the replies"
        replies = rule("sl-out", "egress", protocol="tcp", low=1024, high=65535)
        bed.converge((replace(stateless, rules=(inbound, replies)), default_group()), assign)
        assert connects(bed.vms["a1"], "tcp", ip4(bed, "b1"), 7000)
    flows = bed.hosts["host-b"].dump_flows()
    ofport_rules = [f for f in flows if "tp_dst=7000" in f]
    assert ofport_rules and not any("ct(" in f for f in ofport_rules), "stateless means no conntrack"


@contextmanager
def session(vm: Vm, addr: str, port: int) -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen(ns_exec(vm.ns, [sys.executable, str(HERE / "sockprobe.py"), "session",
                                            addr, str(port)]),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "connected"
        yield proc
    finally:
        proc.kill()
        proc.wait(timeout=10)


def exchange(proc: subprocess.Popen[str]) -> bool:
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write("hello\n")
    proc.stdin.flush()
    return proc.stdout.readline().strip() == "ok"


def conntrack(host: OvsHost) -> str:
    return run(["ovs-appctl", "-t", f"{host.workdir}/ovs-vswitchd.ctl", "dpctl/dump-conntrack"],
               env=host.env).stdout


def test_established_connection_survives_a_rule_added(bed: Bed) -> None:
    app = rule("app", "ingress", protocol="tcp", low=7100, high=7100)
    group = SecurityGroup("app", True, (*EGRESS_ANY, app))
    assign = {"b1": ("app",), "a1": ("default",)}
    bed.converge((group, default_group()), assign)
    with listening(bed.vms["b1"], "tcp", 7100), session(bed.vms["a1"], ip4(bed, "b1"), 7100) as conn:
        assert exchange(conn)
        entries = [line for line in conntrack(bed.hosts["host-b"]).splitlines() if "dport=7100" in line]
        more = (*group.rules, rule("extra", "ingress", protocol="udp", low=1234, high=1234),
                rule("extra6", "ingress", "IPv6", protocol="tcp", low=22, high=22))
        bed.converge((replace(group, rules=more), default_group()), assign)
        assert exchange(conn), "the open connection keeps working across the bundle"
        after = [line for line in conntrack(bed.hosts["host-b"]).splitlines() if "dport=7100" in line]
        assert entries and [e.split("),")[0] for e in after] == [e.split("),")[0] for e in entries]


def test_removed_rule_stops_new_and_established_connections(bed: Bed) -> None:
    app = rule("app2", "ingress", protocol="tcp", low=7200, high=7200)
    group = SecurityGroup("app2", True, (*EGRESS_ANY, app))
    assign = {"b1": ("app2",), "a1": ("default",)}
    bed.converge((group, default_group()), assign)
    with listening(bed.vms["b1"], "tcp", 7200), session(bed.vms["a1"], ip4(bed, "b1"), 7200) as conn:
        assert exchange(conn)
        assert connects(bed.vms["a1"], "tcp", ip4(bed, "b1"), 7200)
        bed.converge((replace(group, rules=EGRESS_ANY), default_group()), assign)
        assert not connects(bed.vms["a1"], "tcp", ip4(bed, "b1"), 7200), "new connections refused"
        assert not exchange(conn), "the connection the rule admitted is cut too"
