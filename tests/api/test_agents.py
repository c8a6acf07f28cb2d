"""/v2.0/agents as Neutron serves it, and the registrations behind it
(/feed/v1/agents): admin only, read mostly, alive from agent_down_time."""
from __future__ import annotations

import re
import time
import uuid

import pytest

from neutrino.db import journal
from neutrino.db.engine import Database
from tests.support.agents import DHCP, OVS, new_host, ovs_configurations, register, register_ok
from tests.support.client import Client
from tests.support.databases import new_database
from tests.support.server import ServerProcess
from tests.support.waiting import wait_for

DOWN_TIME = 3  # seconds: short, so that an agent dies within a test


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def quick(request, tmp_path_factory):
    """A server whose agents die DOWN_TIME seconds after their last heartbeat, and the
    database it writes (to read its journal)."""
    url = new_database(request, tmp_path_factory.mktemp("agents"), "agents")
    server = ServerProcess(database_url=url, extra_conf=(
        f"agent_down_time = {DOWN_TIME}\nagent_check_interval = 1")).start()
    db = Database(url)
    yield server, db
    db.dispose()
    server.stop()


@pytest.fixture
def admin(quick) -> Client:
    return Client(quick[0].url)


@pytest.fixture
def member(quick) -> Client:
    return Client(quick[0].url, uuid.uuid4().hex, "member,reader")


def agent_rows(db: Database, agent_id: str) -> list[dict]:
    with db.reader() as conn:
        rows, _ = journal.read_since(conn, journal.Cursor(), limit=10**9)
    return [r for r in rows if r["resource_type"] == "agent" and r["resource_id"] == agent_id]


NEUTRON_TIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")


def test_registered_agent_is_listed_as_neutron_shows_it(admin):
    host = new_host()
    agent = register_ok(admin, host, start_flag=True)
    listed = [a for a in admin.get("/v2.0/agents").json["agents"] if a["host"] == host]
    assert listed == [agent]
    assert agent["agent_type"] == OVS and agent["binary"] == "neutron-openvswitch-agent"
    assert agent["topic"] == "N/A" and agent["alive"] is True and agent["admin_state_up"] is True
    assert agent["configurations"] == ovs_configurations()
    assert agent["description"] == "" and agent["availability_zone"] is None
    for key in ("created_at", "started_at", "heartbeat_timestamp"):
        assert NEUTRON_TIME.match(agent[key]), agent[key]
    assert admin.get(f"/v2.0/agents/{agent['id']}").json == {"agent": agent}


def test_heartbeat_keeps_the_id_and_moves_only_the_heartbeat(admin):
    host = new_host()
    first = register_ok(admin, host, start_flag=True)
    time.sleep(1.1)
    again = register_ok(admin, host)
    assert again["id"] == first["id"]
    assert again["started_at"] == first["started_at"] == again["created_at"]
    assert again["heartbeat_timestamp"] > first["heartbeat_timestamp"]


def test_restart_moves_started_at(admin):
    host = new_host()
    first = register_ok(admin, host, start_flag=True)
    time.sleep(1.1)
    restarted = register_ok(admin, host, start_flag=True)
    assert restarted["started_at"] > first["started_at"]
    assert restarted["created_at"] == first["created_at"]


def test_one_host_has_one_record_per_agent_type(admin):
    host = new_host()
    ovs = register_ok(admin, host)
    dhcp = register_ok(admin, host, DHCP, configurations={"networks": 0},
                       availability_zone="az1")
    assert ovs["id"] != dhcp["id"]
    assert dhcp["topic"] == "dhcp_agent" and dhcp["availability_zone"] == "az1"
    found = admin.get("/v2.0/agents", params={"host": host}).json["agents"]
    assert sorted(a["agent_type"] for a in found) == [DHCP, OVS]


def test_list_filters(admin):
    host = new_host()
    ovs = register_ok(admin, host)
    dhcp = register_ok(admin, host, DHCP, configurations={}, availability_zone="zone-x")

    def ids(**params) -> list[str]:
        r = admin.get("/v2.0/agents", params={"host": host, **params})
        assert r.status == 200, r
        return sorted(a["id"] for a in r.json["agents"])

    assert ids(agent_type=DHCP) == [dhcp["id"]]
    # Case-insensitive, as Neutron on MySQL: Tempest asks for "DHCP Agent".
    assert ids(agent_type="DHCP Agent") == [dhcp["id"]]
    assert ids(agent_type=["open vswitch AGENT", DHCP]) == sorted([ovs["id"], dhcp["id"]])
    assert ids(agent_type="DHCP") == []
    assert ids(binary="neutron-openvswitch-agent") == [ovs["id"]]
    assert ids(topic="dhcp_agent") == [dhcp["id"]]
    assert ids(availability_zone="zone-x") == [dhcp["id"]]
    assert ids(alive="true") == sorted([ovs["id"], dhcp["id"]])
    assert ids(alive="false") == []
    assert ids(admin_state_up="true") == sorted([ovs["id"], dhcp["id"]])
    assert ids(id=ovs["id"]) == [ovs["id"]]
    fields = admin.get("/v2.0/agents", params={"host": host, "fields": ["id", "alive"]})
    assert all(set(a) == {"id", "alive"} for a in fields.json["agents"])


