"""The agent feed (docs/agent-feed.md) against real servers: a host's state document,
the watch, and the key property that a FeedClient's kept document, edited only by
watch answers, equals a fresh state after any sequence of API changes, on SQLite and
on PostgreSQL with two gunicorn workers and concurrent writers."""
from __future__ import annotations

import random
import threading
import time
import uuid

import pytest
import requests

from neutrino.agent.feed import FeedClient, ResyncRequired
from tests.support.client import Client
from tests.support.server import ServerProcess


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def feed_server(request):
    if request.param == "sqlite":
        server = ServerProcess().start()
    else:
        url = request.getfixturevalue("postgres").create_database("feed_" + uuid.uuid4().hex[:8])
        server = ServerProcess(database_url=url, workers=2).start()
    admin = Client(server.url)
    limits = admin.get("/v2.0/quotas/admin").json["quota"]
    admin.put("/v2.0/quotas/admin", {"quota": {
        name: -1 for name in limits if name not in ("project_id", "tenant_id")}})
    yield server
    server.stop()


@pytest.fixture
def api(feed_server) -> Client:
    return Client(feed_server.url)


def _host() -> str:
    return "host-" + uuid.uuid4().hex[:8]


def _vxlan(api: Client, cidr: str = "10.1.0.0/24") -> tuple[dict, dict]:
    net = api.network(**{"provider:network_type": "vxlan"})
    return net, api.subnet(net["id"], cidr)


def _group(api: Client, **attrs) -> dict:
    return api.create("security-groups", "security_group", name="sg-" + uuid.uuid4().hex[:6], **attrs)


def _rule(api: Client, group: str, **attrs) -> dict:
    attrs.setdefault("direction", "ingress")
    return api.create("security-group-rules", "security_group_rule", security_group_id=group, **attrs)


def _addresses(port: dict) -> list[str]:
    return [ip["ip_address"] for ip in port["fixed_ips"]]


