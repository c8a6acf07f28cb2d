"""Tempest's run: its Keystone and its Neutrino (the hooks are in plugin.py)."""
from __future__ import annotations

import pytest

from tests.support.client import Client
from tests.support.keystone import Keystone, TokenAuth
from tests.support.requirements import unavailable
from tests.support.server import ServerProcess
from tests.support.tempest import KEYSTONE_CACHE_CONF, missing_install


@pytest.fixture(scope="session")
def tempest_keystone():
    """A Keystone of Tempest's own: it fills it with hundreds of users and projects."""
    if reason := missing_install():
        unavailable(reason)
    # The neutron service user has admin besides service, as in a real deployment.
    ks = Keystone(extra_conf=KEYSTONE_CACHE_CONF, service_roles=("admin", "service"),
                  threads=1)
    try:
        ks.start()
    except Exception as err:  # noqa: BLE001
        log = ks.log()
        ks.stop()
        unavailable(f"cannot start Keystone: {err}\n{log}")
    yield ks
    ks.stop()


@pytest.fixture(scope="session")
def tempest_neutrino(tempest_keystone):
    """Neutrino as the catalog's network endpoint: one worker, one thread (SQLite)."""
    server = ServerProcess(extra_conf=tempest_keystone.authtoken_conf(), workers=1, threads=1)
    tempest_keystone.register_network_endpoint(server.url)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def tempest_admin(tempest_keystone, tempest_neutrino) -> Client:
    return Client(tempest_neutrino.url,
                  auth=TokenAuth(tempest_keystone.session(tempest_keystone.admin)))



# Two hosts' switch agents, as the suite's own agents will register them: Tempest's
# agent tests read, update and delete agent records (it needs two, to leave one
# alone). No DHCP agent: none would wire its DHCP ports, whose status Tempest waits
# for (and every subnet would get one). One L3 agent record (on the first host), as a
# legacy L3 agent registers it: the l3_agent_scheduler tests need one to place
# routers on. It wires nothing, so router interface ports stay DOWN (those four
# tests stay on the expected-failure list until an agent really runs here).
TEMPEST_AGENT_HOSTS = ("tempest-host-1", "tempest-host-2")
HEARTBEAT_SECONDS = 15


@pytest.fixture(scope="session")
def tempest_agents(tempest_admin):
    """Register the agents, and beat their hearts while Tempest runs (a record Tempest
    deletes comes back with the next heartbeat, as with a real agent)."""
    import threading

    def beat(start: bool = False) -> None:
        for host in TEMPEST_AGENT_HOSTS:
            r = tempest_admin.post("/feed/v1/agents", {"agent": {
                "host": host, "agent_type": "Open vSwitch agent",
                "binary": "neutron-openvswitch-agent", "topic": "N/A", "start_flag": start,
                "configurations": {"tunnel_types": ["vxlan"], "bridge_mappings": {
                    "public": "br-ex"}, "integration_bridge": "br-int", "devices": 0}}})
            assert r.status == 200, r
        r = tempest_admin.post("/feed/v1/agents", {"agent": {
            "host": TEMPEST_AGENT_HOSTS[0], "agent_type": "L3 agent",
            "binary": "neutron-l3-agent", "topic": "l3_agent", "start_flag": start,
            "configurations": {"agent_mode": "legacy", "routers": 0}}})
        assert r.status == 200, r

    beat(start=True)
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(HEARTBEAT_SECONDS):
            try:
                beat()
            except Exception:  # noqa: BLE001 - a busy server: the next beat is in time
                continue

    thread = threading.Thread(target=loop, name="tempest-agent-heartbeats", daemon=True)
    thread.start()
    yield TEMPEST_AGENT_HOSTS
    stop.set()
    thread.join(5)
