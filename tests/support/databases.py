"""New empty databases for in-process tests, on either backend."""
from __future__ import annotations

import uuid


def new_database(request, tmp_path, prefix: str) -> str:
    """The URL of a new empty database on the fixture's backend (``request.param``)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/{prefix}.db"
    return request.getfixturevalue("postgres").create_database(
        f"{prefix}_" + uuid.uuid4().hex[:8])
