"""When a real part (PostgreSQL, Open vSwitch, ...) cannot be had: under CI the
test fails; on a developer's machine it is skipped with the reason printed."""
from __future__ import annotations

import os

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unavailable(reason: str) -> None:
    if in_ci():
        pytest.fail(f"required part unavailable under CI: {reason}", pytrace=False)
    pytest.skip(reason)


def started(server, name: str):
    """Start a test server (``start``/``stop``/``log``); an unavailable part otherwise."""
    try:
        server.start()
    except Exception as err:  # noqa: BLE001
        log = server.log()
        server.stop()
        unavailable(f"cannot start {name}: {err}\n{log}")
    return server
