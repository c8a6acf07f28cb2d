"""What dnsmasq is given for a network: hosts, options, names and its command line."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from neutrino.agent.desired import DesiredState, Network, Port, Subnet
from neutrino.agent.dhcp.dnsmasq import write_if_changed
from neutrino.agent.dhcp.plan import (
    Paths,
    addn_hosts_file,
    dnsmasq_args,
    hosts_file,
    opts_file,
    plan_network,
    v6_mode,
)

NET = Network("n1", "vxlan", 5, mtu=1450)
V4 = Subnet("s4", "n1", 4, "10.0.0.0/24", gateway_ip="10.0.0.1",
            host_routes=(("192.168.0.0/24", "10.0.0.254"),))
V6 = Subnet("s6", "n1", 6, "2001:db8::/64", gateway_ip="2001:db8::1",
            ipv6_address_mode="dhcpv6-stateful", ipv6_ra_mode="dhcpv6-stateful")
OFF = Subnet("soff", "n1", 4, "10.9.0.0/24", enable_dhcp=False)
DHCP = Port("dhcp", "n1", "fa:16:3e:00:00:02", "host-a", device_owner="network:dhcp",
            allocations=(("s4", "10.0.0.2"), ("s6", "2001:db8::2")))
VM = Port("vm1", "n1", "FA:16:3E:00:00:05", "host-b",
          allocations=(("s4", "10.0.0.5"), ("s6", "2001:db8::5"), ("soff", "10.9.0.5")))


def plan_of(*ports: Port, subnets: tuple[Subnet, ...] = (V4, V6, OFF), network: Network = NET):
    desired = DesiredState((network,), (DHCP, *ports), subnets=subnets, dhcp_networks=("n1",))
    plan = plan_network(desired, "n1", "host-a")
    assert plan is not None
    return plan


def test_hosts_file_lists_each_dhcp_address_with_mac_and_name_and_skips_the_rest():
    assert hosts_file(plan_of(VM)) == (
        "fa:16:3e:00:00:05,host-10-0-0-5,10.0.0.5\n"
        "fa:16:3e:00:00:05,host-2001-db8--5,[2001:db8::5]\n")


def test_unbound_ports_are_leased_too_and_the_dhcp_port_is_not():
    unbound = Port("vm2", "n1", "fa:16:3e:00:00:06", "", allocations=(("s4", "10.0.0.6"),))
    assert hosts_file(plan_of(unbound, subnets=(V4,))) == "fa:16:3e:00:00:06,host-10-0-0-6,10.0.0.6\n"


def test_dns_name_names_the_host_and_extra_options_tag_it():
    vm = replace(VM, dns_name="web1", extra_dhcp_opts=(("bootfile-name", "pxelinux.0", 4),))
    assert hosts_file(plan_of(vm)).splitlines() == [
        "fa:16:3e:00:00:05,web1,10.0.0.5,set:port-vm1",
        "fa:16:3e:00:00:05,web1,[2001:db8::5]"]
    assert addn_hosts_file(plan_of(vm)) == "10.0.0.5\tweb1\n2001:db8::5\tweb1\n"


def test_stateless_and_slaac_subnets_lease_no_address():
    for mode in ("dhcpv6-stateless", "slaac"):
        subnet = replace(V6, ipv6_address_mode=mode, ipv6_ra_mode=mode)
        assert "2001:db8" not in hosts_file(plan_of(VM, subnets=(V4, subnet)))
    stateless = replace(V6, ipv6_address_mode="dhcpv6-stateless")
    vm = replace(VM, extra_dhcp_opts=(("dns-server", "[2001:db8::53]", 6),))
    # Only the tag, so the port's own DHCPv6 options still reach it.
    assert hosts_file(plan_of(vm, subnets=(V4, stateless))).splitlines()[-1] == \
        "fa:16:3e:00:00:05,set:port-vm1"


def test_subnet_options_router_routes_dns_and_mtu():
    lines = opts_file(plan_of(VM, subnets=(V4, V6))).splitlines()
    assert lines == [
        "tag:subnet-s4,option:dns-server,10.0.0.2",
        "tag:subnet-s4,option:classless-static-route,192.168.0.0/24,10.0.0.254,0.0.0.0/0,10.0.0.1",
        "tag:subnet-s4,249,192.168.0.0/24,10.0.0.254,0.0.0.0/0,10.0.0.1",
        "tag:subnet-s4,option:router,10.0.0.1",
        "tag:subnet-s4,option:mtu,1450",
        "tag:subnet-s6,option6:dns-server,[2001:db8::2]",
    ]


def test_no_gateway_announces_no_router_and_configured_dns_replaces_dnsmasq():
    subnet = replace(V4, gateway_ip=None, host_routes=(), dns_nameservers=("8.8.8.8", "1.1.1.1"))
    lines = opts_file(plan_of(VM, subnets=(subnet,), network=replace(NET, mtu=None))).splitlines()
    # An empty router option: otherwise dnsmasq would name itself the router.
    assert lines == ["tag:subnet-s4,option:dns-server,8.8.8.8,1.1.1.1", "tag:subnet-s4,option:router"]


def test_default_host_route_is_the_router_and_zero_dns_means_none():
    subnet = replace(V4, gateway_ip=None, dns_nameservers=("0.0.0.0",),
                     host_routes=(("0.0.0.0/0", "10.0.0.254"), ("172.16.0.0/12", "10.0.0.253")))
    lines = opts_file(plan_of(VM, subnets=(subnet,))).splitlines()
    assert "tag:subnet-s4,option:dns-server" in lines
    assert "tag:subnet-s4,option:router,10.0.0.254" in lines
    assert ("tag:subnet-s4,option:classless-static-route,172.16.0.0/12,10.0.0.253,"
            "0.0.0.0/0,10.0.0.254") in lines


def test_other_ipv4_subnets_of_the_network_are_on_link_routes():
    second = Subnet("s5", "n1", 4, "10.5.0.0/24", gateway_ip="10.5.0.1")
    lines = opts_file(plan_of(VM, subnets=(V4, second, OFF))).splitlines()
    # Served or not, the network's other subnets are on the same link.
    assert ("tag:subnet-s5,option:classless-static-route,10.0.0.0/24,0.0.0.0,10.9.0.0/24,0.0.0.0,"
            "0.0.0.0/0,10.5.0.1" in lines)
    assert not [line for line in lines if "subnet-soff" in line]


def test_extra_dhcp_opts_by_name_by_number_and_for_ipv6_unsafe_ones_dropped():
    vm = replace(VM, extra_dhcp_opts=(("tftp-server", "10.0.0.9", 4), ("42", "10.0.0.123", 4),
                                      ("dns-server", "[2001:db8::53]", 6),
                                      ("bootfile-name", "a\ntag:x,option:router,6.6.6.6", 4),
                                      ("no such", "x", 4)))
    port_lines = [line for line in opts_file(plan_of(vm)).splitlines() if "port-" in line]
    assert port_lines == ["tag:port-vm1,option:tftp-server,10.0.0.9",
                          "tag:port-vm1,42,10.0.0.123",
                          "tag:port-vm1,option6:dns-server,[2001:db8::53]"]


def test_command_line_has_static_ranges_and_changes_only_with_subnets(tmp_path: Path):
    paths = Paths.of(tmp_path, "n1")
    args = dnsmasq_args(plan_of(VM), paths, lease_seconds=600)
    assert "--dhcp-range=set:subnet-s4,10.0.0.0,static,255.255.255.0,600s" in args
    assert "--dhcp-range=set:subnet-s6,2001:db8::,static,64,600s" in args
    assert not [a for a in args if "soff" in a]
    assert {"--no-resolv", "--interface=ns-dhcp", "--except-interface=lo", "--bind-dynamic",
            f"--dhcp-hostsfile={paths.hosts}", f"--dhcp-optsfile={paths.opts}",
            f"--addn-hosts={paths.addn_hosts}", f"--pid-file={paths.pid}"} <= set(args)
    assert not [a for a in args if a.startswith("--server")]
    # Ports come and go without touching the command line (SIGHUP, not restart).
    moved = replace(VM, allocations=(("s4", "10.0.0.77"),), dns_name="x")
    assert dnsmasq_args(plan_of(moved), paths, lease_seconds=600) == args
    assert dnsmasq_args(plan_of(VM, subnets=(V4,)), paths, lease_seconds=600) != args
    forwarding = dnsmasq_args(plan_of(VM), paths, dns_servers=("192.0.2.53",))
    assert "--server=192.0.2.53" in forwarding


def test_no_plan_without_a_dhcp_port_bound_here():
    elsewhere = replace(DHCP, host="host-b")
    desired = DesiredState((NET,), (elsewhere, VM), subnets=(V4,), dhcp_networks=("n1",))
    assert plan_network(desired, "n1", "host-a") is None
    assert plan_network(desired, "unknown", "host-a") is None


def test_dhcp_port_interface_gets_its_addresses_with_prefix_lengths():
    plan = plan_of(VM)
    assert plan.addresses() == (("10.0.0.2", 24), ("2001:db8::2", 64))
    assert (plan.namespace, plan.tap, plan.device) == ("qdhcp-n1", "tapdhcp", "ns-dhcp")


def test_ipv6_modes():
    assert v6_mode(V6) == "stateful"
    assert v6_mode(replace(V6, ipv6_address_mode=None, ipv6_ra_mode=None)) == "stateful"
    assert v6_mode(replace(V6, ipv6_address_mode="dhcpv6-stateless")) == "stateless"
    assert v6_mode(replace(V6, ipv6_address_mode="slaac")) is None
    assert v6_mode(replace(V6, enable_dhcp=False)) is None
    assert v6_mode(V4) is None


def test_files_are_rewritten_only_when_their_content_changes(tmp_path: Path):
    target = tmp_path / "host"
    assert write_if_changed(target, "a\n")
    stamp = target.stat().st_mtime_ns
    assert not write_if_changed(target, "a\n")
    assert target.stat().st_mtime_ns == stamp
    assert write_if_changed(target, "b\n")
    assert target.read_text() == "b\n"