def test_unknown_filter_is_400(admin):
    r = admin.get("/v2.0/agents", params={"colour": "blue"})
    assert r.status == 400, r


def test_update_admin_state_and_description(admin):
    agent = register_ok(admin, new_host())
    r = admin.put(f"/v2.0/agents/{agent['id']}",
                  json={"agent": {"admin_state_up": False, "description": "maintenance"}})
    assert r.status == 200, r
    assert r.json["agent"]["admin_state_up"] is False
    assert r.json["agent"]["description"] == "maintenance"
    shown = admin.get(f"/v2.0/agents/{agent['id']}").json["agent"]
    assert (shown["admin_state_up"], shown["description"]) == (False, "maintenance")
    # A heartbeat does not undo what the admin set.
    again = register_ok(admin, agent["host"])
    assert (again["admin_state_up"], again["description"]) == (False, "maintenance")


def test_description_may_be_cleared_with_null(admin):
    agent = register_ok(admin, new_host())
    r = admin.put(f"/v2.0/agents/{agent['id']}", json={"agent": {"description": None}})
    assert r.status == 200 and r.json["agent"]["description"] is None, r


@pytest.mark.parametrize("change", [
    {"host": "elsewhere"}, {"agent_type": "x"}, {"alive": False}, {"configurations": {}},
    {"admin_state_up": "maybe"}, {"description": "x" * 256}, {"topic": "t"}])
def test_update_of_other_attributes_or_bad_values_is_400(admin, change):
    agent = register_ok(admin, new_host())
    r = admin.put(f"/v2.0/agents/{agent['id']}", json={"agent": change})
    assert r.status == 400, r
    assert admin.get(f"/v2.0/agents/{agent['id']}").json["agent"] == {
        **agent, "heartbeat_timestamp": agent["heartbeat_timestamp"]}


def test_delete_is_204_and_the_next_heartbeat_registers_again(admin):
    agent = register_ok(admin, new_host())
    assert admin.delete(f"/v2.0/agents/{agent['id']}").status == 204
    r = admin.get(f"/v2.0/agents/{agent['id']}")
    assert r.status == 404 and r.error_type == "AgentNotFound", r
    back = register_ok(admin, agent["host"])
    assert back["id"] != agent["id"]


def test_unknown_agent_is_404(admin):
    missing = str(uuid.uuid4())
    for method in ("GET", "PUT", "DELETE"):
        r = admin.request(method, f"/v2.0/agents/{missing}",
                          json={"agent": {"description": "x"}} if method == "PUT" else None)
        assert r.status == 404 and r.error_type == "AgentNotFound", (method, r)


def test_post_creates_no_agent_of_a_host_agent_type(admin):
    """POST makes only pseudo-agents (test_pseudo_agents.py); agents register themselves."""
    before = len(admin.get("/v2.0/agents").json["agents"])
    r = admin.post("/v2.0/agents", json={"agent": {}})
    assert r.status == 400 and "host" in r.error_message, r
    r = admin.post("/v2.0/agents", json={"agent": {"host": "h", "agent_type": OVS,
                                                   "configurations": {}}})
    assert r.status == 400 and r.error_type == "InvalidInput", r
    assert len(admin.get("/v2.0/agents").json["agents"]) == before


def test_non_admin_lists_nothing_and_finds_no_agent(admin, member):
    agent = register_ok(admin, new_host())
    r = member.get("/v2.0/agents")
    assert r.status == 200 and r.json == {"agents": []}, r
    assert member.get(f"/v2.0/agents/{agent['id']}").status == 404
    assert member.put(f"/v2.0/agents/{agent['id']}",
                      json={"agent": {"description": "mine"}}).status == 404
    assert member.delete(f"/v2.0/agents/{agent['id']}").status == 404
    assert member.post("/v2.0/agents", json={"agent": {
        "host": new_host(), "configurations": {"supported_vnic_types": [
            {"vnic_type": "normal", "vif_type": "ovs"}]}}}).status == 403
    assert admin.get(f"/v2.0/agents/{agent['id']}").json["agent"]["description"] == ""


def test_agent_dies_after_agent_down_time_and_lives_again_with_a_heartbeat(admin, quick):
    agent = register_ok(admin, new_host())
    assert wait_for(lambda: admin.get(f"/v2.0/agents/{agent['id']}").json["agent"]["alive"] is False,
                    timeout=DOWN_TIME + 5)
    dead = admin.get("/v2.0/agents", params={"host": agent["host"], "alive": "false"})
    assert [a["id"] for a in dead.json["agents"]] == [agent["id"]]
    assert register_ok(admin, agent["host"])["alive"] is True