def _raw_state(server, host: str) -> dict:
    r = requests.get(f"{server.url}/feed/v1/hosts/{host}/state", timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


# ---- the state document ------------------------------------------------------------------

def test_state_holds_the_ports_of_the_hosts_networks_on_every_host_and_only_those(feed_server, api):
    h1, h2 = _host(), _host()
    net, subnet = _vxlan(api)
    other, _ = _vxlan(api, "10.2.0.0/24")
    mine = api.port(net["id"], **{"binding:host_id": h1})
    theirs = api.port(net["id"], **{"binding:host_id": h2})
    unbound = api.port(net["id"])
    elsewhere = api.port(other["id"], **{"binding:host_id": h2})

    state = _raw_state(feed_server, h1)["state"]

    assert [n["id"] for n in state["networks"]] == [net["id"]]
    assert state["networks"][0]["provider:network_type"] == "vxlan"
    assert state["networks"][0]["provider:segmentation_id"] == net["provider:segmentation_id"]
    assert {p["id"] for p in state["ports"]} == {mine["id"], theirs["id"], unbound["id"]}
    assert elsewhere["id"] not in {p["id"] for p in state["ports"]}
    assert [s["id"] for s in state["subnets"]] == [subnet["id"]]
    shown = {p["id"]: p for p in state["ports"]}[theirs["id"]]
    assert shown == api.show("ports", theirs["id"])  # the body a GET shows


def test_state_names_the_dhcp_networks_whose_dhcp_port_is_bound_to_the_host(feed_server, api):
    host = _host()
    net, _ = _vxlan(api)
    dhcp = api.port(net["id"], device_owner="network:dhcp", **{"binding:host_id": host})

    state = _raw_state(feed_server, host)["state"]

    assert state["dhcp_networks"] == [net["id"]]
    assert dhcp["id"] in {p["id"] for p in state["ports"]}
    assert _raw_state(feed_server, _host())["state"]["dhcp_networks"] == []


def test_state_holds_the_groups_used_and_remote_with_members_on_any_host(feed_server, api):
    host = _host()
    net, _ = _vxlan(api)
    far, _ = _vxlan(api, "10.3.0.0/24")
    web, db = _group(api), _group(api)
    rule = _rule(api, web["id"], remote_group_id=db["id"], protocol="tcp", port_range_min=5432,
                 port_range_max=5432)
    api.port(net["id"], security_groups=[web["id"]], **{"binding:host_id": host})
    member = api.port(far["id"], security_groups=[db["id"]],
                      allowed_address_pairs=[{"ip_address": "10.9.9.9"}],
                      **{"binding:host_id": _host()})

    state = _raw_state(feed_server, host)["state"]

    groups = {g["id"]: g for g in state["security_groups"]}
    assert set(groups) == {web["id"], db["id"]}
    assert rule["id"] in {r["id"] for r in groups[web["id"]]["security_group_rules"]}
    assert state["security_group_members"] == {
        db["id"]: sorted([*_addresses(member), "10.9.9.9"])}
    assert far["id"] not in {n["id"] for n in state["networks"]}


def test_state_of_a_host_without_ports_is_empty(feed_server):
    state = _raw_state(feed_server, _host())["state"]
    # Logs are every host's (the cloud's security-group and snat logs; other tests make some).
    logs = Client(feed_server.url).get(
        "/v2.0/log/logs?resource_type=security_group&resource_type=snat").json
    assert state.pop("logs") == sorted(logs["logs"], key=lambda log: log["id"])
    assert state == {"networks": [], "ports": [], "subnets": [], "security_groups": [],
                     "security_group_members": {}, "tunnel_endpoints": {}, "dhcp_networks": [],
                     "routers": [], "floatingips": [], "distributed_routers": [],
                     "qos_policies": [], "classification_groups": [], "classifications": [],
                     "trunks": []}


# ---- the watch ------------------------------------------------------------------------------

def test_watch_returns_a_change_soon_after_the_api_call_and_only_to_hosts_concerned(feed_server, api):
    h1, h2 = _host(), _host()
    net, _ = _vxlan(api)
    other, _ = _vxlan(api, "10.4.0.0/24")
    # A group of their own (the project's default group names itself as remote: a
    # new port in it changes every host's member list).
    group = _group(api)["id"]
    api.port(net["id"], security_groups=[group], **{"binding:host_id": h1})
    api.port(other["id"], security_groups=[group], **{"binding:host_id": h2})
    c1, c2 = FeedClient(feed_server.url, h1), FeedClient(feed_server.url, h2)
    cur1, _ = c1.state()
    cur2, _ = c2.state()
    results: dict = {}

    def watch(name, client, cursor):
        start = time.monotonic()
        results[name] = (client.watch(cursor, timeout=3), time.monotonic() - start)

    threads = [threading.Thread(target=watch, args=("h1", c1, cur1)),
               threading.Thread(target=watch, args=("h2", c2, cur2))]
    for t in threads:
        t.start()
    time.sleep(0.5)
    made = time.monotonic()
    port = api.port(net["id"], security_groups=[group], **{"binding:host_id": _host()})
    for t in threads:
        t.join()

    (cursor, state), _ = results["h1"]
    assert state is not None and port["id"] in {p.id for p in state.ports}
    assert time.monotonic() - made < 2.9  # answered by the change, not by the timeout
    (_, nothing), waited = results["h2"]
    assert nothing is None and waited >= 2.9
    assert cursor != cur1


def test_watch_without_changes_answers_an_empty_list_at_the_timeout(feed_server):
    host = _host()
    cursor = _raw_state(feed_server, host)["cursor"]
    r = requests.get(f"{feed_server.url}/feed/v1/hosts/{host}/watch",
                     params={"cursor": cursor, "timeout": "0.5"}, timeout=30)
    assert r.status_code == 200 and r.json()["changes"] == []
    assert r.json()["cursor"].split(".")[1] == cursor.split(".")[1]  # same database


def test_watch_carries_membership_changes_of_remote_groups_on_other_hosts(feed_server, api):
    host = _host()
    net, _ = _vxlan(api)
    far, _ = _vxlan(api, "10.5.0.0/24")
    web, db = _group(api), _group(api)
    _rule(api, web["id"], remote_group_id=db["id"])
    api.port(net["id"], security_groups=[web["id"]], **{"binding:host_id": host})
    client = FeedClient(feed_server.url, host)
    cursor, state = client.state()
    assert dict(state.security_group_members) == {db["id"]: ()}

    member = api.port(far["id"], security_groups=[db["id"]], **{"binding:host_id": _host()})
    cursor, state = client.watch(cursor, timeout=5)
    assert state is not None
    assert dict(state.security_group_members) == {db["id"]: tuple(_addresses(member))}

    api.put(f"/v2.0/ports/{member['id']}", {"port": {"security_groups": []}})
    cursor, state = client.watch(cursor, timeout=5)
    assert state is not None and dict(state.security_group_members) == {db["id"]: ()}


# ---- the key property ------------------------------------------------------------------------

def _drain(client: FeedClient, cursor: str) -> str:
    """Watch until a short watch brings nothing more."""
    for _ in range(50):
        cursor, changed = client.watch(cursor, timeout=0.3)
        if changed is None:
            return cursor
    raise AssertionError("the watch never went quiet")


def _assert_kept_equals_fresh(feed_server, client: FeedClient) -> None:
    _, fresh = FeedClient(feed_server.url, client.host).state()
    assert client.document.desired() == fresh


def test_kept_document_equals_a_fresh_state_after_a_sequence_of_changes(feed_server, api):
    h1, h2 = _host(), _host()
    client = FeedClient(feed_server.url, h1)
    cursor, _ = client.state()
    n1, _ = _vxlan(api, "10.6.0.0/24")
    n2, _ = _vxlan(api, "10.7.0.0/24")
    web, db = _group(api), _group(api)
    p1 = api.port(n1["id"], security_groups=[web["id"]], **{"binding:host_id": h1})
    cursor = _drain(client, cursor)
    _assert_kept_equals_fresh(feed_server, client)

    steps = [
        lambda: api.port(n1["id"], **{"binding:host_id": h2}),
        lambda: _rule(api, web["id"], remote_group_id=db["id"], protocol="udp"),
        lambda: api.port(n2["id"], security_groups=[db["id"]], **{"binding:host_id": h2}),
        lambda: api.put(f"/v2.0/ports/{p1['id']}", {"port": {
            "allowed_address_pairs": [{"ip_address": "10.6.0.250"}], "name": "renamed"}}),
        lambda: api.port(n2["id"], device_owner="network:dhcp", **{"binding:host_id": h1}),
        lambda: api.put(f"/v2.0/ports/{p1['id']}", {"port": {"security_groups": [db["id"]]}}),
        lambda: api.put(f"/v2.0/ports/{p1['id']}", {"port": {"binding:host_id": h2}}),
        lambda: api.put(f"/v2.0/ports/{p1['id']}", {"port": {"binding:host_id": h1}}),
    ]
    for step in steps:
        step()
        cursor = _drain(client, cursor)
        _assert_kept_equals_fresh(feed_server, client)
    # Gone: the ports of n1 (the network leaves the document), then a network deleted.
    for port in api.get("/v2.0/ports", params={"network_id": n1["id"]}).json["ports"]:
        assert api.delete(f"/v2.0/ports/{port['id']}").status == 204
    cursor = _drain(client, cursor)
    _assert_kept_equals_fresh(feed_server, client)
    assert n1["id"] not in client.document.networks
    for port in api.get("/v2.0/ports", params={"network_id": n2["id"]}).json["ports"]:
        if port["device_owner"] != "network:dhcp":
            assert api.delete(f"/v2.0/ports/{port['id']}").status == 204
    assert api.delete(f"/v2.0/networks/{n2['id']}").status == 204
    cursor = _drain(client, cursor)
    _assert_kept_equals_fresh(feed_server, client)
    assert client.document.desired().networks == ()


def test_state_and_watch_carry_security_group_logs_to_every_host(feed_server, api):
    host = _host()
    client = FeedClient(feed_server.url, host)
    cursor, desired = client.state()
    group = _group(api)
    r = api.post("/v2.0/log/logs", {"log": {"resource_type": "security_group",
                                           "resource_id": group["id"], "event": "DROP"}})
    assert r.status == 201, r
    log = r.json["log"]
    assert log["id"] not in {x.id for x in desired.logs}
    cursor = _drain(client, cursor)
    kept = {x.id: x for x in client.document.desired().logs}
    assert (kept[log["id"]].event, kept[log["id"]].resource_id) == ("DROP", group["id"])
    _assert_kept_equals_fresh(feed_server, client)
    # Disabled: kept in the document, out of the desired state (logging stops).
    assert api.put(f"/v2.0/log/logs/{log['id']}", {"log": {"enabled": False}}).status == 200
    cursor = _drain(client, cursor)
    assert log["id"] in client.document.logs
    assert log["id"] not in {x.id for x in client.document.desired().logs}
    _assert_kept_equals_fresh(feed_server, client)
    # Deleted with its group.
    assert api.delete(f"/v2.0/security-groups/{group['id']}").status == 204
    cursor = _drain(client, cursor)
    assert log["id"] not in client.document.logs
    _assert_kept_equals_fresh(feed_server, client)


def test_kept_document_equals_a_fresh_state_under_concurrent_writers(feed_server, api):
    hosts = [_host(), _host()]
    nets = [_vxlan(api, f"10.{20 + i}.0.0/24")[0] for i in range(3)]
    groups = [_group(api) for _ in range(3)]
    _rule(api, groups[0]["id"], remote_group_id=groups[1]["id"])
    clients = [FeedClient(feed_server.url, h) for h in hosts]
    cursors = [c.state()[0] for c in clients]
    stop = threading.Event()
    errors: list = []

    def write(seed: int) -> None:
        rng = random.Random(seed)
        writer = Client(feed_server.url)
        mine: list[dict] = []
        try:
            for _ in range(25):
                action = rng.random()
                if action < 0.45 or not mine:
                    mine.append(writer.port(rng.choice(nets)["id"], security_groups=[
                        rng.choice(groups)["id"]], **{"binding:host_id": rng.choice(hosts + [""])}))
                elif action < 0.75:
                    port = rng.choice(mine)
                    r = writer.put(f"/v2.0/ports/{port['id']}", {"port": {
                        "binding:host_id": rng.choice(hosts + [""]),
                        "security_groups": [rng.choice(groups)["id"]]}})
                    assert r.status == 200, r
                elif action < 0.9:
                    port = mine.pop(rng.randrange(len(mine)))
                    assert writer.delete(f"/v2.0/ports/{port['id']}").status == 204
                else:
                    _rule(writer, rng.choice(groups)["id"], remote_group_id=rng.choice(groups)["id"],
                          protocol="tcp", port_range_min=rng.randint(1, 60000),
                          port_range_max=60001)
        except Exception as err:  # noqa: BLE001 - reported by the test below
            errors.append(err)

    def watch(i: int) -> None:
        try:
            while not stop.is_set():
                cursors[i], _ = clients[i].watch(cursors[i], timeout=1)
        except Exception as err:  # noqa: BLE001
            errors.append(err)

    watchers = [threading.Thread(target=watch, args=(i,)) for i in range(len(clients))]
    writers = [threading.Thread(target=write, args=(seed,)) for seed in range(3)]
    for t in watchers + writers:
        t.start()
    for t in writers:
        t.join()
    stop.set()
    for t in watchers:
        t.join()
    assert not errors, errors
    for i, client in enumerate(clients):
        _drain(client, cursors[i])
        _assert_kept_equals_fresh(feed_server, client)


# ---- cursors and bad input ------------------------------------------------------------------

def test_cursor_from_another_database_answers_resync_required(feed_server):
    other = ServerProcess().start()
    try:
        host = _host()
        cursor = _raw_state(other, host)["cursor"]
        r = requests.get(f"{feed_server.url}/feed/v1/hosts/{host}/watch",
                         params={"cursor": cursor, "timeout": 0}, timeout=30)
        assert r.status_code == 410
        assert r.json()["NeutronError"]["type"] == "ResyncRequired"
        assert "another database" in r.json()["NeutronError"]["message"]
    finally:
        other.stop()


@pytest.mark.parametrize(("query", "named"), [
    ({"cursor": "garbage"}, "cursor"), ({"cursor": ""}, "cursor"), ({}, "cursor"),
    ({"cursor": "1." + "0" * 8 + "-0000-0000-0000-" + "0" * 12 + "." + "9" * 19 + ".0." + "0" * 32},
     "cursor"),
    ({"cursor": "VALID", "timeout": "61"}, "timeout"), ({"cursor": "VALID", "timeout": "-1"}, "timeout"),
    ({"cursor": "VALID", "timeout": "soon"}, "timeout"), ({"cursor": "VALID", "timeout": "nan"}, "timeout"),
])
def test_bad_cursor_or_timeout_is_400_naming_it(feed_server, query, named):
    host = _host()
    valid = _raw_state(feed_server, host)["cursor"]
    query = {k: valid if v == "VALID" else v for k, v in query.items()}
    r = requests.get(f"{feed_server.url}/feed/v1/hosts/{host}/watch", params=query, timeout=30)
    assert r.status_code == 400, r.text
    assert named in r.json()["NeutronError"]["message"].lower()


def test_cursor_of_another_host_answers_resync_required(feed_server, api):
    net, _ = _vxlan(api)
    h1 = _host()
    api.port(net["id"], **{"binding:host_id": h1})
    cursor = _raw_state(feed_server, h1)["cursor"]
    r = requests.get(f"{feed_server.url}/feed/v1/hosts/{_host()}/watch",
                     params={"cursor": cursor, "timeout": 0}, timeout=30)
    assert r.status_code == 410 and r.json()["NeutronError"]["type"] == "ResyncRequired"


def test_openapi_documents_the_feed_calls(feed_server):
    paths = requests.get(f"{feed_server.url}/openapi.json", timeout=30).json()["paths"]
    watch = paths["/feed/v1/hosts/{host}/watch"]["get"]
    assert {p["name"] for p in watch["parameters"]} == {"host", "cursor", "timeout"}
    assert "get" in paths["/feed/v1/hosts/{host}/state"]


def test_client_watch_raises_resync_required_on_410(feed_server):
    client = FeedClient(feed_server.url, _host())
    client.state()
    with pytest.raises(ResyncRequired):
        client.watch("1." + str(uuid.uuid4()) + ".0.0." + "0" * 32, timeout=0)


# ---- tunnel endpoints from agent records ------------------------------------------------------

def _register(api: Client, host: str, ip: str) -> dict:
    r = api.post("/feed/v1/agents", {"agent": {
        "host": host, "agent_type": "Open vSwitch agent", "binary": "neutron-openvswitch-agent",
        "topic": "N/A", "configurations": {"tunnel_types": ["vxlan"], "bridge_mappings": {},
                                           "tunneling_ip": ip}}})
    assert r.status == 200, r
    return r.json["agent"]


def test_state_and_watch_carry_the_tunnel_endpoints_of_alive_agents(feed_server, api):
    host, peer = _host(), _host()
    _register(api, host, "192.0.2.41")
    client = FeedClient(feed_server.url, host)
    cursor, state = client.state()
    assert state.tunnel_endpoints[host] == "192.0.2.41"

    _register(api, peer, "192.0.2.42")
    cursor, state = client.watch(cursor, timeout=5)
    assert state is not None and state.tunnel_endpoints[peer] == "192.0.2.42"
    _register(api, peer, "192.0.2.43")  # moved
    cursor, state = client.watch(cursor, timeout=5)
    assert state is not None and state.tunnel_endpoints[peer] == "192.0.2.43"
    _assert_kept_equals_fresh(feed_server, client)


# ---- pruning -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def pruning_server():
    server = ServerProcess(extra_conf="[journal]\nmax_rows = 5\nprune_interval = 0.2\n").start()
    yield server
    server.stop()


def test_cursor_behind_the_pruned_journal_answers_resync_required(pruning_server):
    api = Client(pruning_server.url)
    host = _host()
    net = api.network(**{"provider:network_type": "vxlan"})
    api.port(net["id"], **{"binding:host_id": host})
    client = FeedClient(pruning_server.url, host)
    cursor, _ = client.state()
    for _ in range(10):
        api.port(net["id"])
    deadline = time.monotonic() + 10
    while True:  # until the periodic pruning has passed the cursor
        try:
            client.watch(cursor, timeout=0)
        except ResyncRequired as err:
            assert "pruned" in str(err)
            break
        assert time.monotonic() < deadline, "the journal was never pruned"
        time.sleep(0.2)
    cursor, state = client.state()  # the way back: a full fetch
    assert len(state.ports) == 11


def test_waiting_watcher_whose_cursor_is_pruned_gets_resync_required(pruning_server):
    api = Client(pruning_server.url)
    host = _host()
    client = FeedClient(pruning_server.url, host)
    cursor, _ = client.state()
    other = api.network(**{"provider:network_type": "vxlan"})

    def churn() -> None:
        time.sleep(0.3)
        for _ in range(10):
            api.port(other["id"])
    writer = threading.Thread(target=churn)
    writer.start()
    with pytest.raises(ResyncRequired):
        # Nothing concerns this host; the pruning passes its cursor while it waits.
        client.watch(cursor, timeout=3)
    writer.join()


# ---- access -------------------------------------------------------------------------------

def _external_address() -> str | None:
    import socket
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))  # no packet is sent: it only picks a source address
        address = probe.getsockname()[0]
    except OSError:
        return None
    finally:
        probe.close()
    return None if address.startswith("127.") else address


