"""Several gunicorn workers on one PostgreSQL: concurrent port creation never hands
out an IP or a MAC twice and never answers 5xx."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor


from tests.support.client import Client

PORTS = 500
THREADS = 8


def test_concurrent_port_creates_get_distinct_ips_and_macs(pg_multiworker):
    admin = Client(pg_multiworker.url)
    net = admin.network()
    admin.subnet(net["id"], "10.20.0.0/22")

    def create(i: int) -> tuple[int, dict | str]:
        client = Client(pg_multiworker.url)  # one HTTP session per call, like separate clients
        r = client.post("/v2.0/ports", {"port": {"network_id": net["id"], "name": f"p{i}"}})
        return r.status, (r.json["port"] if r.status == 201 else r.raw.text)

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(create, range(PORTS)))

    failures = [(s, body) for s, body in results if s != 201]
    assert failures == []
    ports = [body for _s, body in results]
    ips = [p["fixed_ips"][0]["ip_address"] for p in ports]
    macs = [p["mac_address"] for p in ports]
    assert len(set(ips)) == PORTS
    assert len(set(macs)) == PORTS
    listed = admin.get("/v2.0/ports", params={"network_id": net["id"], "fields": ["id"]})
    assert len(listed.json["ports"]) == PORTS


def test_concurrent_requests_for_one_specific_ip_give_one_winner(pg_multiworker):
    admin = Client(pg_multiworker.url)
    net = admin.network()
    sub = admin.subnet(net["id"], "10.30.0.0/24")

    def create(_i: int) -> int:
        return Client(pg_multiworker.url).post("/v2.0/ports", {"port": {
            "network_id": net["id"],
            "fixed_ips": [{"subnet_id": sub["id"], "ip_address": "10.30.0.77"}]}}).status

    with ThreadPoolExecutor(THREADS) as pool:
        statuses = sorted(pool.map(create, range(16)))
    assert statuses == [201] + [409] * 15
