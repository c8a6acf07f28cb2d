"""Fixtures for data-plane tests: a private testbed per test, or a cloud (server, two
hosts, their agents) per module; torn down even on failure."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.requirements import unavailable
from tests.support.server import ServerProcess

from .cloud import AGENT_DOWN_TIME, ApiBridge, Cloud, connect_sdk
from .testbed import Testbed, TestbedError, preflight

_PREFLIGHT: list[str] = []


def _require_dataplane() -> None:
    """Skip (or fail under CI=true) when the machine cannot run the testbed."""
    if not _PREFLIGHT:
        try:
            preflight()
            _PREFLIGHT.append("")
        except TestbedError as exc:
            _PREFLIGHT.append(str(exc))
    reason = _PREFLIGHT[0]
    if reason:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"data-plane testbed unavailable under CI: {reason}")
        pytest.skip(f"data-plane testbed unavailable: {reason}")


@pytest.fixture
def testbed(tmp_path: Path) -> Iterator[Testbed]:
    _require_dataplane()
    bed = Testbed(tmp_path)
    try:
        yield bed
    finally:
        bed.close()


@pytest.fixture(scope="module")
def cloud_server() -> Iterator[ServerProcess]:
    """The module's API server: SQLite, agents declared dead after a few seconds."""
    server = ServerProcess(extra_conf=f"agent_down_time = {AGENT_DOWN_TIME}\n").start(timeout=120)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def cloud(cloud_server: ServerProcess, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cloud]:
    """Two hosts (host-a, host-b), each with its own Open vSwitch and `neutrino agent`
    process, registered with the module's server; shared by a module's tests."""
    _require_dataplane()
    missing = [tool for tool in ("socat", "nsenter", "dhclient") if shutil.which(tool) is None]
    if missing:
        unavailable(f"the end-to-end testbed needs {', '.join(missing)} "
                    "(Debian: socat, util-linux, isc-dhcp-client)")
    bed = Testbed(tmp_path_factory.mktemp("cloud"))
    bridge: ApiBridge | None = None
    sdk = connect_sdk(cloud_server.url)
    try:
        hosts = [bed.add_host("host-a"), bed.add_host("host-b")]
        bridge = ApiBridge(cloud_server.port)
        for host in hosts:
            bridge.connect(host)
        world = Cloud(cloud_server, bed, bridge, sdk, hosts)
        for host in hosts:
            world.start_agent(host)
        for host in hosts:
            world.agents[host.name].wait_synced()
            world.wait_alive(host)
        yield world
    finally:
        sdk.close()
        bed.close()
        if bridge is not None:
            bridge.close()
