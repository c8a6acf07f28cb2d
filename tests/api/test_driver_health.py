"""Driver health (alias driver-health, ours, experimental): every loaded driver with
the status the server's periodic check last found, for admins."""
from __future__ import annotations

import re
import time
import uuid

import pytest
import requests

from tests.support.agents import OVS, new_host, register_ok
from tests.support.client import Client
from tests.support.databases import new_database
from tests.support.postgres import free_port
from tests.support.server import ServerProcess
from tests.support.waiting import wait_for

DOWN_TIME = 3  # seconds: agents die within a test
CHECK_INTERVAL = 0.5
VNIS = 10  # a small vxlan pool, to see it fill
ISO8601 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
PSEUDO = "Pseudo agent"
FEED_LAG = 3  # seconds: a feed watcher falls behind within a test
HEALTH_CONF = f"[driver_health]\ncheck_interval = {CHECK_INTERVAL}\n"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(request, tmp_path_factory):
    url = new_database(request, tmp_path_factory.mktemp("health"), "health")
    server = ServerProcess(database_url=url, extra_conf=(
        f"agent_down_time = {DOWN_TIME}\nagent_check_interval = 1\n{HEALTH_CONF}"
        f"feed_lag_seconds = {FEED_LAG}\n"
        f"[ml2_type_vxlan]\nvni_ranges = 1:{VNIS}\n")).start()
    yield server
    server.stop()


@pytest.fixture
def admin(server) -> Client:
    return Client(server.url)


def health(admin: Client, name: str) -> dict:
    r = admin.get(f"/v2.0/driver-health/{name}")
    assert r.status == 200, r
    return r.json["driver"]


def status_becomes(admin: Client, name: str, status: str, timeout: float = DOWN_TIME + 6,
                   meanwhile=lambda: None) -> bool:
    def check() -> bool:
        meanwhile()
        return health(admin, name)["status"] == status
    return wait_for(check, timeout=timeout)


def only_agents_of(admin: Client, agent_type: str) -> None:
    """Delete the agents of ``agent_type`` earlier tests left (the server is shared)."""
    for agent in admin.get("/v2.0/agents", params={"agent_type": agent_type}).json["agents"]:
        assert admin.delete(f"/v2.0/agents/{agent['id']}").status == 204


def test_lists_every_loaded_driver_with_its_status(admin):
    r = admin.get("/v2.0/driver-health")
    assert r.status == 200, r
    drivers = {d["name"]: d for d in r.json["drivers"]}
    assert {n: drivers[n]["type"] for n in drivers} == {
        "openvswitch": "mechanism", "pseudo_agent": "mechanism",
        "flat": "type", "vlan": "type", "vxlan": "type", "geneve": "type",
        "l3_router": "service", "dhcp": "service", "placement": "service",
        "agent_feed": "service"}
    assert drivers["l3_router"]["service_type"] == "L3_ROUTER_NAT"
    assert drivers["placement"]["service_type"] == "QOS"
    assert drivers["openvswitch"]["service_type"] == "CORE"
    assert wait_for(lambda: all(d["last_checked"] for d in
                                admin.get("/v2.0/driver-health").json["drivers"]))
    for driver in admin.get("/v2.0/driver-health").json["drivers"]:
        assert set(driver) == {"name", "type", "service_type", "status", "detail",
                               "last_checked"}
        assert driver["status"] in ("OK", "DEGRADED", "ERROR", "UNKNOWN")
        assert ISO8601.match(driver["last_checked"]) and driver["detail"], driver
    # Drivers with nothing to judge (no host watched the feed yet) say so.
    assert health(admin, "agent_feed") | {"last_checked": None} == {
        "name": "agent_feed", "type": "service", "service_type": "CORE", "status": "UNKNOWN",
        "detail": "no host agent has watched the feed yet", "last_checked": None}
    assert health(admin, "flat")["status"] == "UNKNOWN"
    assert health(admin, "placement") | {"last_checked": None} == {
        "name": "placement", "type": "service", "service_type": "QOS", "status": "UNKNOWN",
        "detail": "Placement is not configured ([placement] auth_type unset)",
        "last_checked": None}


def test_the_list_comes_from_the_loaded_drivers():
    server = ServerProcess(extra_conf=(
        "[ml2]\nmechanism_drivers = sriovnicswitch,openvswitch\ntype_drivers = vlan,vxlan\n"
        "[ml2_type_vlan]\nnetwork_vlan_ranges = physnet1:100:109\n")).start()
    try:
        drivers = Client(server.url).get("/v2.0/driver-health").json["drivers"]
        assert sorted(d["name"] for d in drivers if d["type"] != "service") == [
            "openvswitch", "sriovnicswitch", "vlan", "vxlan"]
    finally:
        server.stop()


