"""The `openstack` command line (python-openstackclient) against `neutrino serve`,
with the clouds.yaml the server writes into a temporary HOME: networks, subnets,
ports, tags and IP availability, asserting on `-f json` output. Once per backend."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from typing import Any

import pytest

from tests.support.client import Client
from tests.support.server import ServerProcess

OPENSTACK = os.path.join(os.path.dirname(sys.executable), "openstack")


class Cli:
    def __init__(self, server: ServerProcess, home: str) -> None:
        self.server = server
        self.api = Client(server.url)
        # Only the clouds.yaml under this HOME may configure the client.
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
        self.env["HOME"] = home

    def run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([OPENSTACK, "--os-cloud", "neutrino", *args], env=self.env,
                              capture_output=True, text=True, timeout=120)

    def json(self, *args: str) -> Any:
        out = self.run(*args, "-f", "json")
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def cli(request, tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    url = ""
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres").create_database("cli_" + uuid.uuid4().hex[:8])
    server = ServerProcess(database_url=url, home=str(home)).start()
    assert (home / ".config" / "openstack" / "clouds.yaml").exists()
    yield Cli(server, str(home))
    server.stop()


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


def test_network_create_show_list_set_delete(cli):
    name = _name("net")
    net = cli.json("network", "create", name, "--description", "made by the CLI", "--disable",
                   "--mtu", "1400", "--tag", "cli-red")
    assert (net["name"], net["description"], net["admin_state_up"], net["mtu"]) == (
        name, "made by the CLI", False, 1400)
    assert net["status"] == "ACTIVE" and net["provider:network_type"] == "vxlan"
    assert cli.api.show("networks", net["id"])["tags"] == ["cli-red"]

    shown = cli.json("network", "show", name)  # by name: the find-by-name fallback
    assert shown["id"] == net["id"] and shown["tags"] == ["cli-red"]
    listed = cli.json("network", "list", "--tags", "cli-red")
    assert [(n["ID"], n["Name"]) for n in listed] == [(net["id"], name)]

    out = cli.run("network", "set", net["id"], "--name", name + "-renamed", "--enable")
    assert out.returncode == 0, out.stderr
    now = cli.api.show("networks", net["id"])
    assert now["name"] == name + "-renamed" and now["admin_state_up"] is True
    assert now["revision_number"] > net["revision_number"]

    assert cli.run("network", "delete", net["id"]).returncode == 0
    missing = cli.run("network", "show", net["id"])
    assert missing.returncode != 0 and "No Network found" in missing.stderr
    assert cli.api.get(f"/v2.0/networks/{net['id']}").status == 404


def test_provider_network_create(cli):
    net = cli.json("network", "create", _name("vlan"), "--provider-network-type", "vlan",
                   "--provider-physical-network", "physnet1", "--provider-segment", "3002")
    assert (net["provider:network_type"], net["provider:physical_network"],
            net["provider:segmentation_id"], net["mtu"]) == ("vlan", "physnet1", 3002, 1500)


def test_subnet_create_ipv4_and_ipv6_and_list(cli):
    net = cli.api.network(name=_name("subnets"))
    v4 = cli.json("subnet", "create", _name("v4"), "--network", net["name"],
                  "--subnet-range", "10.123.0.0/24", "--gateway", "10.123.0.1",
                  "--allocation-pool", "start=10.123.0.10,end=10.123.0.20",
                  "--dns-nameserver", "192.0.2.53", "--host-route",
                  "destination=198.51.100.0/24,gateway=10.123.0.254")
    assert (v4["network_id"], v4["cidr"], v4["ip_version"], v4["gateway_ip"]) == (
        net["id"], "10.123.0.0/24", 4, "10.123.0.1")
    assert v4["allocation_pools"] == [{"start": "10.123.0.10", "end": "10.123.0.20"}]
    assert v4["dns_nameservers"] == ["192.0.2.53"]
    assert v4["host_routes"] == [{"destination": "198.51.100.0/24", "nexthop": "10.123.0.254"}]
    v6 = cli.json("subnet", "create", _name("v6"), "--network", net["id"], "--ip-version", "6",
                  "--subnet-range", "fd12:3::/64", "--ipv6-ra-mode", "slaac",
                  "--ipv6-address-mode", "slaac")
    assert (v6["cidr"], v6["ip_version"], v6["ipv6_ra_mode"], v6["ipv6_address_mode"]) == (
        "fd12:3::/64", 6, "slaac", "slaac")
    listed = cli.json("subnet", "list", "--network", net["id"])
    assert sorted(s["Subnet"] for s in listed) == ["10.123.0.0/24", "fd12:3::/64"]
    assert sorted(cli.api.show("networks", net["id"])["subnets"]) == sorted([v4["id"], v6["id"]])


def test_subnet_create_with_a_bad_range_fails_and_stores_nothing(cli):
    net = cli.api.network(name=_name("bad"))
    out = cli.run("subnet", "create", _name("bad"), "--network", net["id"],
                  "--subnet-range", "10.123.0.0/33")
    assert out.returncode != 0 and "cidr" in out.stderr
    assert cli.api.show("networks", net["id"])["subnets"] == []


def test_port_create_list_show_delete(cli):
    net = cli.api.network(name=_name("ports"))
    sub = cli.api.subnet(net["id"], "10.124.0.0/24", name=_name("sub"))
    port = cli.json("port", "create", _name("port"), "--network", net["name"],
                    "--fixed-ip", f"subnet={sub['name']},ip-address=10.124.0.15",
                    "--mac-address", "fa:16:3e:12:34:56", "--device-owner", "compute:nova")
    assert port["network_id"] == net["id"] and port["mac_address"] == "fa:16:3e:12:34:56"
    assert port["fixed_ips"] == [{"subnet_id": sub["id"], "ip_address": "10.124.0.15"}]
    assert port["device_owner"] == "compute:nova" and port["status"] == "DOWN"
    auto = cli.json("port", "create", _name("auto"), "--network", net["id"])
    assert [ip["subnet_id"] for ip in auto["fixed_ips"]] == [sub["id"]]

    listed = cli.json("port", "list", "--network", net["id"])
    assert sorted(p["ID"] for p in listed) == sorted([port["id"], auto["id"]])
    assert cli.json("port", "show", port["id"])["name"] == port["name"]

    assert cli.run("port", "delete", port["id"], auto["id"]).returncode == 0
    assert cli.api.get("/v2.0/ports", params={"network_id": net["id"]}).json["ports"] == []


def test_port_create_with_an_address_in_use_fails(cli):
    net = cli.api.network(name=_name("taken"))
    cli.api.subnet(net["id"], "10.125.0.0/24")
    cli.api.port(net["id"], fixed_ips=[{"ip_address": "10.125.0.9"}])
    out = cli.run("port", "create", _name("second"), "--network", net["id"],
                  "--fixed-ip", "ip-address=10.125.0.9")
    assert out.returncode != 0 and "10.125.0.9" in out.stderr
    assert len(cli.api.get("/v2.0/ports", params={"network_id": net["id"]}).json["ports"]) == 1


def test_ip_availability_show(cli):
    net = cli.api.network(name=_name("ipa"))
    cli.api.subnet(net["id"], "10.126.0.0/28")
    cli.api.port(net["id"])
    got = cli.json("ip", "availability", "show", net["id"])
    assert (got["network_id"], got["total_ips"], got["used_ips"]) == (net["id"], 13, 1)
