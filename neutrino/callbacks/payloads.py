"""Uniform event payloads; the registry refuses anything else."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class EventPayload:
    """What every subscriber receives. ``states`` runs oldest to newest;
    payloads are shared by reference, so subscribers must not change them."""

    context: Any
    resource_id: str | None = None
    states: tuple = ()
    request_body: dict | None = None
    metadata: dict = field(default_factory=dict)

    @property
    def latest_state(self) -> Any:
        return self.states[-1] if self.states else None

    @property
    def has_states(self) -> bool:
        return bool(self.states)


@dataclass(frozen=True)
class DBEventPayload(EventPayload):
    """A payload for events inside (or about to start) a database transaction.
    ``desired_state`` is the not-yet-stored result; ``connection`` the transaction."""

    desired_state: Any = None
    connection: Any = None

    @property
    def latest_state(self) -> Any:
        return self.desired_state if self.desired_state is not None else super().latest_state

    @property
    def is_persisted(self) -> bool:
        return self.resource_id is not None and self.has_states

    @property
    def is_to_be_committed(self) -> bool:
        return self.desired_state is not None
