"""API definitions: one module per extension, composed here into the loaded API."""
from __future__ import annotations

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
from neutrino.definitions.base import Extension, Resource, ResourceSpec, compose

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
]


class Api:
    """The API a server instance serves: enabled extensions and composed resources."""

    def __init__(self, conf, extensions: list[Extension] | None = None,
                 resources: list[Resource] | None = None) -> None:
        """The API of the given extensions and alias-less resources (by default: the
        in-tree core ones; a server passes its registry's features')."""
        if extensions is None:
            extensions, resources = ALL_EXTENSIONS, core.RESOURCES
        aliases = [e.alias for e in extensions]
        if len(aliases) != len(set(aliases)):
            raise RuntimeError(f"duplicate extension alias in {sorted(aliases)}")
        self.extensions = [e for e in extensions if e.enabled(conf)]
        self.aliases = frozenset(e.alias for e in self.extensions)
        missing = {r for e in self.extensions for r in e.requires} - self.aliases
        if missing:
            raise RuntimeError(f"extensions require missing extensions: {sorted(missing)}")
        self.resources: dict[str, ResourceSpec] = compose(self.extensions, list(resources or []))
        # Top-level resources by collection (a sub-resource may share its collection name).
        self.by_collection = {s.collection: s for s in self.resources.values()
                              if s.resource.parent is None}

    def has(self, alias: str) -> bool:
        return alias in self.aliases
