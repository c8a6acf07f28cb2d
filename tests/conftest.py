"""Session-wide real parts: PostgreSQL clusters and server processes, shared by tests."""
from __future__ import annotations

import uuid

import pytest

from tests.support.keystone import keystone, keystone_server  # noqa: F401 - fixtures
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


@pytest.fixture(scope="session")
def sqlite_server():
    server = ServerProcess().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgresql_server(postgres):
    url = postgres.create_database("api_" + uuid.uuid4().hex[:8])
    server = ServerProcess(database_url=url).start()
    yield server
    server.stop()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def server(request):
    """The API suite runs once against each database backend."""
    return request.getfixturevalue(f"{request.param}_server")