def test_noauth_feed_refuses_a_caller_on_a_non_loopback_address():
    address = _external_address()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address to call from")
    server = ServerProcess(extra_conf="bind_host = 0.0.0.0\nnoauth_allow_remote = true\n").start()
    try:
        r = requests.get(f"http://{address}:{server.port}/feed/v1/hosts/h/state", timeout=30)
        assert r.status_code == 403, r.text
        assert r.json()["NeutronError"]["type"] == "FeedNotAuthorized"
        assert requests.get(f"{server.url}/feed/v1/hosts/h/state", timeout=30).status_code == 200
    finally:
        server.stop()


def test_state_and_watch_carry_snat_logs_to_every_host(feed_server, api):
    host = _host()
    client = FeedClient(feed_server.url, host)
    cursor, _desired = client.state()
    ext = api.network(**{"router:external": True})
    api.subnet(ext["id"], "198.51.100.0/24")
    router = api.create("routers", "router", name="r-" + uuid.uuid4().hex[:6],
                        external_gateway_info={"network_id": ext["id"]})
    r = api.post("/v2.0/log/logs", {"log": {"resource_type": "snat", "resource_id": router["id"]}})
    assert r.status == 201, r
    log = r.json["log"]
    cursor = _drain(client, cursor)
    kept = {x.id: x for x in client.document.desired().logs}
    assert (kept[log["id"]].resource_type, kept[log["id"]].resource_id) == ("snat", router["id"])
    _assert_kept_equals_fresh(feed_server, client)
    # Deleted with its router.
    assert api.delete(f"/v2.0/routers/{router['id']}").status == 204
    cursor = _drain(client, cursor)
    assert log["id"] not in client.document.logs
    _assert_kept_equals_fresh(feed_server, client)


