"""Session-wide real parts: PostgreSQL clusters and server processes, shared by tests."""
from __future__ import annotations

import uuid

import pytest

from tests.conformance.plugin import pytest_runtest_logreport  # noqa: F401
from tests.conformance.plugin import pytest_terminal_summary as tempest_summary
from tests.conformance.plugin import pytest_xdist_make_scheduler  # noqa: F401
from tests.support.client import Client
from tests.support.keystone import keystone, keystone_server  # noqa: F401 - fixtures
from tests.support.placement import placement, placement_keystone  # noqa: F401 - fixtures
from tests.support.postgres import PostgresCluster
from tests.support.requirements import unavailable
from tests.support.server import ServerProcess


@pytest.fixture(scope="session")
def postgres():
    cluster = PostgresCluster()
    try:
        cluster.start()
    except Exception as err:  # noqa: BLE001
        cluster.stop()
        unavailable(f"cannot start PostgreSQL: {err}")
    yield cluster
    cluster.stop()


def _unlimited_admin(server: ServerProcess) -> ServerProcess:
    """Tests on a session-wide server create as the admin project, which piles up every
    test's networks and ports; lift its quotas so the suite's size never meets them
    (quota tests use projects of their own)."""
    admin = Client(server.url)
    limits = admin.get("/v2.0/quotas/admin").json["quota"]
    r = admin.put("/v2.0/quotas/admin", {"quota": {
        name: -1 for name in limits if name not in ("project_id", "tenant_id")}})
    if r.status != 200:
        server.stop()
        raise RuntimeError(f"cannot lift the admin project's quotas: {r}")
    return server


@pytest.fixture(scope="session")
def sqlite_server():
    server = _unlimited_admin(ServerProcess().start())
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgresql_server(postgres):
    url = postgres.create_database("api_" + uuid.uuid4().hex[:8])
    server = _unlimited_admin(ServerProcess(database_url=url).start())
    yield server
    server.stop()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def server(request):
    """The API suite runs once against each database backend."""
    return request.getfixturevalue(f"{request.param}_server")


def pytest_terminal_summary(terminalreporter):
    """Show the fuzz count (tests/fuzz) at the end of the run, pass or fail; with xdist
    the figures come back from the worker as a user property of the test's report; then
    the Tempest section (tests/conformance)."""
    for report in terminalreporter.stats.get("passed", []) + terminalreporter.stats.get("failed", []):
        for name, value in getattr(report, "user_properties", ()):
            if name == "fuzz_summary" and report.when == "call":
                terminalreporter.write_line(value)
    tempest_summary(terminalreporter)
