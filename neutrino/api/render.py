"""Shaping response items: visible attributes only, or just the requested fields."""
from __future__ import annotations

from neutrino.definitions.base import ResourceSpec


def shape(spec: ResourceSpec, items: list[dict], fields: list[str] | None) -> list[dict]:
    visible = spec.visible
    if fields:
        wanted = [f for f in fields if f in spec.attributes and spec.attributes[f].visible]
        return [{f: item[f] for f in wanted if f in item} for item in items]
    if items and len(items[0]) == len(visible) and all(k in items[0] for k in visible):
        return items  # the plugin rendered exactly the visible set
    return [{k: item[k] for k in visible if k in item} for item in items]