def test_journal_has_registration_death_and_revival_but_no_heartbeats(admin, quick):
    _server, db = quick
    agent = register_ok(admin, new_host())
    for _ in range(3):
        register_ok(admin, agent["host"])
    assert [r["operation"] for r in agent_rows(db, agent["id"])] == ["create"]
    register_ok(admin, agent["host"], configurations=ovs_configurations(devices=3))
    rows = agent_rows(db, agent["id"])
    assert len(rows) == 2 and rows[-1]["body"]["configurations"]["devices"] == 3
    assert rows[-1]["host"] == agent["host"]
    assert wait_for(lambda: len(agent_rows(db, agent["id"])) == 3, timeout=DOWN_TIME + 5)
    assert agent_rows(db, agent["id"])[-1]["body"]["alive"] is False
    time.sleep(1.5)  # later checks do not journal the same death again
    assert len(agent_rows(db, agent["id"])) == 3
    register_ok(admin, agent["host"])
    rows = agent_rows(db, agent["id"])
    assert len(rows) == 4 and rows[-1]["body"]["alive"] is True


@pytest.mark.parametrize("agent, named", [
    ({"agent_type": OVS, "binary": "b", "topic": "t", "configurations": {}}, "host"),
    ({"host": "h", "binary": "b", "topic": "t", "configurations": {}}, "agent_type"),
    ({"host": "h", "agent_type": OVS, "topic": "t", "configurations": {}}, "binary"),
    ({"host": "h", "agent_type": OVS, "binary": "b", "configurations": {}}, "topic"),
    ({"host": "h", "agent_type": OVS, "binary": "b", "topic": "t"}, "configurations"),
    ({"host": "h", "agent_type": OVS, "binary": "b", "topic": "t", "configurations": []},
     "configurations"),
    ({"host": "", "agent_type": OVS, "binary": "b", "topic": "t", "configurations": {}}, "host"),
    ({"host": "h" * 256, "agent_type": OVS, "binary": "b", "topic": "t",
      "configurations": {}}, "host"),
    ({"host": "h", "agent_type": OVS, "binary": "b", "topic": "t", "configurations": {},
      "start_flag": "perhaps"}, "start_flag"),
    ({"host": "h", "agent_type": OVS, "binary": "b", "topic": "t", "configurations": {},
      "availability_zone": 7}, "availability_zone"),
    ({"host": "h", "agent_type": OVS, "binary": "b", "topic": "t", "configurations": {},
      "colour": "blue"}, "colour"),
])
def test_registration_with_bad_input_is_400_naming_the_field(admin, agent, named):
    before = len(admin.get("/v2.0/agents").json["agents"])
    r = admin.post("/feed/v1/agents", json={"agent": agent})
    assert r.status == 400 and named in r.error_message, r
    assert len(admin.get("/v2.0/agents").json["agents"]) == before


@pytest.mark.parametrize("payload", [[], {"agents": {}}, {"agent": "x"}, {}])
def test_registration_without_an_agent_object_is_400(admin, payload):
    r = admin.post("/feed/v1/agents", json=payload)
    assert r.status == 400 and r.error_type, r


def test_registration_body_that_is_not_json_is_400(admin):
    r = admin.post("/feed/v1/agents", data=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status == 400, r


def test_feed_registration_is_in_the_openapi_document(admin):
    doc = admin.get("/openapi.json").json
    assert "post" in doc["paths"]["/feed/v1/agents"]
    assert "post" in doc["paths"]["/feed/v1/hosts/{host}/devices"]


def test_agent_extensions_are_listed(admin):
    aliases = {e["alias"] for e in admin.get("/v2.0/extensions").json["extensions"]}
    assert {"agent", "availability_zone", "dhcp_agent_scheduler", "binding"} <= aliases


def test_sdk_agents_get_update_delete(quick):
    import openstack
    server, _db = quick
    host = new_host()
    register_ok(Client(server.url), host)
    conn = openstack.connection.Connection(auth_type="none", auth={"endpoint": server.url},
                                           network_endpoint_override=server.url + "/")
    try:
        found = list(conn.network.agents(host=host))
        assert len(found) == 1 and found[0].agent_type == OVS and found[0].is_alive
        agent = conn.network.get_agent(found[0].id)
        assert agent.binary == "neutron-openvswitch-agent"
        assert agent.configuration["tunnel_types"] == ["vxlan"]
        updated = conn.network.update_agent(agent, description="sdk", is_admin_state_up=False)
        assert updated.description == "sdk" and updated.is_admin_state_up is False
        conn.network.delete_agent(agent)
        assert list(conn.network.agents(host=host)) == []
    finally:
        conn.close()


def test_registration_of_an_ovs_agent_and_a_dhcp_agent_shows_both(admin):
    host = new_host()
    register_ok(admin, host)
    assert register(admin, host, DHCP, configurations={"dhcp_driver": "dnsmasq"}).status == 200
    agents = admin.get("/v2.0/agents", params={"host": host, "alive": "true"}).json["agents"]
    assert len(agents) == 2
