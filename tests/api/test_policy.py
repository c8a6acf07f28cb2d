"""Policy in code: secure-RBAC personas, attribute-level rules, 403 versus 404,
operator overrides in a policy file picked up without restart, and the
oslo.policy tooling that reads Neutrino's rules through entry points."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid

import pytest
import yaml

from tests.support.client import Client
from tests.support.server import ServerProcess

BIN = os.path.dirname(sys.executable)


def _reader(server, project: str) -> Client:
    return Client(server.url, project, "reader")


def test_reader_lists_and_shows_but_cannot_write(server, member, project_id):
    net = member.network()
    reader = _reader(server, project_id)
    listed = reader.get("/v2.0/networks").json["networks"]
    # Besides its own, a project sees what other tests shared or made external.
    assert [n["id"] for n in listed if n["project_id"] == project_id] == [net["id"]]
    assert all(n["shared"] or n["router:external"] for n in listed if n["id"] != net["id"])
    assert reader.get(f"/v2.0/networks/{net['id']}").status == 200
    denied = reader.post("/v2.0/networks", {"network": {"name": "x"}})
    assert denied.status == 403 and denied.error_type == "PolicyNotAuthorized"
    assert "create_network" in denied.error_message
    r = reader.put(f"/v2.0/networks/{net['id']}", {"network": {"name": "renamed"}})
    assert r.status == 403 and r.error_type == "PolicyNotAuthorized"
    assert reader.delete(f"/v2.0/networks/{net['id']}").status == 403
    assert member.get(f"/v2.0/networks/{net['id']}").json["network"]["name"] == net["name"]


def test_other_projects_resources_are_not_found_never_forbidden(server, member):
    net = member.network()
    port = member.port(net["id"])
    other = member.as_project(uuid.uuid4().hex)
    for path in (f"/v2.0/networks/{net['id']}", f"/v2.0/ports/{port['id']}"):
        assert other.get(path).status == 404
        assert other.put(path, {path.split("/")[2][:-1]: {"name": "x"}}).status == 404
        assert other.delete(path).status == 404
        assert other.get(path + "/tags").status == 404
        assert other.put(path + "/tags/x").status == 404
    assert member.get(f"/v2.0/ports/{port['id']}").json["port"]["tags"] == []


def test_member_naming_another_project_in_a_create_is_a_bad_request(member):
    # Neutron refuses this before any policy check: 400, not 403.
    before = member.get("/v2.0/networks").json["networks"]
    for body in ({"project_id": uuid.uuid4().hex}, {"tenant_id": uuid.uuid4().hex}):
        r = member.post("/v2.0/networks", {"network": body})
        assert r.status == 400 and r.error_type == "HTTPBadRequest", r
        assert "Specifying 'project_id' other than the authenticated project" in r.error_message
    assert member.get("/v2.0/networks").json["networks"] == before


def test_member_may_name_its_own_project_in_a_create(member, project_id):
    assert member.network(project_id=project_id)["project_id"] == project_id


def test_admin_creates_for_another_project(admin, member, project_id):
    net = admin.network(project_id=project_id)
    assert net["project_id"] == project_id
    assert net["id"] in [n["id"] for n in member.get("/v2.0/networks").json["networks"]]


def test_provider_attributes_are_admin_only_to_set_and_to_see(admin, member):
    before = admin.get("/v2.0/networks", params={"fields": "id"}).json["networks"]
    r = member.post("/v2.0/networks", {"network": {"provider:network_type": "vxlan"}})
    assert r.status == 403 and "create_network:provider:network_type" in r.error_message
    assert admin.get("/v2.0/networks", params={"fields": "id"}).json["networks"] == before
    net = member.network()
    assert "provider:network_type" not in net and "provider:segmentation_id" not in net
    shown = member.get(f"/v2.0/networks/{net['id']}").json["network"]
    assert "provider:network_type" not in shown and "router:external" in shown
    assert admin.get(f"/v2.0/networks/{net['id']}").json["network"]["provider:network_type"]
    only = member.get(f"/v2.0/networks/{net['id']}",
                      params={"fields": ["id", "provider:network_type"]}).json["network"]
    assert only == {"id": net["id"]}


def test_hidden_attributes_filter_and_sort_what_the_caller_sees_as_neutron_does(admin, member):
    """A member's filter on provider:* narrows its own list (Neutron applies such filters;
    Tempest's NetworksTestAdmin lists a project's networks by them); the values stay hidden."""
    net = member.network()
    network_type = admin.get(f"/v2.0/networks/{net['id']}").json["network"]["provider:network_type"]
    other = "vlan" if network_type != "vlan" else "vxlan"
    for value, expected in ((network_type, [net["id"]]), (other, [])):
        r = member.get("/v2.0/networks", params={"provider:network_type": value,
                                                  "id": net["id"]})
        assert r.status == 200, r
        assert [n["id"] for n in r.json["networks"]] == expected
        assert all("provider:network_type" not in n for n in r.json["networks"])
    r = member.get("/v2.0/ports", params={"binding:host_id": "h1", "network_id": net["id"]})
    assert r.status == 200 and r.json["ports"] == []


def test_member_may_not_see_or_set_port_binding_details(admin, member):
    net = member.network()
    port = member.port(net["id"], **{"binding:vnic_type": "normal"})
    for hidden in ("binding:vif_type", "binding:vif_details", "binding:host_id",
                   "binding:profile"):
        assert hidden not in port
    assert port["binding:vnic_type"] == "normal"
    r = member.post("/v2.0/ports", {"port": {"network_id": net["id"],
                                             "binding:host_id": "compute-1"}})
    assert r.status == 403 and "create_port:binding:host_id" in r.error_message
    r = member.put(f"/v2.0/ports/{port['id']}", {"port": {"binding:host_id": "compute-1"}})
    assert r.status == 403
    shown = admin.get(f"/v2.0/ports/{port['id']}").json["port"]
    assert shown["binding:host_id"] == "" and "binding:vif_type" in shown


def test_network_owner_rules_on_own_network(member):
    net = member.network()
    member.subnet(net["id"], "10.7.0.0/24")
    port = member.port(net["id"], mac_address="fa:16:3e:11:22:33",
                       fixed_ips=[{"ip_address": "10.7.0.50"}], device_owner="network:dhcp")
    assert port["mac_address"] == "fa:16:3e:11:22:33"
    r = member.put(f"/v2.0/ports/{port['id']}", {"port": {"mac_address": "fa:16:3e:11:22:34"}})
    assert r.status == 403 and "update_port:mac_address" in r.error_message


def test_default_false_values_need_no_privilege(member):
    net = member.create("networks", "network", **{"router:external": False})
    assert net["router:external"] is False
    r = member.post("/v2.0/networks", {"network": {"router:external": True}})
    assert r.status == 403 and "create_network:router:external" in r.error_message


def test_policy_file_overrides_one_rule_and_changes_take_effect_without_restart(tmp_path):
    policy_file = tmp_path / "policy.yaml"
    server = ServerProcess(extra_conf=f"[oslo_policy]\npolicy_file = {policy_file}\n").start()
    try:
        member = Client(server.url, uuid.uuid4().hex, "member,reader")
        assert member.post("/v2.0/networks", {"network": {}}).status == 201
        policy_file.write_text(yaml.safe_dump({"create_network": "role:admin"}))
        deadline = time.monotonic() + 10
        while member.post("/v2.0/networks", {"network": {}}).status != 403:
            assert time.monotonic() < deadline, "policy file change not picked up"
            time.sleep(0.2)
        # Only the named rule changed: the other defaults still apply.
        assert member.get("/v2.0/networks").json["networks"]  # (created while polling)
        assert Client(server.url).post("/v2.0/networks", {"network": {}}).status == 201
        time.sleep(1.1)  # a new modification time for the next write
        policy_file.write_text(yaml.safe_dump({"get_network": "role:admin"}))
        deadline = time.monotonic() + 10
        while member.get("/v2.0/networks").json["networks"]:
            assert time.monotonic() < deadline, "policy file change not picked up"
            time.sleep(0.2)
        assert member.post("/v2.0/networks", {"network": {}}).status == 201
    finally:
        server.stop()


def test_neutrino_policy_sample_documents_every_rule():
    out = subprocess.run([os.path.join(BIN, "neutrino"), "policy", "sample"],
                         capture_output=True, text=True, check=True).stdout
    for rule in ("create_network", "create_network:provider:network_type", "get_port",
                 "create_port:mac_address", "create_port:fixed_ips:ip_address",
                 "update_port:binding:host_id", "get_port:binding:vif_details",
                 "get_network_ip_availability", "delete_subnet"):
        assert f'#"{rule}":' in out, rule
    assert "# POST  /ports" in out


@pytest.mark.parametrize("tool", ["oslopolicy-sample-generator", "oslopolicy-policy-generator"])
def test_oslo_policy_tools_find_neutrino_through_entry_points(tool):
    out = subprocess.run([os.path.join(BIN, tool), "--namespace", "neutrino"],
                         capture_output=True, text=True, check=True).stdout
    assert '"update_port:mac_address"' in out


def test_service_user_acts_for_projects_as_nova_does(server, member, project_id):
    net = member.network()
    service = Client(server.url, "service-project-" + uuid.uuid4().hex[:6], "service")
    port = service.port(net["id"], project_id=project_id, device_owner="compute:nova",
                        **{"binding:host_id": "compute-1"})
    assert port["project_id"] == project_id and port["binding:host_id"] == "compute-1"
    assert port["binding:vif_type"] == "binding_failed"  # no agent on compute-1
    r = service.put(f"/v2.0/ports/{port['id']}", {"port": {"binding:host_id": "compute-2"}})
    assert r.status == 200 and r.json["port"]["binding:host_id"] == "compute-2"
    assert port["id"] in [p["id"] for p in member.get("/v2.0/ports").json["ports"]]
    denied = service.post("/v2.0/networks", {"network": {"project_id": project_id}})
    assert denied.status == 403
