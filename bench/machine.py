"""The machine a benchmark ran on, as recorded next to its figures."""
from __future__ import annotations

import os
import platform
import sqlite3
import subprocess


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gb() -> int | None:
    """Total memory as `free -g` shows it."""
    try:
        out = subprocess.run(["free", "-g"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    for line in out.splitlines():
        if line.startswith("Mem:"):
            return int(line.split()[1])
    return None


def describe() -> dict:
    return {
        "cpu_model": _cpu_model(),
        "cpus": os.cpu_count(),
        "memory_gb": _memory_gb(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
    }


def load_average() -> list[float]:
    """1, 5 and 15 minute load averages: the machine is shared, so figures vary with it."""
    return [round(x, 2) for x in os.getloadavg()]
