"""Several gunicorn workers on one PostgreSQL: subnets allocated concurrently from one
subnet pool (and from pools of one address scope) never overlap, and no request
answers 5xx."""
from __future__ import annotations

import ipaddress
from concurrent.futures import ThreadPoolExecutor

from tests.support.client import Client

SUBNETS = 160
THREADS = 8


def _lift_quotas(admin: Client) -> None:
    r = admin.put("/v2.0/quotas/admin", {"quota": {"network": -1, "subnet": -1}})
    assert r.status == 200, r


def _allocate(url: str, networks: list[dict], pool_ids: list[str]):
    def create(i: int) -> tuple[int, dict | str]:
        client = Client(url)  # one HTTP session per call, like separate clients
        r = client.post("/v2.0/subnets", {"subnet": {
            "network_id": networks[i % len(networks)]["id"], "ip_version": 4,
            "subnetpool_id": pool_ids[i % len(pool_ids)], "prefixlen": 26 + i % 3}})
        return r.status, (r.json["subnet"] if r.status == 201 else r.raw.text)

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(create, range(SUBNETS)))


def _assert_disjoint(results) -> list:
    failures = [(s, body) for s, body in results if s != 201]
    assert failures == []
    cidrs = sorted((ipaddress.ip_network(b["cidr"]) for _s, b in results),
                   key=lambda n: (int(n.network_address), n.prefixlen))
    for a, b in zip(cidrs, cidrs[1:]):
        assert not a.overlaps(b), (a, b)
    return cidrs


def test_concurrent_allocations_from_one_pool_never_overlap(pg_multiworker):
    admin = Client(pg_multiworker.url)
    _lift_quotas(admin)
    pool = admin.create("subnetpools", "subnetpool", name="busy", prefixes=["10.60.0.0/16"])
    networks = [admin.network() for _ in range(THREADS)]
    cidrs = _assert_disjoint(_allocate(pg_multiworker.url, networks, [pool["id"]]))
    assert len(cidrs) == SUBNETS
    assert all(c.subnet_of(ipaddress.ip_network("10.60.0.0/16")) for c in cidrs)
    listed = admin.get("/v2.0/subnets", params={"subnetpool_id": pool["id"], "fields": "id"})
    assert len(listed.json["subnets"]) == SUBNETS


def test_concurrent_allocations_from_pools_of_one_scope_never_overlap(pg_multiworker):
    admin = Client(pg_multiworker.url)
    _lift_quotas(admin)
    scope = admin.create("address-scopes", "address_scope", name="busy", ip_version=4)
    pools = [admin.create("subnetpools", "subnetpool", name=f"p{i}", prefixes=[prefix],
                          address_scope_id=scope["id"])["id"]
             for i, prefix in enumerate(["10.61.0.0/17", "10.61.128.0/17"])]
    # Each network takes all its subnets from one pool (as Neutron requires).
    networks = [admin.network() for _ in range(2)]
    results = _allocate(pg_multiworker.url, networks, pools)
    assert len(_assert_disjoint(results)) == SUBNETS
