"""The `openstack` command line drives address scopes, subnet pools, subnets from
pools and onboarding against `neutrino serve`, once per backend."""
from __future__ import annotations

import ipaddress
import uuid

import pytest

from tests.integration.test_cli import Cli
from tests.support.server import ServerProcess


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def osc(request, tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    url = ""
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres").create_database("clia_" + uuid.uuid4().hex[:8])
    server = ServerProcess(database_url=url, home=str(home)).start()
    yield Cli(server, str(home))
    server.stop()


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


def test_cli_address_scope_create_show_set_delete(osc):
    name = _name("as")
    scope = osc.json("address", "scope", "create", "--ip-version", "6", "--share", name)
    assert (scope["name"], scope["ip_version"], scope["shared"]) == (name, 6, True)
    assert osc.json("address", "scope", "show", name)["id"] == scope["id"]
    assert osc.run("address", "scope", "set", "--name", name + "-x", scope["id"]).returncode == 0
    assert osc.api.show("address-scopes", scope["id"])["name"] == name + "-x"
    assert osc.run("address", "scope", "delete", scope["id"]).returncode == 0
    assert osc.api.get(f"/v2.0/address-scopes/{scope['id']}").status == 404


def test_cli_subnet_pool_in_scope_subnet_with_prefix_length_and_pool_prefix_set(osc):
    scope = osc.json("address", "scope", "create", "--ip-version", "4", _name("as"))
    pool_name = _name("pool")
    pool = osc.json("subnet", "pool", "create", "--pool-prefix", "10.160.0.0/16",
                    "--address-scope", scope["name"], "--default-prefix-length", "24",
                    pool_name)
    stored = osc.api.show("subnetpools", pool["id"])
    assert (stored["address_scope_id"], stored["prefixes"], stored["default_prefixlen"]) == (
        scope["id"], ["10.160.0.0/16"], "24")
    net = osc.json("network", "create", _name("net"))
    sub = osc.json("subnet", "create", "--network", net["id"], "--subnet-pool", pool_name,
                   "--prefix-length", "26", _name("sub"))
    cidr = ipaddress.ip_network(sub["cidr"])
    assert cidr.prefixlen == 26 and cidr.subnet_of(ipaddress.ip_network("10.160.0.0/16"))
    assert osc.api.show("subnets", sub["id"])["subnetpool_id"] == pool["id"]
    assert osc.api.show("networks", net["id"])["ipv4_address_scope"] == scope["id"]
    out = osc.run("subnet", "pool", "set", "--pool-prefix", "10.161.0.0/16", pool_name)
    assert out.returncode == 0, out.stderr
    assert osc.api.show("subnetpools", pool["id"])["prefixes"] == ["10.160.0.0/15"]
    refused = osc.run("address", "scope", "delete", scope["id"])
    assert refused.returncode != 0


# `network onboard subnet` is the older (deprecated) name of `subnet pool add network`;
# both take the network first, then the pool.
@pytest.mark.parametrize("command,octet", [(("network", "onboard", "subnet"), 162),
                                           (("subnet", "pool", "add", "network"), 163)])
def test_cli_network_onboard_subnets(osc, command, octet):
    pool = osc.json("subnet", "pool", "create", "--pool-prefix", f"10.{octet}.0.0/16",
                    _name("pool"))
    net = osc.json("network", "create", _name("net"))
    sub = osc.json("subnet", "create", "--network", net["id"], "--subnet-range",
                   f"192.168.{octet}.0/24", _name("sub"))
    out = osc.run(*command, net["id"], pool["id"])
    assert out.returncode == 0, out.stderr
    assert osc.api.show("subnets", sub["id"])["subnetpool_id"] == pool["id"]
    assert f"192.168.{octet}.0/24" in osc.api.show("subnetpools", pool["id"])["prefixes"]
