"""`neutrino serve` processes: a small gunicorn master that never loads the
application, workers that migrate the schema (one at a time) before serving,
a server that stops when the schema cannot be migrated; its address and port
(--bind/--port over the config file), and its banner, printed only once the
port is bound, or a clear error when the port is taken."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys

import pytest
import requests

from tests.support.client import Client
from tests.support.postgres import free_port
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


# -- address, port and the banner -------------------------------------------------------

NEUTRINO = os.path.join(os.path.dirname(sys.executable), "neutrino")
BANNER = "Neutrino is serving the Networking API on"


def serve(tmp_path, *args: str, conf: str = "") -> subprocess.Popen:
    """`neutrino serve ARGS` in its own state dir, stdout and stderr piped apart."""
    path = tmp_path / "neutrino.conf"
    path.write_text(f"[DEFAULT]\nstate_path = {tmp_path}/state\n{conf}\n")
    return subprocess.Popen([NEUTRINO, "serve", "--no-clouds-yaml", "--config-file", str(path),
                             *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


def accepts(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def test_serve_prints_its_banner_once_the_port_accepts_connections(tmp_path):
    port = free_port()
    proc = serve(tmp_path, "--port", str(port))
    try:
        line = proc.stdout.readline()
        assert line.startswith(BANNER), line + proc.stderr.read() if proc.poll() is not None else line
        # The banner promises a server: the very next connection must be accepted.
        assert accepts("127.0.0.1", port)
        assert requests.get(f"http://127.0.0.1:{port}/", timeout=30).status_code == 200
    finally:
        stop(proc)


def test_serve_banner_points_at_the_topology_page(tmp_path):
    port = free_port()
    proc = serve(tmp_path, "--port", str(port))
    try:
        lines = [proc.stdout.readline() for _ in range(3)]
        url = f"http://127.0.0.1:{port}/topology"
        assert any(f"topology: {url} " in line for line in lines), lines
        page = requests.get(url, timeout=30)
        assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    finally:
        stop(proc)


def test_serve_on_a_port_in_use_says_so_and_exits_non_zero_without_retrying(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = serve(tmp_path, "--port", str(port))
        out, err = proc.communicate(timeout=60)
    assert proc.returncode != 0
    assert f"port {port} on 127.0.0.1 is already in use" in err
    assert "--port" in err  # and how to choose another one
    assert BANNER not in out
    # Gunicorn never started, so none of its five bind attempts a second apart ran.
    assert "Starting gunicorn" not in err and "Connection in use" not in err


def test_serve_bind_and_port_options_override_the_config_file(tmp_path):
    conf_port, port = free_port(), free_port()
    proc = serve(tmp_path, "--bind", "127.0.0.2", "--port", str(port),
                 conf=f"bind_host = 127.0.0.1\nbind_port = {conf_port}")
    try:
        line = proc.stdout.readline()
        assert line.startswith(f"{BANNER} http://127.0.0.2:{port}/v2.0/"), line
        body = requests.get(f"http://127.0.0.2:{port}/", timeout=30).json()
        assert body["versions"][0]["links"][0]["href"] == f"http://127.0.0.2:{port}/v2.0/"
        assert not accepts("127.0.0.1", conf_port) and not accepts("127.0.0.1", port)
    finally:
        stop(proc)


def test_serve_refuses_a_port_that_is_not_a_port(tmp_path):
    proc = serve(tmp_path, "--port", "99999")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert "--port" in err and "99999" in err
    assert BANNER not in out


def test_serve_help_says_how_address_port_and_config_files_are_chosen():
    out = subprocess.run([NEUTRINO, "serve", "--help"], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0
    for words in ("--bind HOST", "--port PORT", "bind_host", "bind_port", "127.0.0.1:9696",
                  "--config-file", "--config-dir", ".neutrino/neutrino.db"):
        assert words in out.stdout, words
