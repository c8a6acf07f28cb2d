"""The router plan and its nftables table, from desired state alone; every table the
plan writes is checked by nft itself (``nft -c``), which refuses what it cannot load."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from neutrino.agent.desired import DesiredState, to_json
from neutrino.agent.l3.plan import plan_routers, ruleset

HOST = "net-1"
EXT, INT = "e" * 8 + "-0000-0000-0000-000000000000", "i" * 8 + "-0000-0000-0000-000000000000"


def state(enable_snat: bool = True, forwardings: list[dict] | None = None,
          fixed: str | None = "10.0.0.5", scopes: dict[str, str] | None = None,
          ipv6: bool = False) -> DesiredState:
    scopes = scopes or {}
    nets = [{"id": EXT, "provider:network_type": "flat", "provider:physical_network": "physnet1",
             "ipv4_address_scope": scopes.get(EXT)},
            {"id": INT, "provider:network_type": "vxlan", "provider:segmentation_id": 7, "mtu": 1450,
             "ipv4_address_scope": scopes.get(INT)}]
    subnets = [{"id": "s-ext", "network_id": EXT, "ip_version": 4, "cidr": "172.24.4.0/24",
                "gateway_ip": "172.24.4.1"},
               {"id": "s-int", "network_id": INT, "ip_version": 4, "cidr": "10.0.0.0/24",
                "gateway_ip": "10.0.0.1"}]
    ports = [{"id": "gwport-0001", "network_id": EXT, "mac_address": "fa:16:3e:00:00:01",
              "binding:host_id": HOST, "device_owner": "network:router_gateway",
              "fixed_ips": [{"subnet_id": "s-ext", "ip_address": "172.24.4.10"}]},
             {"id": "ifport-0002", "network_id": INT, "mac_address": "fa:16:3e:00:00:02",
              "binding:host_id": HOST, "device_owner": "network:router_interface",
              "fixed_ips": [{"subnet_id": "s-int", "ip_address": "10.0.0.1"}]}]
    if ipv6:
        subnets += [{"id": "s-ext6", "network_id": EXT, "ip_version": 6, "cidr": "2001:db8:ff::/64",
                     "gateway_ip": "2001:db8:ff::1"},
                    {"id": "s-int6", "network_id": INT, "ip_version": 6, "cidr": "2001:db8:1::/64",
                     "gateway_ip": "2001:db8:1::1", "ipv6_ra_mode": "slaac",
                     "ipv6_address_mode": "slaac"}]
        ports[0]["fixed_ips"].append({"subnet_id": "s-ext6", "ip_address": "2001:db8:ff::10"})
        ports[1]["fixed_ips"].append({"subnet_id": "s-int6", "ip_address": "2001:db8:1::1"})
    router = {"id": "r1", "external_gateway_info": {"network_id": EXT, "enable_snat": enable_snat},
              "gw_port": {"id": "gwport-0001"}, "_interfaces": [{"id": "ifport-0002"}],
              "routes": [{"destination": "192.168.9.0/24", "nexthop": "10.0.0.254"}]}
    fips = [{"id": "f1", "floating_ip_address": "172.24.4.20", "router_id": "r1",
             "fixed_ip_address": fixed, "port_id": "vm" if fixed else None},
            {"id": "f2", "floating_ip_address": "172.24.4.30", "router_id": "r1",
             "port_forwardings": forwardings or []}]
    return DesiredState.from_api(nets, ports, subnets=subnets, routers=[router], floatingips=fips)


def valid(script: str) -> bool:
    if shutil.which("nft") is None:
        pytest.skip("nft not installed (Debian: nftables)")
    done = subprocess.run(["nft", "-c", "-f", "-"], input=script, text=True, capture_output=True)
    assert done.returncode == 0, done.stderr
    return True


def test_desired_state_with_routers_survives_json():
    s = state(forwardings=[{"protocol": "tcp", "internal_ip_address": "10.0.0.6",
                            "internal_port_range": "8080:8082", "external_port_range": "80:82"}])
    assert DesiredState.from_json(to_json(s)) == s


def test_plan_has_the_devices_addresses_and_routes_of_the_router():
    plan = plan_routers(state(), HOST)["r1"]
    assert plan.namespace == "qrouter-r1"
    assert (plan.gateway.device, plan.gateway.tap) == ("qg-gwport-0001", "tapgwport-0001")
    # The floating IPs answer ARP on the gateway device.
    assert plan.gateway.addresses == (("172.24.4.10", 24), ("172.24.4.20", 32))
    assert [(d.device, d.addresses, d.mtu) for d in plan.interfaces] == [
        ("qr-ifport-0002", (("10.0.0.1", 24),), 1450)]
    assert plan.default_route == "172.24.4.1" and plan.routes == (("192.168.9.0/24", "10.0.0.254"),)


def test_snat_of_internal_subnets_only_when_enabled():
    with_snat = ruleset(plan_routers(state(), HOST)["r1"])
    assert 'oifname "qg-gwport-0001" ip saddr { 10.0.0.0/24 } snat ip to 172.24.4.10' in with_snat
    without = ruleset(plan_routers(state(enable_snat=False), HOST)["r1"])
    assert "snat ip to 172.24.4.10" not in without
    assert "ip saddr 10.0.0.5 oifname" in without  # the floating IP's own SNAT stays
    assert valid(with_snat) and valid(without)


def test_floating_ip_is_one_to_one_nat_and_gone_when_disassociated():
    table = ruleset(plan_routers(state(), HOST)["r1"])
    assert "ip daddr 172.24.4.20 dnat ip to 10.0.0.5" in table
    assert "ip saddr 10.0.0.5 oifname \"qg-gwport-0001\" snat ip to 172.24.4.20" in table
    bare = ruleset(plan_routers(state(fixed=None), HOST)["r1"])
    assert "172.24.4.20" not in bare and valid(bare)


def test_port_forwardings_single_and_ranges_one_to_one():
    table = ruleset(plan_routers(state(forwardings=[
        {"protocol": "tcp", "internal_ip_address": "10.0.0.6", "internal_port": 22,
         "external_port": 2222},
        {"protocol": "udp", "internal_ip_address": "10.0.0.7", "internal_port_range": "5000:5002",
         "external_port_range": "6000:6002"}]), HOST)["r1"])
    assert "ip daddr 172.24.4.30 tcp dport 2222 dnat ip to 10.0.0.6:22" in table
    assert ("ip daddr 172.24.4.30 udp dport 6000-6002 dnat ip to 10.0.0.7 : udp dport map "
            "{ 6000 : 5000, 6001 : 5001, 6002 : 5002 }") in table
    assert valid(table)


def test_table_is_replaced_whole_in_one_script():
    lines = ruleset(plan_routers(state(), HOST)["r1"]).splitlines()
    # (and the ip-family table an older agent wrote goes in the same transaction)
    assert lines[:5] == ["table inet neutrino", "delete table inet neutrino",
                         "table ip neutrino", "delete table ip neutrino", "table inet neutrino {"]


def test_interfaces_in_the_external_scope_leave_untranslated_others_are_guarded():
    table = ruleset(plan_routers(state(scopes={EXT: "s1", INT: "s1"}), HOST)["r1"])
    lines = [line.strip() for line in table.splitlines()]
    accept = 'meta nfproto ipv4 iifname { "qr-ifport-0002" } accept'
    snat = 'oifname "qg-gwport-0001" ip saddr { 10.0.0.0/24 } snat ip to 172.24.4.10'
    # The floating IP's own SNAT first, then the scope's pass, then the default SNAT.
    assert lines.index("ip saddr 10.0.0.5 oifname \"qg-gwport-0001\" snat ip to 172.24.4.20") \
        < lines.index(accept) < lines.index(snat)
    assert 'elements = { "qg-gwport-0001" . "qr-ifport-0002", "qr-ifport-0002" . "qg-gwport-0001" }' \
        in lines
    assert valid(table)
    other = ruleset(plan_routers(state(scopes={EXT: "s1", INT: "s2"}), HOST)["r1"])
    assert accept not in other and "elements" not in other.split("set scope6")[0]
    assert ('oifname "qr-*" meta nfproto ipv4 ct state new ct status & dnat == 0 '
            'iifname . oifname != @scope4 drop') in other
    assert valid(other)
    # No scope on either side: one "scope" for the guard (routed as Neutron does), SNAT kept.
    none = ruleset(plan_routers(state(), HOST)["r1"])
    assert accept not in none and snat in none and '"qg-gwport-0001" . "qr-ifport-0002"' in none


def test_ipv6_gateway_and_interfaces_routed_without_nat():
    plan = plan_routers(state(ipv6=True), HOST)["r1"]
    assert plan.ipv6 and plan.default_route6 == "2001:db8:ff::1"
    assert ("2001:db8:ff::10", 64) in plan.gateway.addresses
    [qr] = plan.interfaces
    assert ("2001:db8:1::1", 64) in qr.addresses and qr.ra_mode == "slaac"
    assert qr.ra_prefixes == ("2001:db8:1::/64",)
    table = ruleset(plan)
    assert "ip6" not in table.split("chain postrouting")[1].split("chain forward")[0]
    assert valid(table)


def test_a_router_whose_ports_are_elsewhere_has_no_devices():
    plan = plan_routers(state(), "other-host")["r1"]
    assert plan.gateway is None and plan.interfaces == () and plan.floating == ()


def test_radvd_advertises_the_prefixes_of_interfaces_whose_ra_mode_asks():
    from neutrino.agent.l3.radvd import config
    assert config(plan_routers(state(), HOST)["r1"]) == ""
    conf = config(plan_routers(state(ipv6=True), HOST)["r1"])
    assert conf.startswith("interface qr-ifport-0002 {") and "qg-" not in conf
    assert "AdvManagedFlag off;" in conf and "prefix 2001:db8:1::/64 {" in conf
    assert "AdvAutonomous on;" in conf and "AdvLinkMTU 1450;" in conf
