"""In-process plugins on a real, migrated database (SQLite file or PostgreSQL)."""
from __future__ import annotations

import uuid

import pytest

from neutrino import conf as neutrino_conf
from neutrino.db import migration
from neutrino.db.engine import Database


@pytest.fixture(scope="session")
def conf():
    return neutrino_conf.load([])


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/inproc.db"
    else:
        url = request.getfixturevalue("postgres").create_database("ip_" + uuid.uuid4().hex[:8])
    db = Database(url)
    migration.upgrade(db.engine, url)
    yield db
    db.dispose()
