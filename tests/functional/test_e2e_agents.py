"""End to end: the API makes the network, the agents wire it, VMs on two hosts talk.

`neutrino serve` and one `neutrino agent` process per simulated host (its own
namespace and Open vSwitch); every resource made through openstacksdk; VMs
plugged the way Nova's os-vif does. What a user observes: ports bound and
ACTIVE, pings across hosts, `/v2.0/agents` alive, then dead once killed.
"""

from __future__ import annotations

import uuid

import pytest

from neutrino.agent.topology import tunnel_port_name
from tests.support.waiting import wait_for

from .cloud import AGENT_DOWN_TIME, Cloud

pytestmark = [pytest.mark.dataplane, pytest.mark.xdist_group("e2e-agents")]


def allow_ping(cloud: Cloud) -> object:
    """A security group that lets ICMP in (egress is open by default), as a user makes one."""
    group = cloud.sdk.network.create_security_group(name=f"ping-{uuid.uuid4().hex[:6]}")
    cloud.sdk.network.create_security_group_rule(
        security_group_id=group.id, direction="ingress", ethertype="IPv4", protocol="icmp")
    return group


def test_both_agents_are_listed_alive_with_their_configuration(cloud: Cloud) -> None:
    records = cloud.agent_records()
    assert sorted(records) == ["host-a", "host-b"]
    for host in cloud.hosts:
        record = records[host.name]
        assert record.is_alive is True
        assert record.binary == "neutron-openvswitch-agent"
        assert record.agent_type == "Open vSwitch agent"
        config = record.configuration
        assert config["tunneling_ip"] == host.tunnel_ip
        assert config["bridge_mappings"] == {"physnet1": "br-phys"}
        assert sorted(config["tunnel_types"]) == ["geneve", "vxlan"]
        assert config["integration_bridge"] == "br-int"
    # [agent] dhcp = true: each host also registered a DHCP agent.
    dhcp = {a.host: a for a in cloud.sdk.network.agents(agent_type="DHCP agent")}
    assert sorted(dhcp) == ["host-a", "host-b"]
    assert all(a.binary == "neutron-dhcp-agent" and a.is_alive for a in dhcp.values())


def test_vms_on_two_hosts_ping_over_a_tenant_vxlan_network_and_ports_become_active(
        cloud: Cloud) -> None:
    sdk = cloud.sdk
    net = sdk.network.create_network(name="e2e-tenant")
    assert net.provider_network_type == "vxlan"
    subnet = sdk.network.create_subnet(
        network_id=net.id, ip_version=4, cidr="10.20.1.0/24", dns_nameservers=["10.20.1.53"],
        host_routes=[{"destination": "192.168.50.0/24", "nexthop": "10.20.1.254"}])
    group = allow_ping(cloud)
    host_a, host_b = cloud.hosts
    port_a, vm_a = cloud.boot(host_a, net, security_group_ids=[group.id])
    port_b, vm_b = cloud.boot(host_b, net, security_group_ids=[group.id])
    assert port_a.binding_vif_type == "ovs"
    assert port_a.binding_host_id == "host-a"
    # Each VM's DHCP client got what the API shows: its address, the gateway, routes, DNS.
    for port in (port_a, port_b):
        lease = cloud.leases[port.id]
        assert lease.address == port.fixed_ips[0]["ip_address"]
        assert lease.prefixlen == 24
        assert lease.gateway == subnet.gateway_ip
        assert ("192.168.50.0/24", "10.20.1.254") in lease.routes
        assert lease.dns == ["10.20.1.53"]

    assert cloud.wait_status(port_a, "ACTIVE").status == "ACTIVE"
    assert cloud.wait_status(port_b, "ACTIVE").status == "ACTIVE"
    assert vm_a.reaches(vm_b.ip, tries=30)
    assert vm_b.reaches(vm_a.ip, tries=30)
    # The wire carries them in VXLAN between the two hosts' tunnel endpoints.
    assert tunnel_port_name("vxlan", host_b.tunnel_ip) in host_a.vsctl("list-ports", "br-int").split()


def test_vms_on_two_hosts_ping_over_a_vlan_provider_network(cloud: Cloud) -> None:
    sdk = cloud.sdk
    net = sdk.network.create_network(name="e2e-vlan", provider_network_type="vlan",
                                     provider_physical_network="physnet1",
                                     provider_segmentation_id=1234)
    sdk.network.create_subnet(network_id=net.id, ip_version=4, cidr="10.20.2.0/24")
    group = allow_ping(cloud)
    host_a, host_b = cloud.hosts
    port_a, vm_a = cloud.boot(host_a, net, security_group_ids=[group.id])
    port_b, vm_b = cloud.boot(host_b, net, security_group_ids=[group.id])
    cloud.wait_status(port_a, "ACTIVE")
    cloud.wait_status(port_b, "ACTIVE")
    assert vm_a.reaches(vm_b.ip, tries=30)
    # The agents report how many devices they wired.
    assert wait_for(lambda: cloud.agent_records()["host-a"].configuration["devices"] >= 1, 10)


def test_an_unplugged_vm_port_goes_down_and_comes_back_active_when_replugged(cloud: Cloud) -> None:
    sdk = cloud.sdk
    net = sdk.network.create_network(name="e2e-unplug")
    sdk.network.create_subnet(network_id=net.id, ip_version=4, cidr="10.20.3.0/24")
    host_a = cloud.hosts[0]
    port, vm = cloud.boot(host_a, net)
    cloud.wait_status(port, "ACTIVE")
    cloud.bed.unplug_vm(host_a, vm)
    cloud.wait_status(port, "DOWN")
    host_a.vsctl("add-port", "br-int", vm.tap, "--", "set", "interface", vm.tap,
                 f"external_ids:iface-id={port.id}", f"external_ids:attached-mac={vm.mac}",
                 "external_ids:iface-status=active")
    cloud.wait_status(port, "ACTIVE")


def test_a_killed_agent_is_shown_dead_and_alive_again_once_restarted(cloud: Cloud) -> None:
    host_b = cloud.hosts[1]
    cloud.agents[host_b.name].kill()
    dead = cloud.wait_alive(host_b, alive=False, timeout=AGENT_DOWN_TIME * 5)
    assert dead.is_alive is False
    assert cloud.agent_records()["host-a"].is_alive is True

    cloud.start_agent(host_b).wait_synced()
    assert cloud.wait_alive(host_b).is_alive is True
