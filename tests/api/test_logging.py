"""Packet logs over HTTP (logging): /v2.0/log/logs and /v2.0/log/loggable-resources —
every operation, each refusal with Neutron's error type and nothing stored, admins
only, logs going with the security group, port or router they name."""
from __future__ import annotations

import uuid

import pytest

from tests.support.agents import new_host, register_ok
from tests.support.client import Client
from tests.support.databases import new_database
from tests.support.server import ServerProcess

LOGS = "/v2.0/log/logs"
TYPES = "/v2.0/log/loggable-resources"


def create(client: Client, **attrs) -> dict:
    attrs.setdefault("name", "log-" + uuid.uuid4().hex[:8])
    attrs.setdefault("resource_type", "security_group")
    r = client.post(LOGS, {"log": attrs})
    assert r.status == 201, r
    return r.json["log"]


def refused(client: Client, status: int, error_type: str, **attrs) -> None:
    """The create is refused with ``status`` / ``error_type`` and stores no log."""
    before = sorted(x["id"] for x in client.get(LOGS).json["logs"])
    r = client.post(LOGS, {"log": attrs})
    assert (r.status, r.error_type) == (status, error_type), r
    assert sorted(x["id"] for x in client.get(LOGS).json["logs"]) == before


def group(client: Client) -> dict:
    return client.create("security-groups", "security_group", name="g-" + uuid.uuid4().hex[:6])


def bound_port(admin: Client, **attrs) -> dict:
    """A port bound by the openvswitch driver on a host with a live agent."""
    host = new_host()
    register_ok(admin, host)
    net = admin.network()
    admin.subnet(net["id"], "10.40.0.0/24")
    port = admin.port(net["id"], **{"binding:host_id": host}, **attrs)
    assert port["binding:vif_type"] == "ovs", port
    return port


def test_logging_is_advertised_and_lists_security_group(admin):
    aliases = {e["alias"] for e in admin.get("/v2.0/extensions").json["extensions"]}
    assert "logging" in aliases
    r = admin.get(TYPES)
    assert r.status == 200, r
    assert r.json == {"loggable_resources": [{"type": "security_group"}, {"type": "snat"}]}


def test_create_shows_every_attribute_with_its_default(admin):
    log = create(admin, name="all-sgs")
    assert log["resource_type"] == "security_group" and log["event"] == "ALL"
    assert log["resource_id"] is None and log["target_id"] is None
    assert log["enabled"] is True and log["description"] == "" and log["name"] == "all-sgs"
    assert log["revision_number"] == 0 and log["project_id"] == log["tenant_id"]
    assert {"id", "created_at", "updated_at"} <= set(log)
    assert admin.show("log/logs", log["id"]) == log


def test_lifecycle_of_a_log_on_one_group(admin):
    sg = group(admin)
    log = create(admin, resource_id=sg["id"], event="DROP", description="drops",
                 enabled=False)
    assert (log["resource_id"], log["event"], log["enabled"]) == (sg["id"], "DROP", False)
    assert log["id"] in [x["id"] for x in admin.get(LOGS).json["logs"]]
    r = admin.put(f"{LOGS}/{log['id']}", {"log": {"enabled": True, "name": "n2",
                                                   "description": "d2"}})
    assert r.status == 200, r
    up = r.json["log"]
    assert (up["enabled"], up["name"], up["description"]) == (True, "n2", "d2")
    assert up["revision_number"] == log["revision_number"] + 1
    assert admin.show("log/logs", log["id"]) == up
    assert admin.delete(f"{LOGS}/{log['id']}").status == 204
    r = admin.get(f"{LOGS}/{log['id']}")
    assert (r.status, r.error_type) == (404, "LogResourceNotFound")
    for method in ("put", "delete"):
        r = admin.request(method.upper(), f"{LOGS}/{log['id']}",
                          json={"log": {"name": "x"}} if method == "put" else None)
        assert (r.status, r.error_type) == (404, "LogResourceNotFound"), r


