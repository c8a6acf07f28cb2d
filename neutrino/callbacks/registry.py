"""The callback registry: subscribers by (resource, event), run in priority order
(smaller first, registration order within a priority).

Every subscriber runs even when one fails. Then: a failed ``before_*`` event
publishes the matching ``abort_*`` event and raises; a failed ``precommit_*``
raises (rolling the transaction back); failures of other events are logged,
unless the failing subscriber registered as cancellable.
"""
from __future__ import annotations

import bisect
import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass

from neutrino.callbacks.events import Event, Resource
from neutrino.callbacks.payloads import EventPayload

LOG = logging.getLogger(__name__)
PRIORITY_DEFAULT = 55_550_000
Callback = Callable[[Resource, Event, object, EventPayload], None]


@dataclass(frozen=True)
class NotificationError:
    callback: Callback
    error: BaseException
    cancellable: bool


class CallbackFailure(Exception):
    """One or more subscribers refused or failed."""

    def __init__(self, errors: list[NotificationError]) -> None:
        self.errors = errors
        super().__init__("; ".join(str(e.error) for e in errors))

    @property
    def inner_exceptions(self) -> list[BaseException]:
        return [e.error for e in self.errors]


@dataclass(order=True)
class _Subscription:
    priority: int
    order: int
    callback: Callback = None  # type: ignore[assignment]
    cancellable: bool = False


def _key(resource: str) -> str:
    """Resources are named by their definitions' singular names; the Resource enum's
    members are those names too."""
    return getattr(resource, "value", resource)


class Registry:
    def __init__(self) -> None:
        self._subs: dict[tuple[str, Event], list[_Subscription]] = {}
        self._counter = itertools.count()

    def subscribe(self, callback: Callback, resource: Resource, event: Event,
                  priority: int = PRIORITY_DEFAULT, cancellable: bool = False) -> None:
        subs = self._subs.setdefault((_key(resource), event), [])
        if any(s.callback == callback for s in subs):
            return
        bisect.insort(subs, _Subscription(priority, next(self._counter), callback, cancellable))

    def unsubscribe(self, callback: Callback, resource: Resource, event: Event) -> None:
        subs = self._subs.get((_key(resource), event), [])
        subs[:] = [s for s in subs if s.callback != callback]

    def clear(self) -> None:
        self._subs.clear()

    def has_subscribers(self, resource: Resource, event: Event) -> bool:
        return bool(self._subs.get((_key(resource), event)))

    def publish(self, resource: Resource, event: Event, trigger: object,
                payload: EventPayload) -> None:
        if not isinstance(payload, EventPayload):
            raise TypeError(f"payload must be an EventPayload, not {type(payload).__name__}")
        subs = self._subs.get((_key(resource), event))
        if not subs:
            return
        errors = []
        for sub in list(subs):
            try:
                sub.callback(resource, event, trigger, payload)
            except Exception as exc:
                errors.append(NotificationError(sub.callback, exc, sub.cancellable))
                level = logging.DEBUG if event.cancellable else logging.ERROR
                LOG.log(level, "callback %r failed for %s/%s", sub.callback, _key(resource),
                        event.value, exc_info=not event.cancellable)
        if not errors:
            return
        if event.abort is not None:
            try:
                self.publish(resource, event.abort, trigger, payload)
            except CallbackFailure:
                pass
        if event.cancellable or any(e.cancellable for e in errors):
            raise CallbackFailure(errors)


_REGISTRY = Registry()


def get_registry() -> Registry:
    """The process-wide registry."""
    return _REGISTRY
