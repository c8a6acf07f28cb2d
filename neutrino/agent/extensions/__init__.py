"""Agent extensions: each owns some br-int stages and computes its flows from a HostView."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from neutrino.agent.openflow.flows import Flow
from neutrino.agent.openflow.manager import FlowOwner
from neutrino.agent.topology import HostView


class AgentExtension(Protocol):
    """The contract: a name, the stages claimed, and a pure function to flows."""

    name: str
    stages: tuple[str, ...]

    def flows(self, owner: FlowOwner, view: HostView) -> Iterable[Flow]:
        """Every flow this extension wants, built through ``owner`` (all of them, every time)."""
        ...

    # Optional: ``meters(view) -> dict[int, Meter]``, the OpenFlow meters its flows use
    # (openflow/meters.py); the agent installs them before the flows (QoS does).
