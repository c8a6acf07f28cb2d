"""East-west routing's flows and the tunnels it needs, from desired state alone (no switch);
the packets are in tests/functional/test_dataplane_dvr.py."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from neutrino.agent.desired import (
    DesiredState,
    DistributedRouter,
    Network,
    Port,
    RouterInterface,
    Subnet,
    to_json,
)
from neutrino.agent.extensions.l2 import L2Forwarding
from neutrino.agent.extensions.routing import EastWestRouting, dvr_mac
from neutrino.agent.openflow.flows import Flow
from neutrino.agent.openflow.manager import OpenFlowManager
from neutrino.agent.openflow.reconcile import check_conflicts
from neutrino.agent.topology import HostView, assign_network_ids, local_networks, wanted_tunnels

ONE = Network("n1", "vxlan", 101)
TWO = Network("n2", "vxlan", 102)
VLAN = Network("n3", "vlan", 30, physical_network="physnet1")
SUBNETS = (Subnet("s1", "n1", 4, "10.1.0.0/24", "10.1.0.1"),
           Subnet("s1v6", "n1", 6, "2001:db8:1::/64", "2001:db8:1::1"),
           Subnet("s2", "n2", 4, "10.2.0.0/24", "10.2.0.1"),
           Subnet("s3", "n3", 4, "10.3.0.0/24", "10.3.0.1"))
ENDPOINTS = {"a": "192.0.2.1", "b": "192.0.2.2", "c": "192.0.2.3"}


def vm(name: str, net: Network, host: str, *ips: tuple[str, str], **more: object) -> Port:
    return Port(name, net.id, f"fa:16:3e:00:00:{int(name[1:]):02x}", host,
                tuple(ip for _, ip in ips), allocations=tuple(ips),
                device_owner="compute:nova", **more)  # type: ignore[arg-type]


VM1 = vm("v1", ONE, "a", ("s1", "10.1.0.11"), ("s1v6", "2001:db8:1::11"))
VM3 = vm("v3", TWO, "a", ("s2", "10.2.0.13"))
VM2 = vm("v2", TWO, "b", ("s2", "10.2.0.12"))
VM5 = vm("v5", ONE, "c", ("s1", "10.1.0.15"))
VM6 = vm("v6", VLAN, "c", ("s3", "10.3.0.16"))
DHCP = Port("d2", "n2", "fa:16:3e:00:00:d2", "b", ("10.2.0.2",), allocations=(("s2", "10.2.0.2"),),
            device_owner="network:dhcp")
ROUTER = DistributedRouter("r", True, (
    RouterInterface("i1", "n1", "fa:16:3e:00:01:01", (("s1", "10.1.0.1"), ("s1v6", "2001:db8:1::1"))),
    RouterInterface("i2", "n2", "fa:16:3e:00:01:02", (("s2", "10.2.0.1"),)),
    RouterInterface("i3", "n3", "fa:16:3e:00:01:03", (("s3", "10.3.0.1"),))))


def desired(*routers: DistributedRouter) -> DesiredState:
    return DesiredState((ONE, TWO, VLAN), (VM1, VM2, VM3, VM5, VM6, DHCP), ENDPOINTS,
                        subnets=SUBNETS, distributed_routers=routers)


def view(host: str, state: DesiredState, local: dict[str, int]) -> HostView:
    networks = local_networks(state, host)
    tunnels = {("vxlan", ip): 50 + i for i, (h, ip) in enumerate(sorted(ENDPOINTS.items()))
               if h != host}
    return HostView(host, state, networks, assign_network_ids(networks), local_ofports=local,
                    tunnel_ofports=tunnels, physnet_ofports={"physnet1": 40})


def flows(extension, host_view: HostView) -> list[Flow]:  # noqa: ANN001
    owner = OpenFlowManager().register(extension.name, extension.stages)
    out = list(extension.flows(owner, host_view))
    check_conflicts(out)
    return out


def routes(found: list[Flow]) -> dict[str, str]:
    """destination address -> actions of the route flows."""
    out = {}
    for flow in found:
        hit = re.search(r"(?:nw_dst|ipv6_dst)=([0-9a-f.:]+)$", flow.match)
        if hit and "dl_dst=" in flow.match:
            out[hit.group(1)] = flow.actions
    return out


def test_the_desired_state_keeps_distributed_routers_through_json() -> None:
    state = desired(ROUTER)
    assert DesiredState.from_json(to_json(state)) == state


def test_a_host_routes_to_local_and_remote_ports_of_the_routers_other_subnets() -> None:
    host = view("a", desired(ROUTER), {"v1": 1, "v3": 3})
    found = routes(flows(EastWestRouting(), host))
    nid = host.network_ids
    # Local delivery: the router's MAC on network two, network two's register, VM 3's port,
    # on to the ingress security groups.
    local = found["10.2.0.13"]
    assert local.startswith("dec_ttl,set_field:fa:16:3e:00:00:03->eth_dst,"
                            "set_field:fa:16:3e:00:01:02->eth_src,")
    assert f"load:{nid['n2']}->NXM_NX_REG6[],load:3->NXM_NX_REG7[],goto_table:" in local
    # Remote: this host's DVR MAC, network two's VNI, the tunnel to host b.
    assert found["10.2.0.12"] == (f"dec_ttl,set_field:fa:16:3e:00:00:02->eth_dst,"
                                  f"set_field:{dvr_mac('a')}->eth_src,"
                                  f"set_field:0x66->tun_id,output:51")
    # A VLAN network: tagged, out of the physnet.
    assert found["10.3.0.16"].endswith("push_vlan:0x8100,set_field:4126->vlan_vid,output:40")
    # Not routed here: DHCP ports, and the sender's own subnets (from network one the VM 5
    # of network one is L2's; from network two it is a route).
    assert "10.2.0.2" not in found
    net1_routes = [f for f in flows(EastWestRouting(), host)
                   if f"reg6={nid['n1']}," in f.match and "10.1.0.15" in f.match]
    assert net1_routes == []
    assert "10.1.0.15" in found


def test_gateways_are_answered_on_the_hosts_networks_only() -> None:
    host = view("a", desired(ROUTER), {"v1": 1, "v3": 3})
    found = flows(EastWestRouting(), host)
    arp = {re.search(r"arp_tpa=([\d.]+)", f.match).group(1) for f in found if "arp_tpa" in f.match}
    assert arp == {"10.1.0.1", "10.2.0.1"}  # not 10.3.0.1: no port of host a on network three
    nd = [f for f in found if "nd_target=2001:db8:1::1" in f.match]
    assert len(nd) == 2  # the solicitation turned into an advertisement, then its option
    assert "set_field:136->icmpv6_type" in nd[0].actions and nd[1].actions.endswith("IN_PORT")


def test_no_flows_without_a_router_or_with_it_admin_down() -> None:
    down = DistributedRouter("r", False, ROUTER.interfaces)
    for state in (desired(), desired(down)):
        assert flows(EastWestRouting(), view("a", state, {"v1": 1, "v3": 3})) == []


def test_tunnels_also_reach_the_hosts_of_the_routed_networks() -> None:
    # Host b carries network two only; with the router it routes to network one's
    # ports on a and c (and receives from them), so it needs a tunnel to c as well.
    assert wanted_tunnels(desired(), "b") == {("vxlan", "192.0.2.1")}
    assert wanted_tunnels(desired(ROUTER), "b") == {("vxlan", "192.0.2.1"), ("vxlan", "192.0.2.3")}


def test_classification_accepts_a_network_from_hosts_routing_onto_it() -> None:
    def from_c(state: DesiredState) -> list[Flow]:
        host = view("b", state, {"v2": 2, "d2": 4})
        return [f for f in flows(L2Forwarding(), host)
                if f.match == "in_port=52,tun_id=0x66"]  # host c's tunnel, network two
    assert from_c(desired()) == []
    assert len(from_c(desired(ROUTER))) == 1


def test_dvr_macs_are_stable_per_host_and_outside_the_port_mac_range() -> None:
    assert dvr_mac("a") == dvr_mac("a") != dvr_mac("b")
    assert re.fullmatch(r"fa:16:3f(:[0-9a-f]{2}){3}", dvr_mac("compute-1"))


def test_open_vswitch_takes_every_routing_flow_as_written(tmp_path) -> None:  # noqa: ANN001
    if shutil.which("ovs-ofctl") is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("ovs-ofctl (openvswitch-switch) missing under CI")
        pytest.skip("ovs-ofctl not installed")
    found = flows(EastWestRouting(), view("a", desired(ROUTER), {"v1": 1, "v3": 3}))
    text = tmp_path / "flows.txt"
    text.write_text("".join(f.to_ofctl().removeprefix("add ") + "\n" for f in found))
    done = subprocess.run(["ovs-ofctl", "-O", "OpenFlow15", "parse-flows", str(text)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "normalization changed" not in done.stderr, done.stderr
    assert done.stdout.count("FLOW_MOD") == len(found)


def test_each_gateway_of_the_hosts_networks_is_announced_to_its_local_ports() -> None:
    from neutrino.agent.frames import checksum as _checksum

    extension = EastWestRouting()
    owner = OpenFlowManager().register(extension.name, extension.stages)
    host = view("a", desired(ROUTER), {"v1": 1, "v3": 3})
    found = extension.announcements(owner, host)
    assert sorted(gateway for _net, _mac, gateway in found) == ["10.1.0.1", "10.2.0.1",
                                                              "2001:db8:1::1"]
    arp, actions = found[("n1", "fa:16:3e:00:01:01", "10.1.0.1")]
    assert arp[:6] == b"\xff" * 6 and arp[12:14] == b"\x08\x06"
    assert arp[28:32] == arp[38:42] == bytes([10, 1, 0, 1])  # sender = target: gratuitous
    assert actions == (f"load:{host.network_ids['n1']}->NXM_NX_REG6[],"
                       f"resubmit(,{owner.table('ingress_deflection')})")
    na, _ = found[("n1", "fa:16:3e:00:01:01", "2001:db8:1::1")]
    ip6, icmp = na[14:54], na[54:]
    assert icmp[0] == 136 and ip6[7] == 255 and icmp[-6:] == bytes.fromhex("fa163e000101")
    pseudo = ip6[8:40] + len(icmp).to_bytes(4, "big") + bytes([0, 0, 0, 58])
    assert _checksum(pseudo + icmp) == 0  # a valid checksum sums to all ones
    assert extension.announcements(owner, view("a", desired(), {"v1": 1, "v3": 3})) == {}
