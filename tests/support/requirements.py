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
