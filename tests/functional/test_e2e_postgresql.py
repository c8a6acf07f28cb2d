"""The two-host proof once on PostgreSQL, with two gunicorn workers answering the agents.

Both workers serve the feed: an agent's watch lands on either one, each with
its own journal poller, and a change committed through one is seen by watches
held by the other.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.support.server import ServerProcess

from .cloud import AGENT_DOWN_TIME, Cloud

pytestmark = [pytest.mark.dataplane, pytest.mark.postgres, pytest.mark.xdist_group("e2e-postgresql")]


@pytest.fixture(scope="module")
def cloud_server(postgres) -> Iterator[ServerProcess]:  # noqa: ANN001 - the session's cluster
    url = postgres.create_database("e2e_" + uuid.uuid4().hex[:8])
    server = ServerProcess(database_url=url, workers=2,
                           extra_conf=f"agent_down_time = {AGENT_DOWN_TIME}\n").start(timeout=120)
    try:
        yield server
    finally:
        server.stop()


def test_vms_on_two_hosts_get_dhcp_leases_and_ping_with_two_workers_on_postgresql(
        cloud: Cloud) -> None:
    sdk = cloud.sdk
    assert all(record.is_alive for record in cloud.agent_records().values())
    net = sdk.network.create_network(name="e2e-pg")
    sdk.network.create_subnet(network_id=net.id, ip_version=4, cidr="10.50.1.0/24")
    group = sdk.network.create_security_group(name="pg-ping")
    sdk.network.create_security_group_rule(security_group_id=group.id, direction="ingress",
                                           ethertype="IPv4", protocol="icmp")
    host_a, host_b = cloud.hosts
    port_a, vm_a = cloud.boot(host_a, net, security_group_ids=[group.id])
    port_b, vm_b = cloud.boot(host_b, net, security_group_ids=[group.id])
    assert cloud.leases[port_a.id].address == port_a.fixed_ips[0]["ip_address"]
    assert cloud.leases[port_b.id].address == port_b.fixed_ips[0]["ip_address"]
    assert cloud.wait_status(port_a, "ACTIVE").status == "ACTIVE"
    assert cloud.wait_status(port_b, "ACTIVE").status == "ACTIVE"
    assert vm_a.reaches(vm_b.ip, tries=30)
    assert vm_b.reaches(vm_a.ip, tries=30)
