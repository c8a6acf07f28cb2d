"""In-process publish/subscribe of resource events (docs/architecture.md, "How a request flows")."""
from neutrino.callbacks.events import Event, Resource
from neutrino.callbacks.payloads import DBEventPayload, EventPayload
from neutrino.callbacks.registry import PRIORITY_DEFAULT, CallbackFailure, Registry, get_registry

__all__ = [
                                         "PRIORITY_DEFAULT",
                                         "CallbackFailure",
                                         "DBEventPayload",
                                         "Event",
                                         "EventPayload",
                                         "Registry",
                                         "Resource",
                                         "get_registry",
]
