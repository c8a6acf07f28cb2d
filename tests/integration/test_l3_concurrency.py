"""Several gunicorn workers on one PostgreSQL, 8 client threads: floating IPs from one
small external subnet are all distinct and stop cleanly with 409 when it is
exhausted; the same port forwarding created at once by many yields one."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.support.client import Client

THREADS = 8


def test_floating_ips_from_a_small_subnet_are_distinct_then_409(pg_multiworker):
    admin = Client(pg_multiworker.url)
    ext = admin.network(**{"router:external": True})
    admin.subnet(ext["id"], "198.18.0.0/27")  # 30 hosts, one is the gateway: 29 addresses

    def create(_i: int) -> tuple[int, dict]:
        r = Client(pg_multiworker.url).post(
            "/v2.0/floatingips", {"floatingip": {"floating_network_id": ext["id"]}})
        return r.status, r.json

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(create, range(40)))
    created = [body["floatingip"] for status, body in results if status == 201]
    refused = [body["NeutronError"]["type"] for status, body in results if status == 409]
    assert len(created) == 29 and len(refused) == 11, results
    assert set(refused) == {"IpAddressGenerationFailure"}
    assert len({f["floating_ip_address"] for f in created}) == 29
    listed = admin.get("/v2.0/floatingips", params={"floating_network_id": ext["id"]})
    assert len(listed.json["floatingips"]) == 29


def test_the_same_port_forwarding_created_at_once_yields_one(pg_multiworker):
    admin = Client(pg_multiworker.url)
    ext = admin.network(**{"router:external": True})
    admin.subnet(ext["id"], "198.19.0.0/24")
    net = admin.network()
    sub = admin.subnet(net["id"], "10.60.0.0/24")
    router = admin.create("routers", "router", external_gateway_info={"network_id": ext["id"]})
    assert admin.put(f"/v2.0/routers/{router['id']}/add_router_interface",
                     {"subnet_id": sub["id"]}).status == 200
    fip = admin.create("floatingips", "floatingip", floating_network_id=ext["id"])
    port = admin.port(net["id"])
    body = {"port_forwarding": {"protocol": "tcp", "internal_port_id": port["id"],
                                "internal_ip_address": port["fixed_ips"][0]["ip_address"],
                                "internal_port": 22, "external_port": 2022}}
    url = f"/v2.0/floatingips/{fip['id']}/port_forwardings"

    def create(_i: int) -> int:
        return Client(pg_multiworker.url).post(url, body).status

    with ThreadPoolExecutor(THREADS) as pool:
        statuses = sorted(pool.map(create, range(16)))
    assert statuses == [201] + [400] * 15
    assert len(admin.get(url).json["port_forwardings"]) == 1
