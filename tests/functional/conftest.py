"""Fixtures for data-plane tests: a private testbed per test, torn down even on failure."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

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