def test_list_filters_on_its_attributes(admin):
    sg = group(admin)
    a = create(admin, resource_id=sg["id"], event="ACCEPT")
    b = create(admin, resource_id=sg["id"], event="DROP", enabled=False)
    def ids(query: str) -> set[str]:
        r = admin.get(f"{LOGS}?resource_id={sg['id']}&{query}")
        assert r.status == 200, r
        return {x["id"] for x in r.json["logs"]}
    assert ids("event=ACCEPT") == {a["id"]}
    assert ids("enabled=false") == {b["id"]}
    assert ids("resource_type=security_group") == {a["id"], b["id"]}
    assert ids(f"name={b['name']}") == {b["id"]}
    assert ids("sort_key=name&sort_dir=asc") == {a["id"], b["id"]}


@pytest.mark.parametrize("attrs, error", [
    ({"resource_type": "fake_resource"}, "InvalidLogResourceType"),
    ({"resource_type": "firewall_group", "resource_id": str(uuid.uuid4())},
     "InvalidLogResourceType"),
    ({"resource_type": "security_group", "event": "REJECT"}, "HTTPBadRequest"),
    ({"resource_type": "security_group", "resource_id": "not-a-uuid"}, "HTTPBadRequest"),
    ({"resource_type": "security_group", "target_id": "nope"}, "HTTPBadRequest"),
    ({"resource_type": "security_group", "enabled": "maybe"}, "HTTPBadRequest"),
    ({"resource_type": "security_group", "name": "x" * 256}, "HTTPBadRequest"),
    ({"resource_type": "security_group", "description": "x" * 256}, "HTTPBadRequest"),
    ({"name": "no type"}, "HTTPBadRequest"),
    ({"resource_type": 7}, "HTTPBadRequest"),
])
def test_bad_attributes_are_400_and_store_nothing(admin, attrs, error):
    refused(admin, 400, error, **attrs)


def test_missing_group_or_port_is_404(admin):
    refused(admin, 404, "ResourceNotFound", resource_type="security_group",
            resource_id=str(uuid.uuid4()))
    refused(admin, 404, "TargetResourceNotFound", resource_type="security_group",
            target_id=str(uuid.uuid4()))


def test_port_not_bound_by_a_logging_driver_is_409(admin):
    net = admin.network()
    port = admin.port(net["id"])
    assert port["binding:vif_type"] == "unbound"
    refused(admin, 409, "LoggingTypeNotSupported", resource_type="security_group",
            target_id=port["id"])


def test_log_on_a_bound_port_and_its_group(admin):
    port = bound_port(admin)
    sg_id = port["security_groups"][0]
    log = create(admin, target_id=port["id"])
    assert log["target_id"] == port["id"] and log["resource_id"] is None
    both = create(admin, target_id=port["id"], resource_id=sg_id)
    assert (both["resource_id"], both["target_id"]) == (sg_id, port["id"])
    other = group(admin)
    refused(admin, 400, "InvalidResourceConstraint", resource_type="security_group",
            resource_id=other["id"], target_id=port["id"])


def test_only_name_description_enabled_are_updatable(admin):
    sg = group(admin)
    log = create(admin)
    for attrs in ({"event": "DROP"}, {"resource_id": sg["id"]}, {"target_id": None},
                  {"resource_type": "snat"}, {"enabled": "maybe"}, {"name": "x" * 256}):
        r = admin.put(f"{LOGS}/{log['id']}", {"log": attrs})
        assert (r.status, r.error_type) == (400, "HTTPBadRequest"), (attrs, r)
    assert admin.show("log/logs", log["id"]) == log


def test_deleting_the_group_deletes_its_logs(admin):
    sg = group(admin)
    mine = create(admin, resource_id=sg["id"])
    everyone = create(admin)
    assert admin.delete(f"/v2.0/security-groups/{sg['id']}").status == 204
    assert admin.get(f"{LOGS}/{mine['id']}").error_type == "LogResourceNotFound"
    assert admin.show("log/logs", everyone["id"]) == everyone


def test_deleting_the_port_deletes_its_logs(admin):
    port = bound_port(admin)
    log = create(admin, target_id=port["id"])
    assert admin.delete(f"/v2.0/ports/{port['id']}").status == 204
    assert admin.get(f"{LOGS}/{log['id']}").error_type == "LogResourceNotFound"


def test_a_group_in_use_is_not_deleted_and_keeps_its_logs(admin):
    port = bound_port(admin)
    sg = group(admin)
    admin.put(f"/v2.0/ports/{port['id']}", {"port": {"security_groups": [sg["id"]]}})
    log = create(admin, resource_id=sg["id"], target_id=port["id"])
    r = admin.delete(f"/v2.0/security-groups/{sg['id']}")
    assert r.status == 409, r
    assert admin.show("log/logs", log["id"]) == log


