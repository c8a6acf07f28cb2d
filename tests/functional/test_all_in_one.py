"""`make run`'s all-in-one mode: `neutrino serve --with-agent` also runs this host's agent.

With an Open vSwitch to drive (a testbed host's, standing for the machine's own)
the agent registers and `/v2.0/agents` lists it; without one the server still
serves and the terminal says why the agent did not start.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.support.postgres import free_port
from tests.support.waiting import wait_for

from .testbed import Testbed

pytestmark = pytest.mark.dataplane
NEUTRINO = os.path.join(os.path.dirname(sys.executable), "neutrino")


def serve_with_agent(workdir: Path, agent_conf: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    conf = workdir / "neutrino.conf"
    conf.write_text(f"[DEFAULT]\nbind_port = {port}\nstate_path = {workdir}/state\n"
                    f"agent_down_time = 10\n[agent]\n{agent_conf}")
    proc = subprocess.Popen([NEUTRINO, "serve", "--with-agent", "--no-clouds-yaml",
                             "--config-file", str(conf)], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, cwd=workdir,
                            start_new_session=True)
    return proc, port


def read_until(proc: subprocess.Popen, needle: str, timeout: float = 30) -> str:
    """The server's stdout up to the first line containing ``needle``."""
    assert proc.stdout is not None
    seen, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.5)
        if ready:
            line = proc.stdout.readline()
            seen.append(line)
            if needle in line:
                return "".join(seen)
    raise AssertionError(f"{needle!r} not printed; got:\n{''.join(seen)}")


def answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=5).status_code == 200
    except requests.RequestException:
        return False


def stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


def test_serve_with_agent_runs_the_local_agent_which_registers(testbed: Testbed) -> None:
    host = testbed.add_host("aio")
    proc, port = serve_with_agent(testbed.workdir, (
        f"host = all-in-one\novsdb_connection = {host.db}\novs_rundir = {host.workdir}\n"
        "report_interval = 1\n"))
    try:
        out = read_until(proc, "neutrino agent:")
        assert "Neutrino is serving the Networking API" in out
        assert "agent: starting this host's agent" in out
        assert "neutrino agent: host all-in-one" in out.splitlines()[-1]
        url = f"http://127.0.0.1:{port}"
        assert wait_for(lambda: answers(f"{url}/v2.0/agents"), 60)
        # One record per role, each registered in turn: all-in-one serves DHCP too.
        def alive_types() -> set[str]:
            return {a["agent_type"] for a in requests.get(f"{url}/v2.0/agents", timeout=10)
                    .json()["agents"] if a["host"] == "all-in-one" and a["alive"]}
        assert wait_for(lambda: alive_types() == {"Open vSwitch agent", "DHCP agent"}, 30), \
            alive_types()
    finally:
        stop(proc)


def test_serve_with_agent_still_serves_and_says_why_the_agent_did_not_start(tmp_path: Path) -> None:
    proc, port = serve_with_agent(tmp_path, f"ovsdb_connection = unix:{tmp_path}/no-ovs/db.sock\n")
    try:
        line = read_until(proc, "neutrino agent:").splitlines()[-1]
        assert "not started: Open vSwitch is not running" in line
        assert f"{tmp_path}/no-ovs/db.sock" in line
        # The agent's line can come before the worker has loaded: the API answers soon after.
        assert wait_for(lambda: answers(f"http://127.0.0.1:{port}/v2.0/networks"), 60)
    finally:
        stop(proc)
