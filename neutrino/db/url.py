"""Which database to use, worked out without importing SQLAlchemy (the
long-lived `neutrino serve` master process needs the URL but not the engine)."""
from __future__ import annotations

import os
from typing import Any


def sqlite_url(state_path: str) -> str:
    """The embedded SQLite database under ``state_path`` (created if missing)."""
    os.makedirs(state_path, exist_ok=True)
    return f"sqlite:///{os.path.abspath(os.path.join(state_path, 'neutrino.db'))}"


def database_url(conf: Any) -> str:
    return conf.database.connection or sqlite_url(conf.state_path)