def test_non_admins_see_nothing_and_cannot_create(admin, member):
    log = create(admin)
    r = member.post(LOGS, {"log": {"resource_type": "security_group"}})
    assert (r.status, r.error_type) == (403, "PolicyNotAuthorized"), r
    assert member.get(LOGS).json["logs"] == []
    assert member.get(f"{LOGS}/{log['id']}").status == 404
    assert member.put(f"{LOGS}/{log['id']}", {"log": {"enabled": False}}).status == 404
    assert member.delete(f"{LOGS}/{log['id']}").status == 404
    assert admin.show("log/logs", log["id"]) == log
    assert member.get(TYPES).json["loggable_resources"] == []


# ---- snat, on a server whose data plane declares it --------------------------------
@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def snat_server(tmp_path_factory, request):
    url = new_database(request, tmp_path_factory.mktemp("logsnat"), "logsnat")
    server = ServerProcess(database_url=url, extra_conf=(
        "[network_log]\nresource_types = security_group,snat\n")).start()
    yield server
    server.stop()


@pytest.fixture
def snat_admin(snat_server) -> Client:
    return Client(snat_server.url)


def router(admin: Client, gateway: bool = True, enable_snat: bool = True) -> dict:
    attrs: dict = {"name": "r-" + uuid.uuid4().hex[:6]}
    if gateway:
        ext = admin.network(**{"router:external": True})
        admin.subnet(ext["id"], "198.51.100.0/24")
        attrs["external_gateway_info"] = {"network_id": ext["id"], "enable_snat": enable_snat}
    return admin.create("routers", "router", **attrs)


def test_snat_is_listed_when_declared(snat_admin):
    assert snat_admin.get(TYPES).json["loggable_resources"] == [
        {"type": "security_group"}, {"type": "snat"}]


def test_snat_log_of_a_router(snat_admin):
    r = router(snat_admin)
    log = create(snat_admin, resource_type="snat", resource_id=r["id"])
    assert (log["resource_type"], log["resource_id"], log["event"]) == ("snat", r["id"], "ALL")
    assert snat_admin.delete(f"/v2.0/routers/{r['id']}").status == 204
    assert snat_admin.get(f"{LOGS}/{log['id']}").error_type == "LogResourceNotFound"


def test_snat_refusals_are_400_or_404_in_neutrons_order(snat_admin):
    r = router(snat_admin)
    refused(snat_admin, 400, "ResourceIdNotSpecified", resource_type="snat")
    refused(snat_admin, 400, "ResourceIdNotSpecified", resource_type="snat", event="ACCEPT")
    refused(snat_admin, 400, "EventsDisabled", resource_type="snat", event="ACCEPT",
            resource_id=r["id"])
    refused(snat_admin, 400, "EventsDisabled", resource_type="snat", event="DROP",
            resource_id=str(uuid.uuid4()))
    refused(snat_admin, 400, "TargetIdNotUsed", resource_type="snat", resource_id=r["id"],
            target_id=str(uuid.uuid4()))
    refused(snat_admin, 404, "ResourceNotFound", resource_type="snat",
            resource_id=str(uuid.uuid4()))
    refused(snat_admin, 400, "RouterNotEnabledSnat", resource_type="snat",
            resource_id=router(snat_admin, enable_snat=False)["id"])
    refused(snat_admin, 400, "RouterGatewayNotSet", resource_type="snat",
            resource_id=router(snat_admin, gateway=False)["id"])


def test_openapi_documents_the_logging_calls(admin):
    doc = admin.get("/openapi.json").json
    paths = doc["paths"]
    assert {"get", "post"} <= set(paths["/v2.0/log/logs"])
    assert {"get", "put", "delete"} <= set(paths["/v2.0/log/logs/{id}"])
    assert "get" in paths["/v2.0/log/loggable-resources"]
    assert "post" not in paths["/v2.0/log/loggable-resources"]
    create = doc["components"]["schemas"]["LogCreate"]["properties"]
    assert create["event"]["enum"] == ["ACCEPT", "DROP", "ALL"]
    assert {"name", "description", "resource_type", "resource_id", "target_id",
            "enabled"} <= set(create)
