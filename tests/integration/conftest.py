"""In-process plugins on a real, migrated database (SQLite file or PostgreSQL)."""
from __future__ import annotations

import uuid

import pytest

from neutrino import conf as neutrino_conf
from neutrino.db import migration
from neutrino.db.engine import Database
from tests.support.databases import new_database
from tests.support.server import ServerProcess


@pytest.fixture(scope="session")
def conf():
    return neutrino_conf.load([])


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    url = new_database(request, tmp_path, "ip")
    db = Database(url)
    migration.upgrade(db.engine, url)
    yield db
    db.dispose()


@pytest.fixture
def pg_multiworker(postgres):
    """A server with 3 gunicorn workers x 4 threads on a new PostgreSQL database."""
    url = postgres.create_database("mw_" + uuid.uuid4().hex[:8])
    server = ServerProcess(database_url=url, workers=3, threads=4).start()
    yield server
    server.stop()
