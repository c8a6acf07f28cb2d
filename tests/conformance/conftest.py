"""Tempest's run: its Keystone and its Neutrino (the hooks are in plugin.py)."""
from __future__ import annotations

import shutil

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


# The VXLAN ids of tenant networks, as neutron-tempest-plugin's jobs configure them: its
# network segment range tests expect tenant networks' default VNIs in 1-2000. And room
# for a test class's resources: Tempest runs a class's tests in one worker and one
# project (.stestr.conf's group_regex), and a class such as RoutersTest keeps more
# routers than the default quota of 10 until its class clean-up.
TEMPEST_SERVER_CONF = ("[ml2_type_vxlan]\nvni_ranges = 1:2000\n"
                       "[quotas]\nquota_router = 100\nquota_floatingip = 500\n"
                       "quota_security_group = 150\nquota_security_group_rule = 1000\n")


@pytest.fixture(scope="session")
def tempest_neutrino(tempest_keystone):
    """Neutrino as the catalog's network endpoint: one worker, one thread (SQLite)."""
    server = ServerProcess(extra_conf=tempest_keystone.authtoken_conf() + TEMPEST_SERVER_CONF,
                           workers=1, threads=1)
    tempest_keystone.register_network_endpoint(server.url)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def tempest_admin(tempest_keystone, tempest_neutrino) -> Client:
    return Client(tempest_neutrino.url,
                  auth=TokenAuth(tempest_keystone.session(tempest_keystone.admin)))



# The suite's own agent: one testbed host (tests/functional/testbed.py: a namespace with
# its own ovs-vswitchd) running `neutrino agent` with DHCP and L3 on, authenticated as
# the neutron service user. It registers an Open vSwitch, a DHCP and an L3 agent (three
# records: Tempest's agent tests want two, to leave one alone), wires the DHCP ports of
# every DHCP subnet and the ports of the routers scheduled to it, and reports them
# ACTIVE. The public network's physical network is in its bridge mappings.
TEMPEST_AGENT_HOST = "tempest-host-1"
HEARTBEAT_SECONDS = 10


@pytest.fixture(scope="session")
def tempest_agents(tempest_keystone, tempest_neutrino, tmp_path_factory):
    """The agent process for Tempest's run; its log is copied into .tempest/ at the end."""
    from pyroute2 import netns

    from tests.functional.cloud import ApiBridge, spawn_agent
    from tests.functional.testbed import Testbed, TestbedError, preflight
    from tests.support.keystone import DOMAIN
    from tests.support.tempest import PUBLIC_NETWORK, WORKSPACE

    try:
        preflight()
    except TestbedError as err:
        unavailable(f"Tempest's agent needs the data-plane testbed: {err}")
    missing = [tool for tool in ("socat", "nsenter", "dnsmasq", "nft") if shutil.which(tool) is None]
    if missing:
        unavailable(f"Tempest's agent needs {', '.join(missing)} "
                    "(Debian: socat, util-linux, dnsmasq, nftables)")
    svc = tempest_keystone.service_user
    auth = ("[agent_auth]\nauth_type = password\n"
            f"auth_url = {tempest_keystone.auth_url}\nusername = {svc.name}\n"
            f"password = {svc.password}\nproject_name = {svc.project_name}\n"
            f"user_domain_id = {DOMAIN}\nproject_domain_id = {DOMAIN}\n")
    bed = Testbed(tmp_path_factory.mktemp("tempest-agent"))
    bridges: list[ApiBridge] = []
    host = None
    try:
        host = bed.add_host(TEMPEST_AGENT_HOST)
        # The host namespace reaches Neutrino and Keystone at their own loopback URLs.
        for port in (tempest_neutrino.port, tempest_keystone.port):
            bridges.append(ApiBridge(port))
            bridges[-1].connect(host)
        agent = spawn_agent(bed, host, tempest_neutrino.url, dhcp=True, physnet=PUBLIC_NETWORK,
                            report_interval=HEARTBEAT_SECONDS, extra="l3 = true\n" + auth)
        try:
            agent.wait_synced(timeout=180)
        except TestbedError as err:
            log = (host.workdir / "agent.log").read_text(errors="replace")[-4000:]
            pytest.fail(f"Tempest's agent did not start: {err}\n{log}")
        yield TEMPEST_AGENT_HOST
    finally:
        bed.close()
        for bridge in bridges:
            bridge.close()
        if host is not None:
            for router in (host.workdir / "agent" / "l3").glob("*/"):
                try:
                    netns.remove(f"qrouter-{router.name}")
                except OSError:
                    pass
            for name in ("agent.log", "agent.out"):
                if (host.workdir / name).exists() and WORKSPACE.exists():
                    shutil.copy(host.workdir / name, WORKSPACE / name)
