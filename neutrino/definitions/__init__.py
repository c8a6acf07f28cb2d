"""API definitions: one module per extension, composed here into the loaded API."""
from __future__ import annotations

import functools

from neutrino.definitions import (
    availability_zones,
    core,
    ip_availability,
    listing,
    networks,
    ports,
    project_id,
    quotas,
    rbac,
    security_groups,
    standard_attrs,
)
from neutrino.definitions.base import Extension, ResourceSpec, compose
from neutrino.services.address_scopes import definitions as address_scopes
from neutrino.services.subnetpools import definitions as subnetpools

ALL_EXTENSIONS: list[Extension] = [
    project_id.EXTENSION,
    *standard_attrs.EXTENSIONS,
    *listing.EXTENSIONS,
    *networks.EXTENSIONS,
    *ports.EXTENSIONS,
    *security_groups.EXTENSIONS,
    ip_availability.EXTENSION,
    *availability_zones.EXTENSIONS,
    *quotas.EXTENSIONS,
    rbac.EXTENSION,
    *subnetpools.EXTENSIONS,
    *address_scopes.EXTENSIONS,
]


class Api:
    """The API a server instance serves: enabled extensions and composed resources."""

    def __init__(self, conf) -> None:
        self.extensions = [e for e in ALL_EXTENSIONS if e.enabled(conf)]
        self.aliases = frozenset(e.alias for e in self.extensions)
        missing = {r for e in self.extensions for r in e.requires} - self.aliases
        if missing:
            raise RuntimeError(f"extensions require missing extensions: {sorted(missing)}")
        self.resources: dict[str, ResourceSpec] = compose(self.extensions, core.RESOURCES)
        self.by_collection = {s.collection: s for s in self.resources.values()}

    def has(self, alias: str) -> bool:
        return alias in self.aliases


@functools.cache
def _aliases_unique() -> bool:
    aliases = [e.alias for e in ALL_EXTENSIONS]
    if len(aliases) != len(set(aliases)):
        raise RuntimeError("duplicate extension alias")
    return True


_aliases_unique()
