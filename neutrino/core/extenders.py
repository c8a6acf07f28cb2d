"""Attribute extenders: how a feature stores, updates, filters and renders attributes
it adds (in ``definitions/``, through ``Extension.extends``) to a resource another
feature serves. The resource's plugin calls every extender of its collection at
fixed points of its read and write paths, inside the same transaction; the plugin
itself never sees those attributes.

A feature declares its extender classes in ``Feature.extenders``; the registry
makes one per application and collection.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import Connection, Select

from neutrino.context import Context
from neutrino.core.listing import Filter

if TYPE_CHECKING:
    from neutrino.definitions import Api
    from neutrino.definitions.base import ResourceSpec
    from neutrino.registry import Registry


class AttributeExtender:
    """Base class; override what the attributes need."""

    # The collection (plural body key: "ports"; "<parent path>/<collection>" for a
    # sub-resource) whose attributes this stores.
    collection: ClassVar[str]
    # The attributes it owns (stores and renders); POST/PUT values of these are
    # handed to it, never to the resource's plugin.
    attributes: ClassVar[tuple[str, ...]]
    # The extension alias declaring the attributes; the extender runs only when it
    # is enabled (empty: always).
    alias: ClassVar[str] = ""

    def __init__(self, registry: Registry, spec: ResourceSpec, plugin: Any) -> None:
        self.registry = registry
        self.spec = spec
        self.conf = registry.conf
        # The resource's plugin (still being built: use its ``table``, ``db``, ``conf``).
        self.plugin = plugin
        self.table = plugin.table

    @classmethod
    def enabled(cls, api: Api) -> bool:
        return not cls.alias or api.has(cls.alias)

    def wanted(self, fields: frozenset[str] | None) -> bool:
        return fields is None or any(a in fields for a in self.attributes)

    # ---- reading --------------------------------------------------------------------
    def load(self, conn: Connection, ids_query: Select, items: list[dict]) -> None:
        """Set this extender's attributes on rendered ``items`` (``ids_query`` selects
        their ids): one query for all of them."""

    def filters(self) -> dict[str, Filter]:
        """List filters on its attributes: name -> (statement, values) -> statement,
        the statement selecting the resource's table (``self.table``)."""
        return {}

    def sort_keys(self) -> dict[str, Any]:
        """Sort keys on its attributes declared ``sort=True``: name -> an SQL expression
        of the resource's row (``self.table``; e.g. a correlated scalar subquery giving
        the attribute's default where nothing is stored). Lists order, and paginate
        with a marker, by it as by a column; the server refuses to start when a
        sortable attribute has none."""
        return {}

    # ---- writing (inside the resource's transaction) ----------------------------------
    def prepare(self, conn: Connection, ctx: Context, body: dict) -> dict:
        """The validated POST body of one new resource, completed before the resource's
        plugin stores it (e.g. a subnet's cidr chosen from its subnet pool)."""
        return body

    def create(self, conn: Connection, ctx: Context, items: list[dict],
               bodies: list[dict]) -> None:
        """Store the attributes of new resources (``items``, rendered, ids known) from
        their validated ``bodies`` (defaults filled in); set them on ``items``."""

    def update(self, conn: Connection, ctx: Context, original: dict, changes: dict) -> None:
        """Store changed attributes (``changes`` holds only this extender's)."""

    def delete(self, conn: Connection, ctx: Context, original: dict) -> None:
        """Remove what it stored for a resource about to be deleted."""

    @staticmethod
    def values(items: list[dict], name: str, by_id: dict[str, Any], default: Any) -> None:
        """Set ``name`` on each item from ``by_id`` (copying a mutable default)."""
        for item in items:
            value = by_id.get(item["id"], default)
            item[name] = type(value)(value) if isinstance(value, (list, dict)) else value
