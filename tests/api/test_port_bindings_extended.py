"""Multiple port bindings (alias ``binding-extended``): ``/v2.0/ports/{id}/bindings``
with Nova's live-migration order, its rollbacks, and the errors of the API."""
from __future__ import annotations

import uuid

import pytest

from tests.support.agents import new_host, register_ok
from tests.support.client import Client
from tests.support.databases import new_database
from tests.support.server import ServerProcess

COMPUTE = "compute:nova"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def quick(request, tmp_path_factory):
    url = new_database(request, tmp_path_factory.mktemp("bindings"), "bindings")
    server = ServerProcess(database_url=url).start()
    yield server
    server.stop()


@pytest.fixture
def admin(quick) -> Client:
    return Client(quick.url)


@pytest.fixture
def member(quick) -> Client:
    return Client(quick.url, uuid.uuid4().hex, "member,reader")


def compute_port(client: Client, **attrs) -> dict:
    net = client.post("/v2.0/networks", json={"network": {}}).json["network"]
    assert client.post("/v2.0/subnets", json={"subnet": {
        "network_id": net["id"], "cidr": "10.60.0.0/24", "ip_version": 4}}).status == 201
    r = client.post("/v2.0/ports", json={"port": {
        "network_id": net["id"], "device_owner": COMPUTE, "device_id": str(uuid.uuid4()),
        **attrs}})
    assert r.status == 201, r
    return r.json["port"]


def hosts(admin: Client, count: int = 2) -> list[str]:
    out = [new_host() for _ in range(count)]
    for host in out:
        register_ok(admin, host)
    return out


def bindings(admin: Client, port_id: str, query: str = "") -> list[dict]:
    r = admin.get(f"/v2.0/ports/{port_id}/bindings{query}")
    assert r.status == 200, r
    return r.json["bindings"]


def create(admin: Client, port_id: str, host: str, **attrs):
    return admin.post(f"/v2.0/ports/{port_id}/bindings",
                      json={"binding": {"host": host, **attrs}})


def activate(admin: Client, port_id: str, host: str):
    return admin.put(f"/v2.0/ports/{port_id}/bindings/{host}/activate")


def port(admin: Client, port_id: str) -> dict:
    return admin.get(f"/v2.0/ports/{port_id}").json["port"]


def test_unbound_compute_port_lists_one_active_binding_without_host(admin):
    p = compute_port(admin)
    assert bindings(admin, p["id"]) == [{"host": "", "vnic_type": "normal", "profile": {},
                                         "vif_type": "unbound", "vif_details": {},
                                         "status": "ACTIVE"}]


def test_first_binding_of_an_unbound_port_is_active_and_is_the_ports(admin):
    [source] = hosts(admin, 1)
    p = compute_port(admin)
    r = create(admin, p["id"], source)
    assert r.status == 201, r
    assert r.json["binding"]["status"] == "ACTIVE" and r.json["binding"]["vif_type"] == "ovs"
    shown = port(admin, p["id"])
    assert shown["binding:host_id"] == source and shown["binding:vif_type"] == "ovs"


def test_live_migration_in_novas_order(admin):
    source, dest = hosts(admin)
    p = compute_port(admin, **{"binding:host_id": source})
    # pre_live_migration: an inactive binding on the destination
    r = create(admin, p["id"], dest, profile={"migrating_to": dest})
    assert r.status == 201, r
    assert r.json["binding"] == {"host": dest, "vnic_type": "normal",
                                 "profile": {"migrating_to": dest}, "vif_type": "ovs",
                                 "vif_details": port(admin, p["id"])["binding:vif_details"],
                                 "status": "INACTIVE"}
    before = port(admin, p["id"])
    assert before["binding:host_id"] == source  # the port still is the source's
    assert {b["host"]: b["status"] for b in bindings(admin, p["id"])} == {
        source: "ACTIVE", dest: "INACTIVE"}
    # post_live_migration: activate the destination, delete the source
    r = activate(admin, p["id"], dest)
    assert r.status == 200 and r.json["binding"]["status"] == "ACTIVE", r
    after = port(admin, p["id"])
    assert after["binding:host_id"] == dest and after["binding:profile"] == {"migrating_to": dest}
    assert after["status"] == "DOWN" and after["revision_number"] > before["revision_number"]
    assert {b["host"]: b["status"] for b in bindings(admin, p["id"])} == {
        source: "INACTIVE", dest: "ACTIVE"}
    assert admin.delete(f"/v2.0/ports/{p['id']}/bindings/{source}").status == 204
    assert [b["host"] for b in bindings(admin, p["id"])] == [dest]


