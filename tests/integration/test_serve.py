"""`neutrino serve` processes: a small gunicorn master that never loads the
application, workers that migrate the schema (one at a time) before serving,
and a server that stops when the schema cannot be migrated."""
from __future__ import annotations

import pytest

from tests.support.client import Client
from tests.support.server import ServerProcess


def children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as f:
        return [int(c) for c in f.read().split()]


def mapped_files(pid: int) -> str:
    with open(f"/proc/{pid}/maps") as f:
        return f.read()


def test_serve_master_does_not_load_the_application_or_sqlalchemy():
    server = ServerProcess().start()
    try:
        Client(server.url).network()
        (worker,) = children(server.proc.pid)
        # SQLAlchemy's compiled modules are mapped by whoever imported it.
        assert "/sqlalchemy/" in mapped_files(worker)
        assert "/sqlalchemy/" not in mapped_files(server.proc.pid)
    finally:
        server.stop()


def test_serve_with_three_workers_migrates_a_new_database_once_and_serves():
    server = ServerProcess(workers=3).start()
    try:
        admin = Client(server.url)
        nets = [admin.network()["id"] for _ in range(6)]
        listed = admin.get("/v2.0/networks").json["networks"]
        assert sorted(n["id"] for n in listed) == sorted(nets)
        assert len(children(server.proc.pid)) == 3 and server.proc.poll() is None
    finally:
        server.stop()


def test_serve_stops_when_the_database_cannot_be_migrated():
    server = ServerProcess(extra_conf="[database]\n"
                                      "connection = sqlite:////nonexistent-dir/neutrino.db\n")
    with pytest.raises(RuntimeError, match="exited early"):
        server.start()
    assert server.proc.returncode != 0
    assert "the database migration failed" in server.log()