def test_mechanism_health_follows_its_agents_lives(admin):
    only_agents_of(admin, OVS)
    assert status_becomes(admin, "openvswitch", "UNKNOWN")
    steady, failing = new_host(), new_host()
    register_ok(admin, steady)
    register_ok(admin, failing)

    def steady_beats() -> None:
        register_ok(admin, steady)

    assert status_becomes(admin, "openvswitch", "OK", meanwhile=steady_beats)
    assert health(admin, "openvswitch")["detail"] == "2 of 2 Open vSwitch agents alive"
    # One agent stops beating: past agent_down_time the driver is DEGRADED.
    assert status_becomes(admin, "openvswitch", "DEGRADED", meanwhile=steady_beats)
    shown = health(admin, "openvswitch")
    assert shown["detail"] == f"1 of 2 Open vSwitch agents alive; dead on {failing}", shown
    # It comes back: OK again.
    register_ok(admin, failing)
    assert status_becomes(admin, "openvswitch", "OK", timeout=3, meanwhile=steady_beats)
    # Both stop: ERROR.
    assert status_becomes(admin, "openvswitch", "ERROR")
    assert health(admin, "openvswitch")["detail"].startswith("0 of 2 Open vSwitch agents alive")


def test_admin_down_agents_do_not_count(admin):
    only_agents_of(admin, OVS)
    agent = register_ok(admin, new_host())
    assert status_becomes(admin, "openvswitch", "ERROR")  # it died
    assert admin.put(f"/v2.0/agents/{agent['id']}",
                     json={"agent": {"admin_state_up": False}}).status == 200
    assert status_becomes(admin, "openvswitch", "UNKNOWN", timeout=3)
    assert "1 administratively down, not counted" in health(admin, "openvswitch")["detail"]


def test_pseudo_agent_driver_is_ok_once_a_pseudo_agent_exists(admin):
    only_agents_of(admin, PSEUDO)
    assert status_becomes(admin, "pseudo_agent", "UNKNOWN", timeout=3)
    r = admin.post("/v2.0/agents", json={"agent": {"host": new_host(), "configurations": {
        "physical_networks": ["physnet1"],
        "supported_vnic_types": [{"vnic_type": "normal", "vif_type": "ovs"}]}}})
    assert r.status == 201, r
    assert status_becomes(admin, "pseudo_agent", "OK", timeout=3)
    # A pseudo-agent never dies.
    assert not status_becomes(admin, "pseudo_agent", "ERROR", timeout=DOWN_TIME + 1.5)


def test_type_driver_health_follows_its_free_segmentation_ids(admin):
    assert status_becomes(admin, "vxlan", "OK", timeout=3)
    nets = [admin.network(name=f"n{i}")["id"] for i in range(VNIS - 1)]
    assert status_becomes(admin, "vxlan", "DEGRADED", timeout=3)
    nets.append(admin.network(name="last")["id"])
    assert status_becomes(admin, "vxlan", "ERROR", timeout=3)
    assert health(admin, "vxlan")["detail"].startswith(f"{VNIS} of {VNIS} tenant")
    for net in nets:
        assert admin.delete(f"/v2.0/networks/{net}").status == 204
    assert status_becomes(admin, "vxlan", "OK", timeout=3)


class Watcher:
    """A host agent's use of the feed: its heartbeat, and its watch of the journal
    (timeout 0: each call answers at once)."""

    def __init__(self, server, admin: Client) -> None:
        self.url, self.admin, self.host = server.url, admin, new_host()
        self.beat()
        self.cursor = self._get("state", {})["cursor"]

    def _get(self, what: str, params: dict) -> dict:
        r = requests.get(f"{self.url}/feed/v1/hosts/{self.host}/{what}", params=params,
                         timeout=30)
        assert r.status_code == 200, r.text
        return r.json()

    def beat(self) -> None:
        register_ok(self.admin, self.host)

    def watch(self, cursor: str) -> dict:
        return self._get("watch", {"cursor": cursor, "timeout": 0})

    def keep_up(self) -> None:
        """Beat, and watch on from the last cursor until nothing is left."""
        self.beat()
        while True:
            answer = self.watch(self.cursor)
            self.cursor = answer["cursor"]
            if not answer["changes"]:
                return


def test_feed_health_is_ok_while_every_watcher_keeps_up(admin, server):
    only_agents_of(admin, OVS)
    watcher = Watcher(server, admin)
    assert status_becomes(admin, "agent_feed", "OK", meanwhile=watcher.keep_up)
    admin.network(name="more-journal")
    assert not status_becomes(admin, "agent_feed", "DEGRADED", timeout=FEED_LAG + 2,
                              meanwhile=watcher.keep_up)
    assert health(admin, "agent_feed")["detail"] == "1 of 1 feed watchers up to date"