def test_rollback_before_activation_deletes_the_inactive_binding(admin):
    source, dest = hosts(admin)
    p = compute_port(admin, **{"binding:host_id": source})
    assert create(admin, p["id"], dest).status == 201
    assert admin.delete(f"/v2.0/ports/{p['id']}/bindings/{dest}").status == 204
    assert [(b["host"], b["status"]) for b in bindings(admin, p["id"])] == [(source, "ACTIVE")]
    assert port(admin, p["id"])["binding:host_id"] == source


def test_rollback_after_activation_activates_the_source_again(admin):
    source, dest = hosts(admin)
    p = compute_port(admin, **{"binding:host_id": source})
    assert create(admin, p["id"], dest).status == 201
    assert activate(admin, p["id"], dest).status == 200
    r = activate(admin, p["id"], source)
    assert r.status == 200 and r.json["binding"]["host"] == source, r
    assert admin.delete(f"/v2.0/ports/{p['id']}/bindings/{dest}").status == 204
    shown = port(admin, p["id"])
    assert shown["binding:host_id"] == source and shown["binding:vif_type"] == "ovs"
    assert [(b["host"], b["status"]) for b in bindings(admin, p["id"])] == [(source, "ACTIVE")]


def test_show_and_filters(admin):
    source, dest = hosts(admin)
    p = compute_port(admin, **{"binding:host_id": source})
    assert create(admin, p["id"], dest).status == 201
    r = admin.get(f"/v2.0/ports/{p['id']}/bindings/{dest}")
    assert r.status == 200 and r.json["binding"]["status"] == "INACTIVE", r
    assert [b["host"] for b in bindings(admin, p["id"], "?status=INACTIVE")] == [dest]
    assert [b["host"] for b in bindings(admin, p["id"], f"?host={source}")] == [source]
    assert bindings(admin, p["id"], "?vif_type=binding_failed") == []
    assert bindings(admin, p["id"], "?fields=host&status=ACTIVE") == [{"host": source}]
    r = admin.get(f"/v2.0/ports/{p['id']}/bindings?colour=red")
    assert r.status == 400 and r.error_type == "HTTPBadRequest", r


def test_update_of_an_inactive_binding_changes_it_only(admin):
    source, dest = hosts(admin)
    p = compute_port(admin, **{"binding:host_id": source})
    assert create(admin, p["id"], dest).status == 201
    r = admin.put(f"/v2.0/ports/{p['id']}/bindings/{dest}",
                  json={"binding": {"profile": {"k": "v"}}})
    assert r.status == 200 and r.json["binding"]["profile"] == {"k": "v"}, r
    assert r.json["binding"]["status"] == "INACTIVE"
    assert port(admin, p["id"])["binding:profile"] == {}


def test_update_of_the_active_binding_updates_the_port(admin):
    [source] = hosts(admin, 1)
    p = compute_port(admin, **{"binding:host_id": source})
    r = admin.put(f"/v2.0/ports/{p['id']}/bindings/{source}",
                  json={"binding": {"profile": {"k": "v"}}})
    assert r.status == 200 and r.json["binding"]["status"] == "ACTIVE", r
    assert port(admin, p["id"])["binding:profile"] == {"k": "v"}


def test_deleting_the_active_binding_unbinds_the_port(admin):
    [source] = hosts(admin, 1)
    p = compute_port(admin, **{"binding:host_id": source})
    assert admin.delete(f"/v2.0/ports/{p['id']}/bindings/{source}").status == 204
    shown = port(admin, p["id"])
    assert shown["binding:host_id"] == "" and shown["binding:vif_type"] == "unbound"


def test_deleting_the_port_takes_its_inactive_bindings(admin):
    source, dest = hosts(admin)
    p = compute_port(admin, **{"binding:host_id": source})
    assert create(admin, p["id"], dest).status == 201
    assert admin.delete(f"/v2.0/ports/{p['id']}").status == 204
    r = admin.get(f"/v2.0/ports/{p['id']}/bindings")
    assert r.status == 404 and r.error_type == "PortNotFound", r


# ---- errors --------------------------------------------------------------------
def test_binding_twice_on_a_host_is_409_already_exists(admin):
    source, dest = hosts(admin)
    p = compute_port(admin, **{"binding:host_id": source})
    for host in (source, dest):
        if host == dest:
            assert create(admin, p["id"], dest).status == 201
        r = create(admin, p["id"], host)
        assert r.status == 409 and r.error_type == "PortBindingAlreadyExists", r
    assert len(bindings(admin, p["id"])) == 2


def test_activating_the_active_binding_is_409_already_active(admin):
    [source] = hosts(admin, 1)
    p = compute_port(admin, **{"binding:host_id": source})
    r = activate(admin, p["id"], source)
    assert r.status == 409 and r.error_type == "PortBindingAlreadyActive", r


