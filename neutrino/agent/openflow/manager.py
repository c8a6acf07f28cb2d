"""The OpenFlow manager: hands out br-int stages and cookies to agent extensions.

Each extension registers under a name, claims the stages it writes, and gets
a ``FlowOwner`` through which every flow it builds is created. The owner
refuses flows outside its stages, so two extensions can never shadow each
other inside one table. The manager itself owns the hand-off flow at the
bottom of every stage (goto the next stage, or drop) and the canary.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from neutrino.agent.openflow.flows import Flow, owner_cookie
from neutrino.agent.openflow.pipeline import BR_INT_PIPELINE, Miss, Stage

PIPELINE_OWNER = "pipeline"
CANARY_STAGE = "canary"
# Extensions use priorities above the manager's hand-off flow.
MIN_PRIORITY = 1
MAX_PRIORITY = 65535


class PipelineError(Exception):
    """A stage is unknown, already claimed, or written by someone who did not claim it."""


@dataclass(frozen=True)
class FlowOwner:
    """What an extension holds: its cookie, its stages, and the table map to reference others."""

    name: str
    cookie: int
    stages: frozenset[str]
    tables: dict[str, int]

    def table(self, stage: str) -> int:
        """Table number of any stage (for goto/resubmit); writing is limited to own stages."""
        try:
            return self.tables[stage]
        except KeyError:
            raise PipelineError(f"unknown stage {stage!r}") from None

    def goto(self, stage: str) -> str:
        return f"goto_table:{self.table(stage)}"

    def resubmit(self, stage: str) -> str:
        return f"resubmit(,{self.table(stage)})"

    def flow(self, stage: str, priority: int, match: str, actions: str) -> Flow:
        """Build a flow in one of this owner's stages, carrying this owner's cookie."""
        if stage not in self.stages:
            raise PipelineError(f"{self.name} does not own stage {stage!r}")
        if not MIN_PRIORITY <= priority <= MAX_PRIORITY:
            raise PipelineError(f"priority {priority} outside {MIN_PRIORITY}..{MAX_PRIORITY}")
        return Flow(self.tables[stage], priority, match, actions, self.cookie)


class OpenFlowManager:
    """Resolves the pipeline to tables once, then arbitrates stage ownership."""

    def __init__(self, pipeline: Sequence[Stage] = BR_INT_PIPELINE) -> None:
        names = [stage.name for stage in pipeline]
        if len(set(names)) != len(names):
            raise PipelineError("duplicate stage names in pipeline")
        self.pipeline = tuple(pipeline)
        self.tables = {stage.name: number for number, stage in enumerate(self.pipeline)}
        self._claims: dict[str, str] = {}
        self._owners: dict[str, FlowOwner] = {}
        self._own = self.register(PIPELINE_OWNER, [CANARY_STAGE])

    def table(self, stage: str) -> int:
        return self._own.table(stage)

    def register(self, owner: str, stages: Iterable[str]) -> FlowOwner:
        """Claim stages for an owner; fails if a stage is unknown or taken."""
        if owner in self._owners:
            raise PipelineError(f"owner {owner!r} already registered")
        wanted = frozenset(stages)
        for stage in wanted:
            if stage not in self.tables:
                raise PipelineError(f"unknown stage {stage!r}")
            if stage in self._claims:
                raise PipelineError(f"stage {stage!r} already owned by {self._claims[stage]}")
        cookie = owner_cookie(owner)
        clash = [o.name for o in self._owners.values() if o.cookie == cookie]
        if clash:
            raise PipelineError(f"owner {owner!r} has the same cookie as {clash[0]!r}")
        handle = FlowOwner(owner, cookie, wanted, dict(self.tables))
        self._owners[owner] = handle
        for stage in wanted:
            self._claims[stage] = owner
        return handle

    def unregister(self, owner: str) -> FlowOwner:
        """Release an owner's stages; the caller deletes its flows by cookie."""
        handle = self._owners.pop(owner)
        for stage in handle.stages:
            del self._claims[stage]
        return handle

    def owners(self) -> list[FlowOwner]:
        return list(self._owners.values())

    @property
    def pipeline_owner(self) -> FlowOwner:
        return self._own

    def pipeline_flows(self) -> list[Flow]:
        """The hand-off at the bottom of every stage, plus the canary."""
        flows = []
        for number, stage in enumerate(self.pipeline):
            nxt = number + 1
            if stage.miss is Miss.NEXT and nxt < len(self.pipeline):
                actions = f"goto_table:{nxt}"
            else:
                actions = "drop"
            # Priority 0 is reserved to the manager, so build the Flow directly.
            flows.append(Flow(number, 0, "", actions, self._own.cookie))
        flows.append(self.canary_flow())
        return flows

    def canary_flow(self) -> Flow:
        # A flow no packet reaches; if it is gone, OVS lost its flow table.
        return self._own.flow(CANARY_STAGE, MAX_PRIORITY, "dl_type=0x88b5", "drop")
