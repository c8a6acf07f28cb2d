"""Several gunicorn workers on one PostgreSQL: clients racing to create ports for one
project never get past its quota, never see a 5xx, and a bulk counts whole."""
from __future__ import annotations

import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support.client import Client
from tests.support.server import ServerProcess

QUOTA = 50
CLIENTS = 16
ATTEMPTS = 8  # per client: 128 creates race for 50 places


@pytest.fixture(scope="module")
def pg_workers(postgres):
    url = postgres.create_database("quota_" + uuid.uuid4().hex[:8])
    server = ServerProcess(database_url=url, workers=4, threads=4).start()
    yield server
    server.stop()


def _project_with_port_quota(server: ServerProcess) -> tuple[str, str]:
    admin = Client(server.url)
    project = uuid.uuid4().hex
    assert admin.put(f"/v2.0/quotas/{project}", {"quota": {"port": QUOTA}}).status == 200
    net = admin.network(project_id=project)
    admin.subnet(net["id"], "10.40.0.0/23", project_id=project)
    return project, net["id"]


def _race(server: ServerProcess, body: dict) -> list[tuple[int, str | None]]:
    def client(_i: int) -> list[tuple[int, str | None]]:
        http = Client(server.url)  # one HTTP session per client, like separate programs
        out = []
        for _ in range(ATTEMPTS):
            r = http.post("/v2.0/ports", body)
            out.append((r.status, r.error_type))
        return out

    with ThreadPoolExecutor(CLIENTS) as pool:
        return [result for batch in pool.map(client, range(CLIENTS)) for result in batch]


def _ports_of(server: ServerProcess, project: str) -> int:
    r = Client(server.url).get("/v2.0/ports", params={"project_id": project, "fields": "id"})
    return len(r.json["ports"])


def test_racing_port_creates_stop_exactly_at_the_quota(pg_workers):
    project, net_id = _project_with_port_quota(pg_workers)
    results = _race(pg_workers, {"port": {"network_id": net_id, "project_id": project}})
    assert Counter(results) == {(201, None): QUOTA,
                                (409, "OverQuota"): CLIENTS * ATTEMPTS - QUOTA}
    assert _ports_of(pg_workers, project) == QUOTA
    details = Client(pg_workers.url).get(f"/v2.0/quotas/{project}/details").json["quota"]
    assert details["port"] == {"limit": QUOTA, "used": QUOTA, "reserved": 0}


def test_racing_bulk_creates_count_each_bulk_whole(pg_workers):
    project, net_id = _project_with_port_quota(pg_workers)
    bulk = {"ports": [{"network_id": net_id, "project_id": project}] * 3}
    results = _race(pg_workers, bulk)
    # 16 bulks of 3 fill 48 places; no further bulk fits in the 2 left.
    fitting = QUOTA // 3
    assert Counter(results) == {(201, None): fitting,
                                (409, "OverQuota"): CLIENTS * ATTEMPTS - fitting}
    assert _ports_of(pg_workers, project) == 3 * fitting
