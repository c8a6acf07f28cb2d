"""Recording the callback events resources publish, in order."""
from __future__ import annotations

import contextlib
from collections.abc import Iterator

from neutrino.callbacks import Event, Resource, get_registry


@contextlib.contextmanager
def recording(*resources: Resource) -> Iterator[list[tuple[str, Event]]]:
    """(resource, event) pairs published for ``resources`` while the block runs."""
    seen: list[tuple[str, Event]] = []

    def record(resource, event, trigger, payload):
        seen.append((getattr(resource, "value", resource), event))

    registry = get_registry()
    subscribed = [(r, e) for r in resources for e in Event]
    for r, e in subscribed:
        registry.subscribe(record, r, e)
    try:
        yield seen
    finally:
        for r, e in subscribed:
            registry.unsubscribe(record, r, e)
