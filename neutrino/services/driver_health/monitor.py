"""The periodic check: one pass over every loaded driver each ``[driver_health]
check_interval`` seconds, in a daemon thread of each server process; requests
read the last pass's results (``Monitor.results``) and never run a check.

Results live in the process that checked (a check such as Placement's is about
what this process reaches). Before the first pass an entry is UNKNOWN, "not
checked yet", with ``last_checked`` null; a check that fails (a database hiccup)
makes its entry UNKNOWN with the reason, until the next pass.
"""
from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from typing import Any

from neutrino.services.driver_health import checks

LOG = logging.getLogger(__name__)
NOT_CHECKED = checks.Health(checks.UNKNOWN, "not checked yet")
NO_CHECK = checks.Health(checks.UNKNOWN, "this driver has no health check")


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


class Monitor:
    def __init__(self, registry: Any) -> None:
        self.registry = registry
        self.entries = checks.loaded(registry)
        self._lock = threading.Lock()
        self._results: dict[str, tuple[checks.Health, str | None]] = {
            e.name: (NOT_CHECKED, None) for e in self.entries}

    def results(self) -> list[dict]:
        """Every loaded driver as /v2.0/driver-health shows it."""
        with self._lock:
            found = dict(self._results)
        return [{"name": e.name, "type": e.type, "service_type": e.service_type,
                 "status": found[e.name][0].status, "detail": found[e.name][0].detail,
                 "last_checked": found[e.name][1]} for e in self.entries]

    def check_all(self) -> None:
        """One pass: read the facts once, run every check."""
        try:
            facts: checks.Facts | None = checks.Facts.read(self.registry)
        except Exception as err:  # the database is away: say so, and try next pass
            LOG.warning("driver health: reading the agents failed", exc_info=True)
            facts, failure = None, f"the check failed: {err}"
        for entry in self.entries:
            if entry.check is None:
                health = NO_CHECK
            elif facts is None:
                health = checks.Health(checks.UNKNOWN, failure)
            else:
                try:
                    health = entry.check(self.registry, facts)
                except Exception as err:
                    LOG.warning("driver health: checking %s failed", entry.name, exc_info=True)
                    health = checks.Health(checks.UNKNOWN, f"the check failed: {err}")
            with self._lock:
                self._results[entry.name] = (health, _now())


def monitor_of(registry: Any) -> Monitor:
    """The registry's monitor (made once)."""
    monitor = getattr(registry, "driver_health", None)
    if monitor is None:
        monitor = registry.driver_health = Monitor(registry)
    return monitor


def start(registry: Any) -> None:
    """Check now, then every ``check_interval`` seconds, off every request's path."""
    if registry.db is None:
        return
    monitor = monitor_of(registry)
    stop = threading.Event()

    def loop() -> None:
        while True:
            monitor.check_all()
            if stop.wait(registry.conf.driver_health.check_interval):
                return

    threading.Thread(target=loop, name="driver-health", daemon=True).start()
    registry.driver_health_stop = stop
