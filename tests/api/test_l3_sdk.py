"""openstacksdk and the openstack CLI against routers and floating IPs: the calls
the spec names work unchanged."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import pytest
import yaml

from tests.support.client import Client


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def ext_net(sdk):
    net = sdk.network.create_network(name=_name("ext"), is_router_external=True)
    third = uuid.uuid4().int % 250
    subnet = sdk.network.create_subnet(network_id=net.id, ip_version=4,
                                       cidr=f"198.51.{third}.0/24")
    return net, subnet


def test_sdk_router_gateway_interfaces_routes(sdk, ext_net):
    ext, _ext_subnet = ext_net
    net = sdk.network.create_network(name=_name("in"))
    subnet = sdk.network.create_subnet(network_id=net.id, ip_version=4, cidr="10.20.0.0/24")
    router = sdk.network.create_router(name=_name("r"))
    assert router.status == "ACTIVE" and router.external_gateway_info is None
    # (add_gateway_to_router PUTs add_gateway_router, which Neutron does not serve:
    # clients set the gateway with an update, as the CLI does.)
    router = sdk.network.update_router(router, external_gateway_info={"network_id": ext.id})
    assert router.external_gateway_info["network_id"] == ext.id
    info = sdk.network.add_interface_to_router(router, subnet_id=subnet.id)
    assert info["subnet_id"] == subnet.id and info["id"] == router.id
    port = sdk.network.get_port(info["port_id"])
    assert port.device_owner == "network:router_interface" and port.device_id == router.id
    assert port.fixed_ips[0]["ip_address"] == "10.20.0.1"
    route = {"destination": "192.168.77.0/24", "nexthop": "10.20.0.9"}
    router = sdk.network.add_extra_routes_to_router(router, body={"router": {"routes": [route]}})
    assert router.routes == [route]
    router = sdk.network.remove_extra_routes_from_router(router,
                                                          body={"router": {"routes": [route]}})
    assert router.routes == []
    assert [r.id for r in sdk.network.routers(name=router.name)] == [router.id]
    sdk.network.remove_interface_from_router(router, subnet_id=subnet.id)
    router = sdk.network.update_router(router, external_gateway_info=None)
    assert router.external_gateway_info is None
    sdk.network.delete_router(router)
    assert sdk.network.find_router(router.id) is None


def test_sdk_create_ip_and_associate(sdk, ext_net):
    ext, ext_subnet = ext_net
    net = sdk.network.create_network(name=_name("in"))
    subnet = sdk.network.create_subnet(network_id=net.id, ip_version=4, cidr="10.21.0.0/24")
    router = sdk.network.create_router(name=_name("r"), external_gateway_info={
        "network_id": ext.id})
    sdk.network.add_interface_to_router(router, subnet_id=subnet.id)
    port = sdk.network.create_port(network_id=net.id)
    ip = sdk.network.create_ip(floating_network_id=ext.id)
    assert ip.floating_ip_address.startswith(ext_subnet.cidr.rsplit(".", 1)[0])
    assert ip.status == "DOWN" and ip.port_id is None
    ip = sdk.network.update_ip(ip, port_id=port.id)
    assert ip.port_id == port.id and ip.router_id == router.id
    assert ip.fixed_ip_address == port.fixed_ips[0]["ip_address"]
    assert ip.port_details["mac_address"] == port.mac_address
    assert [i.id for i in sdk.network.ips(port_id=port.id)] == [ip.id]
    ip = sdk.network.update_ip(ip, port_id=None)
    assert ip.port_id is None
    assert sdk.network.find_available_ip().id is not None
    sdk.network.delete_ip(ip)
    assert sdk.network.find_ip(ip.id) is None


def test_cli_router_and_floating_ip(server, tmp_path):
    clouds = tmp_path / ".config" / "openstack" / "clouds.yaml"
    clouds.parent.mkdir(parents=True)
    clouds.write_text(yaml.safe_dump({"clouds": {"neutrino": {
        "auth_type": "none", "auth": {"endpoint": server.url},
        "network_endpoint_override": server.url + "/"}}}))
    env = {**os.environ, "HOME": str(tmp_path)}
    env.pop("OS_CLIENT_CONFIG_FILE", None)
    cli = os.path.join(os.path.dirname(sys.executable), "openstack")

    def openstack(*args: str, fmt: bool = True) -> dict | None:
        out = subprocess.run([cli, "--os-cloud", "neutrino", *args, *(["-f", "json"] if fmt
                                                                     else [])],
                             env=env, capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout) if fmt else None

    admin = Client(server.url)
    ext = admin.network(**{"router:external": True})
    admin.subnet(ext["id"], f"203.0.{uuid.uuid4().int % 250}.0/24")
    net = admin.network()
    subnet = admin.subnet(net["id"], "10.22.0.0/24")
    port = admin.port(net["id"])
    name = _name("cli")
    router = openstack("router", "create", name)
    openstack("router", "add", "subnet", name, subnet["id"], fmt=False)
    openstack("router", "set", "--external-gateway", ext["id"], name, fmt=False)
    shown = admin.show("routers", router["id"])
    assert shown["external_gateway_info"]["network_id"] == ext["id"]
    fip = openstack("floating", "ip", "create", ext["id"])
    openstack("floating", "ip", "set", "--port", port["id"], fip["id"], fmt=False)
    shown = admin.show("floatingips", fip["id"])
    assert shown["port_id"] == port["id"] and shown["router_id"] == router["id"]
