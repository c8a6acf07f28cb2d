"""The `openstack` command line drives QoS against `neutrino serve`: policy create,
rule create of every kind the CLI has, port create --qos-policy, rule types."""
from __future__ import annotations

import uuid

import pytest

from tests.integration.test_cli import Cli
from tests.support.server import ServerProcess


@pytest.fixture(scope="module")
def osc(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    server = ServerProcess(home=str(home)).start()
    yield Cli(server, str(home))
    server.stop()


def _name(prefix: str = "qp") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


def test_cli_policy_create_show_set_delete(osc):
    name = _name()
    policy = osc.json("network", "qos", "policy", "create", "--share", "--description", "gold",
                      name)
    assert (policy["name"], policy["shared"], policy["description"]) == (name, True, "gold")
    assert osc.json("network", "qos", "policy", "show", name)["id"] == policy["id"]
    assert osc.run("network", "qos", "policy", "set", "--no-share", name).returncode == 0
    assert osc.api.show("qos/policies", policy["id"])["shared"] is False
    assert osc.run("network", "qos", "policy", "delete", name).returncode == 0
    assert osc.api.get(f"/v2.0/qos/policies/{policy['id']}").status == 404


def test_cli_rules_of_every_kind(osc):
    name = _name()
    policy = osc.json("network", "qos", "policy", "create", name)
    minimum = osc.json("network", "qos", "rule", "create", "--type", "minimum-bandwidth",
                       "--min-kbps", "1000000", "--egress", name)
    assert minimum["min_kbps"] == 1000000 and minimum["direction"] == "egress"
    limit = osc.json("network", "qos", "rule", "create", "--type", "bandwidth-limit",
                     "--max-kbps", "10000", "--max-burst-kbits", "800", "--ingress", name)
    assert (limit["max_kbps"], limit["max_burst_kbps"], limit["direction"]) == (10000, 800,
                                                                                "ingress")
    dscp = osc.json("network", "qos", "rule", "create", "--type", "dscp-marking",
                    "--dscp-mark", "26", name)
    assert dscp["dscp_mark"] == 26
    pps = osc.json("network", "qos", "rule", "create", "--type", "minimum-packet-rate",
                   "--min-kpps", "100", "--any", name)
    assert pps["direction"] == "any"
    listed = osc.json("network", "qos", "rule", "list", name)
    assert {r["ID"] for r in listed} == {minimum["id"], limit["id"], dscp["id"], pps["id"]}
    assert osc.run("network", "qos", "rule", "set", "--min-kbps", "2000", name,
                   minimum["id"]).returncode == 0
    assert osc.api.get(f"/v2.0/qos/policies/{policy['id']}/minimum_bandwidth_rules/"
                       f"{minimum['id']}").json["minimum_bandwidth_rule"]["min_kbps"] == 2000
    bad = osc.run("network", "qos", "rule", "create", "--type", "dscp-marking",
                  "--dscp-mark", "3", name)
    assert bad.returncode != 0


def test_cli_port_create_with_qos_policy(osc):
    policy = osc.json("network", "qos", "policy", "create", _name())
    net = osc.api.network()
    port = osc.json("port", "create", "--network", net["id"], "--qos-policy", policy["id"],
                    _name("port"))
    assert port["qos_policy_id"] == policy["id"]
    assert osc.run("port", "unset", "--qos-policy", port["id"]).returncode == 0
    assert osc.api.show("ports", port["id"])["qos_policy_id"] is None
    assert osc.run("network", "set", "--qos-policy", policy["id"], net["id"]).returncode == 0
    assert osc.api.show("networks", net["id"])["qos_policy_id"] == policy["id"]


def test_cli_rule_types(osc):
    types = {t["Type"] for t in osc.json("network", "qos", "rule", "type", "list")}
    assert {"bandwidth_limit", "dscp_marking", "minimum_bandwidth"} <= types
    shown = osc.json("network", "qos", "rule", "type", "show", "bandwidth_limit")
    assert shown["drivers"][0]["name"] == "openvswitch"