def test_state_and_watch_carry_the_qos_of_the_hosts_ports_with_their_classifications(
        feed_server, api):
    """QoS policies in effect on the host's bound ports (own or the network's), and the
    classification groups (nested too) and classifications their DSCP rules name."""
    host = _host()
    client = FeedClient(feed_server.url, host)
    cursor, _ = client.state()
    net, _ = _vxlan(api, "10.9.0.0/24")
    policy = api.post("/v2.0/qos/policies", {"policy": {"name": "p"}}).json["policy"]
    unused = api.post("/v2.0/qos/policies", {"policy": {"name": "u"}}).json["policy"]
    port = api.port(net["id"], qos_policy_id=policy["id"], **{"binding:host_id": host})
    cursor = _drain(client, cursor)
    assert [p.id for p in client.document.desired().qos_policies] == [policy["id"]]
    assert client.document.desired().ports[0].effective_qos_policy_id == policy["id"]
    _assert_kept_equals_fresh(feed_server, client)

    rules = f"/v2.0/qos/policies/{policy['id']}"
    assert api.post(f"{rules}/bandwidth_limit_rules", {"bandwidth_limit_rule": {
        "max_kbps": 10000, "direction": "ingress"}}).status == 201
    tcp = api.post("/v2.0/classifications", {"classification": {
        "type": "tcp", "definition": {"dst_port_min": 5201}}}).json["classification"]
    v4 = api.post("/v2.0/classifications", {"classification": {
        "type": "ipv4", "negated": True, "definition": {"dst_addr": "10.9.0.9/32"}}}
    ).json["classification"]
    inner = api.post("/v2.0/classification_groups", {"classification_group": {
        "classifications": [v4["id"]]}}).json["classification_group"]
    outer = api.post("/v2.0/classification_groups", {"classification_group": {
        "classifications": [tcp["id"]], "classification_groups": [inner["id"]]}}
    ).json["classification_group"]
    assert api.post(f"{rules}/dscp_marking_rules", {"dscp_marking_rule": {
        "dscp_mark": 26, "classification_group_id": outer["id"]}}).status == 201
    cursor = _drain(client, cursor)
    desired = client.document.desired()
    (kept,) = desired.qos_policies
    assert sorted((r.type, r.direction) for r in kept.rules) == [
        ("bandwidth_limit", "ingress"), ("dscp_marking", "egress")]
    assert {g.id for g in desired.classification_groups} == {outer["id"], inner["id"]}
    assert {c.id: c.negated for c in desired.classifications} == {tcp["id"]: False,
                                                                   v4["id"]: True}
    _assert_kept_equals_fresh(feed_server, client)

    # The network's policy applies once the port has none of its own.
    assert api.put(f"/v2.0/networks/{net['id']}", {"network": {
        "qos_policy_id": unused["id"]}}).status == 200
    assert api.put(f"/v2.0/ports/{port['id']}", {"port": {"qos_policy_id": None}}).status == 200
    cursor = _drain(client, cursor)
    desired = client.document.desired()
    assert [p.id for p in desired.qos_policies] == [unused["id"]]
    assert desired.classification_groups == () and desired.classifications == ()
    assert desired.ports[0].effective_qos_policy_id == unused["id"]
    _assert_kept_equals_fresh(feed_server, client)