def test_feed_health_names_the_hosts_whose_watcher_falls_behind(admin, server):
    only_agents_of(admin, OVS)  # the earlier tests' watchers: their hosts no longer count
    steady, stale = Watcher(server, admin), Watcher(server, admin)

    def both_keep_up() -> None:
        steady.keep_up()
        stale.keep_up()

    def both_counted() -> bool:  # the earlier watcher's host, not polling, leaves the count
        both_keep_up()
        return health(admin, "agent_feed")["detail"] == "2 of 2 feed watchers up to date"

    assert wait_for(both_counted, timeout=FEED_LAG + 3)
    # The journal grows; the stale host's watcher asks once from its old cursor and
    # stops, while its agent stays alive.
    old = stale.cursor
    for i in range(3):
        admin.network(name=f"grow-{i}")
    time.sleep(FEED_LAG / 4)  # a process records a host's watch at most this often
    stale.watch(old)  # (the networks are not the host's: no changes, but a cursor behind)

    def stale_stops() -> None:
        steady.keep_up()
        stale.beat()

    assert status_becomes(admin, "agent_feed", "DEGRADED", meanwhile=stale_stops)
    detail = health(admin, "agent_feed")["detail"]
    assert re.fullmatch(rf"1 of 2 feed watchers up to date; {stale.host} \d+ rows \(\d+ s\) "
                        r"behind( and last watched \d+ s ago, its agent alive)?", detail), detail
    assert int(detail.split(f"{stale.host} ")[1].split(" rows")[0]) >= 3  # the networks' rows

    def stale_seen_stopped() -> bool:
        stale_stops()
        return health(admin, "agent_feed")["detail"].endswith(
            "ago, its agent alive") and health(admin, "agent_feed")["status"] == "DEGRADED"

    assert wait_for(stale_seen_stopped, timeout=3)
    # It catches up: OK again.
    assert status_becomes(admin, "agent_feed", "OK", timeout=5, meanwhile=both_keep_up)
    # Both stop watching while their agents live: ERROR.
    def both_beat() -> None:
        steady.beat()
        stale.beat()

    assert status_becomes(admin, "agent_feed", "ERROR", meanwhile=both_beat)
    assert health(admin, "agent_feed")["detail"].startswith("0 of 2 feed watchers up to date")
    # Their agents die too: nobody is left to judge.
    assert status_becomes(admin, "agent_feed", "UNKNOWN")
    assert "nor is one alive" in health(admin, "agent_feed")["detail"]


def test_filters_fields_and_sorting(admin):
    r = admin.get("/v2.0/driver-health", params={"type": "mechanism", "fields": ["name"],
                                                 "sort_key": "name", "sort_dir": "desc"})
    assert r.status == 200, r
    assert r.json["drivers"] == [{"name": "pseudo_agent"}, {"name": "openvswitch"}]
    unknown = admin.get("/v2.0/driver-health", params={"status": "UNKNOWN"}).json["drivers"]
    assert unknown and all(d["status"] == "UNKNOWN" for d in unknown)
    assert admin.get("/v2.0/driver-health", params={"status": "FINE"}).status == 400
    assert admin.get("/v2.0/driver-health", params={"colour": "blue"}).status == 400


def test_unknown_driver_is_404(admin):
    r = admin.get("/v2.0/driver-health/nonesuch")
    assert r.status == 404 and r.error_type == "DriverNotFound", r


def test_only_admins_see_driver_health(admin, server):
    member = Client(server.url, uuid.uuid4().hex, "member,reader")
    r = member.get("/v2.0/driver-health")
    assert r.status == 200 and r.json == {"drivers": []}, r
    assert member.get("/v2.0/driver-health/openvswitch").status == 404


def test_driver_health_is_read_only(admin):
    assert admin.post("/v2.0/driver-health", json={"driver": {"name": "x"}}).status == 405
    assert admin.put("/v2.0/driver-health/vlan", json={"driver": {"status": "OK"}}).status == 405
    assert admin.delete("/v2.0/driver-health/vlan").status == 405
    assert health(admin, "vlan")["name"] == "vlan"


def test_driver_health_is_discoverable_and_documented(admin):
    aliases = {e["alias"] for e in admin.get("/v2.0/extensions").json["extensions"]}
    assert "driver-health" in aliases
    paths = admin.get("/openapi.json").json["paths"]
    assert "get" in paths["/v2.0/driver-health"]
    assert "get" in paths["/v2.0/driver-health/{id}"]


def test_unreachable_placement_is_an_error():
    server = ServerProcess(extra_conf=(
        f"{HEALTH_CONF}[placement]\nauth_type = admin_token\n"
        f"endpoint = http://127.0.0.1:{free_port()}\ntoken = t\nsync_timeout = 1\n")).start()
    try:
        admin = Client(server.url)
        assert status_becomes(admin, "placement", "ERROR", timeout=10)
        assert "unreachable" in health(admin, "placement")["detail"]
    finally:
        server.stop()


def test_reachable_placement_is_ok(placement):
    server = ServerProcess(extra_conf=(
        f"{HEALTH_CONF}[placement]\nauth_type = admin_token\n"
        f"endpoint = {placement.url}\ntoken = {placement.token}\n")).start()
    try:
        admin = Client(server.url)
        assert status_becomes(admin, "placement", "OK", timeout=10)
        assert health(admin, "placement")["detail"] == "Placement is reachable"
    finally:
        server.stop()