def test_activating_without_a_binding_on_the_host_is_404(admin):
    [source] = hosts(admin, 1)
    p = compute_port(admin, **{"binding:host_id": source})
    r = activate(admin, p["id"], new_host())
    assert r.status == 404 and r.error_type == "PortBindingNotFound", r
    assert port(admin, p["id"])["binding:host_id"] == source


def test_unknown_binding_is_404_port_binding_not_found(admin):
    p = compute_port(admin)
    r = admin.get(f"/v2.0/ports/{p['id']}/bindings/{new_host()}")
    assert r.status == 404 and r.error_type == "PortBindingNotFound", r
    r = admin.put(f"/v2.0/ports/{p['id']}/bindings/{new_host()}",
                  json={"binding": {"vnic_type": "normal"}})
    assert r.status == 404 and r.error_type == "PortBindingNotFound", r
    # Deleting a binding that does not exist changes nothing.
    assert admin.delete(f"/v2.0/ports/{p['id']}/bindings/{new_host()}").status == 204


def test_bindings_of_an_unknown_port_are_404(admin):
    for r in (admin.get(f"/v2.0/ports/{uuid.uuid4()}/bindings"),
              create(admin, str(uuid.uuid4()), new_host()),
              activate(admin, str(uuid.uuid4()), new_host())):
        assert r.status == 404 and r.error_type == "PortNotFound", r


def test_binding_a_port_that_is_not_a_compute_port_is_400(admin):
    net = admin.post("/v2.0/networks", json={"network": {}}).json["network"]
    p = admin.post("/v2.0/ports", json={"port": {"network_id": net["id"]}}).json["port"]
    r = create(admin, p["id"], hosts(admin, 1)[0])
    assert r.status == 400 and r.error_type == "BadRequest", r
    assert port(admin, p["id"])["binding:host_id"] == ""


def test_binding_on_a_host_no_driver_can_bind_is_refused(admin):
    [source] = hosts(admin, 1)
    p = compute_port(admin, **{"binding:host_id": source})
    r = create(admin, p["id"], "host-without-agents-" + uuid.uuid4().hex[:6])
    assert r.status == 409 and r.error_type == "PortBindingError", r
    assert len(bindings(admin, p["id"])) == 1


@pytest.mark.parametrize("payload", [
    {}, {"binding": {}}, {"binding": {"host": 5}}, {"binding": {"host": "h", "colour": "red"}},
    {"binding": {"host": "h", "vnic_type": "warp"}}, {"binding": {"host": "h", "profile": 3}},
    {"binding": "h"}, {"bindings": {"host": "h"}}, {"binding": {"host": "x" * 256}},
])
def test_bad_create_bodies_are_400(admin, payload):
    p = compute_port(admin)
    r = admin.post(f"/v2.0/ports/{p['id']}/bindings", json=payload)
    assert r.status == 400 and r.error_type == "HTTPBadRequest", r
    assert len(bindings(admin, p["id"])) == 1


@pytest.mark.parametrize("payload", [{}, {"binding": {"host": "other"}},
                                     {"binding": {"vnic_type": "warp"}}, {"binding": []}])
def test_bad_update_bodies_are_400(admin, payload):
    source, dest = hosts(admin)
    p = compute_port(admin, **{"binding:host_id": source})
    assert create(admin, p["id"], dest).status == 201
    r = admin.put(f"/v2.0/ports/{p['id']}/bindings/{dest}", json=payload)
    assert r.status == 400 and r.error_type == "HTTPBadRequest", r


def test_bindings_are_for_admins(admin, member):
    p = compute_port(member)
    host = hosts(admin, 1)[0]
    for r in (member.get(f"/v2.0/ports/{p['id']}/bindings"), create(member, p["id"], host),
              activate(member, p["id"], host),
              member.delete(f"/v2.0/ports/{p['id']}/bindings/{host}")):
        assert r.status == 403 and r.error_type == "PolicyNotAuthorized", r
    other = Client(member.base, uuid.uuid4().hex, "member,reader")
    r = other.get(f"/v2.0/ports/{p['id']}/bindings")
    assert r.status == 404 and r.error_type == "PortNotFound", r


def test_port_update_to_a_host_with_an_inactive_binding_leaves_one_binding_there(admin):
    source, dest = hosts(admin)
    p = compute_port(admin, **{"binding:host_id": source})
    assert create(admin, p["id"], dest).status == 201
    r = admin.put(f"/v2.0/ports/{p['id']}", json={"port": {"binding:host_id": dest}})
    assert r.status == 200, r
    assert [(b["host"], b["status"]) for b in bindings(admin, p["id"])] == [(dest, "ACTIVE")]
