"""The agent's input survives the trip through the feed's JSON document."""

from neutrino.agent.desired import DesiredState, to_json
from neutrino.agent.topology import HostView, local_networks

NET = {"id": "n1", "provider:network_type": "vxlan", "provider:segmentation_id": 5, "mtu": 1450}
BOUND = {"id": "p1", "network_id": "n1", "mac_address": "FA:16:3E:00:00:01",
         "binding:host_id": "hostA", "device_owner": "compute:nova",
         "fixed_ips": [{"subnet_id": "s1", "ip_address": "10.0.0.5"}],
         "security_groups": ["g1"], "port_security_enabled": True,
         "allowed_address_pairs": [{"ip_address": "10.0.0.99"}],
         "extra_dhcp_opts": [{"opt_name": "mtu", "opt_value": 1400}]}
UNBOUND = {"id": "p2", "network_id": "n1", "mac_address": "fa:16:3e:00:00:02",
           "binding:host_id": "", "fixed_ips": [{"subnet_id": "s1", "ip_address": "10.0.0.6"}]}
SUBNET = {"id": "s1", "network_id": "n1", "ip_version": 4, "cidr": "10.0.0.0/24",
          "gateway_ip": "10.0.0.1", "dns_nameservers": ["10.0.0.53"],
          "host_routes": [{"destination": "192.168.0.0/24", "nexthop": "10.0.0.254"}]}
GROUP = {"id": "g1", "stateful": False, "security_group_rules": [
    {"id": "r1", "direction": "ingress", "ethertype": "IPv4", "protocol": "tcp",
     "port_range_min": 22, "port_range_max": 22, "remote_ip_prefix": None,
     "remote_group_id": "g1"}]}

LOG = {"id": "l1", "project_id": "pr1", "resource_type": "security_group", "resource_id": "g1",
       "target_id": "p1", "event": "DROP", "enabled": True, "name": "drops"}


def state() -> DesiredState:
    return DesiredState.from_api([NET], [BOUND, UNBOUND], {"hostA": "192.0.2.1"},
                                 subnets=[SUBNET], security_groups=[GROUP],
                                 security_group_members={"g1": ["10.0.0.5", "10.0.0.99"]},
                                 dhcp_networks=["n1"], logs=[LOG, {**LOG, "id": "l2",
                                                                   "enabled": False}])


def test_json_round_trip_keeps_every_field():
    original = state()
    assert DesiredState.from_json(to_json(original)) == original


def test_only_enabled_logs_are_desired():
    (log,) = state().logs
    assert (log.id, log.event, log.resource_id, log.target_id, log.project_id) == (
        "l1", "DROP", "g1", "p1", "pr1")


def test_port_fields_come_from_the_api_body():
    port = state().ports[0]
    assert port.mac_address == "fa:16:3e:00:00:01"
    assert port.allocations == (("s1", "10.0.0.5"),)
    # A pair without a MAC uses the port's own, as Neutron does.
    assert port.allowed_address_pairs == (("10.0.0.99", "fa:16:3e:00:00:01"),)
    assert port.extra_dhcp_opts == (("mtu", "1400", 4),)
    assert state().security_groups[0].rules[0].port_range_min == 22


def test_unbound_ports_are_kept_but_not_forwarded_to():
    desired = state()
    assert [p.id for p in desired.ports] == ["p1", "p2"]
    view = HostView(host="hostA", desired=desired, networks=local_networks(desired, "hostA"),
                    network_ids={"n1": 1})
    assert [p.id for p in view.ports("n1")] == ["p1"]


def test_network_mtu_comes_from_the_api_body_and_may_be_absent():
    assert state().networks[0].mtu == 1450
    bare = DesiredState.from_api([{k: v for k, v in NET.items() if k != "mtu"}], [])
    assert bare.networks[0].mtu is None
    assert DesiredState.from_json(to_json(bare)) == bare
