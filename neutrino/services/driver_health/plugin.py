"""/v2.0/driver-health: the monitor's last results, filtered, sorted and paged in
memory (a few dozen entries at most)."""
from __future__ import annotations

from typing import Any

from neutrino import exceptions as exc
from neutrino.context import Context
from neutrino.core.listing import ListQuery, page_in_memory
from neutrino.services.driver_health.monitor import monitor_of


class DriverNotFound(exc.NotFound):
    message = "Driver {id} could not be found."


class DriverHealthPlugin:
    not_found = DriverNotFound

    def __init__(self, db: Any, conf: Any, registry: Any = None) -> None:
        self.registry = registry

    def get(self, ctx: Context, id: str, fields: list[str] | None = None) -> dict:
        for driver in monitor_of(self.registry).results():
            if driver["name"] == id:
                return driver
        raise self.not_found(id=id)

    def list(self, ctx: Context, query: ListQuery) -> list[dict]:
        items = monitor_of(self.registry).results()
        for key, values in query.filters.items():
            items = [i for i in items if i[key] in values]
        return page_in_memory(items, query, "name")
