"""The service providers: the router providers Neutron ships in tree (as Neutron
29 lists them, none marked default; a router's provider follows from its ``ha``
and ``distributed`` flags)."""
from __future__ import annotations

from typing import Any

from neutrino import exceptions as exc
from neutrino.context import Context
from neutrino.core.listing import ListQuery, page_in_memory

PROVIDERS = ("single_node", "ha", "dvr", "dvrha")


class ServiceProviderPlugin:
    not_found = exc.ServiceProviderNotFound

    def __init__(self, db: Any, conf: Any, registry: Any = None) -> None:
        self.conf = conf

    def get(self, ctx: Context, id: str, fields: list[str] | None = None) -> dict:
        for provider in self.list(ctx, ListQuery()):
            if provider["name"] == id:
                return provider
        raise self.not_found(id=id)

    def list(self, ctx: Context, query: ListQuery) -> list[dict]:
        items = [{"service_type": "L3_ROUTER_NAT", "name": name, "default": False}
                 for name in PROVIDERS]
        for key, values in query.filters.items():
            items = [i for i in items if i[key] in values]
        return page_in_memory(items, query, "name")
